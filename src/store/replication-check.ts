import type { Logger } from '../logger.js';

/** The two commands the check needs, so a test can answer them without a server. */
export interface ReplicationProbe {
  info(section: 'replication'): Promise<string>;
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
}

/**
 * What can be seen at start of a promise REDIS_MIN_REPLICAS_ACK makes: too few replicas connected (every
 * write would answer 503 until they are), more than n (a failover may promote one that had not
 * confirmed), and a primary without an append-only file (a restart of the primary itself comes back
 * with its last snapshot, losing what it had not replicated). Each finding is
 * one warn line; nothing stops the gateway, since replicas may join later. CONFIG is often renamed or
 * refused on managed Redis: then persistence is not checked, and that is said once at debug level.
 */
export async function checkReplication(probe: ReplicationProbe, minReplicas: number, logger: Logger): Promise<void> {
  if (minReplicas < 1) return;
  try {
    const connected = connectedReplicas(await probe.info('replication'));
    if (connected < minReplicas) {
      logger.warn({ connectedReplicas: connected, minReplicas }, 'Redis has fewer connected replicas than REDIS_MIN_REPLICAS_ACK: every write will answer 503 until enough replicas are connected');
    } else if (connected > minReplicas) {
      // WAIT counts any n replicas, and a failover may promote one of the others.
      logger.warn({ connectedReplicas: connected, minReplicas }, 'Redis has more connected replicas than REDIS_MIN_REPLICAS_ACK: a failover may promote a replica that had not confirmed the last acknowledged writes, and lose them; with REDIS_MIN_REPLICAS_ACK equal to the replicas nothing acknowledged is lost, and writes answer 503 after a failover until a replica is back');
    }
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'Redis replication could not be checked (INFO replication failed)');
  }
  let appendonly: string | null;
  let appendfsync: string | null;
  try {
    appendonly = configValue(await probe.config('GET', 'appendonly'));
    appendfsync = configValue(await probe.config('GET', 'appendfsync'));
  } catch {
    logger.debug('Redis persistence not checked: CONFIG GET is not allowed');
    return;
  }
  if (appendonly === 'no') {
    logger.warn({ appendonly }, 'Redis runs without appendonly: a restart of the primary loses every write not yet replicated; set appendonly yes with appendfsync everysec or always');
  } else if (appendonly === 'yes' && appendfsync === 'no') {
    logger.warn({ appendfsync }, 'Redis appendfsync is no: a crash of the primary machine loses what the system had not yet written to disk; set appendfsync everysec or always');
  }
}

/** `connected_slaves:N` of INFO replication (0 when absent). */
export function connectedReplicas(info: string): number {
  const match = /^connected_slaves:(\d+)\s*$/m.exec(info);
  return match ? Number(match[1]) : 0;
}

/** CONFIG GET answers [name, value] (RESP2); anything else is unknown. */
function configValue(reply: unknown): string | null {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
}
