import type { Logger } from '../logger.js';
import { connectedReplicas, type ReplicationProbe } from './replication-check.js';

/**
 * What a crash of the primary can lose, as far as the primary tells, when the gateway does not wait
 * for replicas (REDIS_MIN_REPLICAS_ACK=0): one warn line naming the settings and the loss, or nothing
 * when appendfsync is always. With REDIS_MIN_REPLICAS_ACK above 0, checkReplication says what matters
 * instead (an acknowledged write is on the replicas as well). A replica answering as the primary is
 * said too: every write would fail with READONLY. CONFIG is often refused on managed Redis: then only
 * the replication role is checked, and the refusal is said at debug level.
 */
export async function checkPersistence(probe: ReplicationProbe, logger: Logger): Promise<void> {
  let replicas = 0;
  try {
    const info = await probe.info('replication');
    replicas = connectedReplicas(info);
    if (/^role:slave\s*$/m.test(info)) {
      logger.warn('Redis answers as a replica: every write will fail (READONLY) until it is a primary; point the gateway at the primary, or use REDIS_SENTINELS');
    }
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'Redis replication role could not be checked (INFO replication failed)');
  }
  let settings: { appendonly: string | null; appendfsync: string | null; save: string | null };
  try {
    settings = {
      appendonly: configValue(await probe.config('GET', 'appendonly')),
      appendfsync: configValue(await probe.config('GET', 'appendfsync')),
      save: configValue(await probe.config('GET', 'save')),
    };
  } catch {
    logger.debug('Redis persistence not checked: CONFIG GET is not allowed');
    return;
  }
  const loss = crashLoss(settings);
  if (loss === null) return;
  const failover = replicas > 0 ? '; a failover to a replica loses what it had not yet received (replication is asynchronous: set REDIS_MIN_REPLICAS_ACK to wait for it)' : '';
  logger.warn({ ...settings, connectedReplicas: replicas }, `Redis persistence: a crash of the primary loses ${loss}${failover}`);
}

/** What a primary with these settings loses when it crashes and restarts from its disk; null: nothing acknowledged. */
export function crashLoss(settings: { appendonly: string | null; appendfsync: string | null; save: string | null }): string | null {
  if (settings.appendonly === 'yes') {
    if (settings.appendfsync === 'always') return null;
    if (settings.appendfsync === 'everysec') return 'up to one second of acknowledged writes (appendfsync everysec)';
    if (settings.appendfsync === 'no') return 'what the system had not yet written to disk, often up to 30 seconds (appendfsync no)';
    return null;
  }
  if (settings.appendonly !== 'no') return null;
  if (settings.save === '' || settings.save === null) return 'every payment and event it holds (appendonly no, no snapshots: nothing is on disk)';
  return `every write since its last snapshot (appendonly no, save "${settings.save}"); set appendonly yes with appendfsync everysec or always`;
}

/** CONFIG GET answers [name, value] (RESP2); anything else is unknown. */
function configValue(reply: unknown): string | null {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
}
