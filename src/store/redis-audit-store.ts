import type { RedisClient } from './redis-connection.js';
import { storeKeyPrefix } from './redis-key-space.js';
import type { AuditEntry } from '../core/audit-entry.js';
import { AUDIT_LOG_LIMIT, type AuditPage, type AuditStore } from './audit-store.js';
import { luaScript } from './lua-scripts.js';
import { auditEvent } from '../core/audit-event.js';
import type { RedisOutbox } from './redis-outbox.js';

interface AuditCommands {
  hppAppendAudit(logKey: string, seqKey: string, json: string, limit: string, prefix: string, ...outboxArgs: (string | number)[]): Promise<number>;
}

/**
 * The audit log in Redis: a sorted set `{prefix}audit` scored by a sequence `{prefix}audit:seq`.
 * An append is one script call; a page is one ZREVRANGEBYSCORE below the cursor (a sequence number),
 * so pages stay put while entries are appended. With the store's outbox, the same script queues the
 * entry's audit.recorded event (lua/append-audit.lua): the outbox's keys share the log's prefix.
 */
export class RedisAuditStore implements AuditStore {
  private readonly logKey: string;
  private readonly seqKey: string;
  private readonly commands: AuditCommands;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly limit = AUDIT_LOG_LIMIT,
    private readonly outbox?: Pick<RedisOutbox, 'recordArgs'>,
  ) {
    // One script touches the log's keys and the outbox's: on a Cluster they share the store's hash tag (one slot).
    const keyPrefix = storeKeyPrefix(prefix, redis);
    this.keyPrefix = keyPrefix;
    this.logKey = `${keyPrefix}audit`;
    this.seqKey = `${keyPrefix}audit:seq`;
    if (!('hppAppendAudit' in redis)) redis.defineCommand('hppAppendAudit', { lua: luaScript('append-audit'), numberOfKeys: 2 });
    this.commands = redis as unknown as AuditCommands;
  }

  async append(entry: AuditEntry): Promise<void> {
    const [json, limit, ...outboxArgs] = this.appendArgs(entry);
    await this.commands.hppAppendAudit(this.logKey, this.seqKey, json, limit, this.keyPrefix, ...outboxArgs);
  }

  /**
   * What another script of the store passes to append_audit_entry (lua/include/append-audit-entry.lua)
   * to append `entry` in its own write: the entry's JSON, the log's bound, then its event's outbox
   * arguments. Without an entry, the arguments that append nothing.
   */
  appendArgs(entry: AuditEntry | undefined): [string, string, ...(string | number)[]] {
    if (!entry) return ['', String(this.limit), 0, '', 0, ''];
    const outboxArgs = this.outbox ? this.outbox.recordArgs([auditEvent(entry)]) : [0, '', 0, ''];
    return [JSON.stringify(entry), String(this.limit), ...outboxArgs];
  }

  async list(query: { limit: number; cursor?: string }): Promise<AuditPage> {
    const max = query.cursor && /^\d+$/.test(query.cursor) ? `(${query.cursor}` : '+inf';
    const rows = await this.redis.zrevrangebyscore(this.logKey, max, '-inf', 'WITHSCORES', 'LIMIT', 0, query.limit + 1);
    const items: AuditEntry[] = [];
    let lastScore: string | null = null;
    for (let i = 0; i < rows.length && items.length < query.limit; i += 2) {
      items.push(JSON.parse(rows[i]!) as AuditEntry);
      lastScore = rows[i + 1]!;
    }
    return { items, nextCursor: rows.length > query.limit * 2 ? lastScore : null };
  }
}
