import { Command, type Cluster, type Redis } from 'ioredis';
import { StoreUnavailableError } from '../core/errors.js';
import type { ReplicaAckPolicy, WriteAcknowledgement } from './replica-ack.js';
import { UnconfirmedWrites, type UnconfirmedCause } from './unconfirmed-writes.js';

/**
 * REDIS_MIN_REPLICAS_ACK on a Redis Cluster: each acknowledged write is followed by `WAIT n timeout`
 * on the connection of the primary that owns the store's one slot (redis-key-space.ts), the
 * connection that carried the write.
 *
 * WAIT has no key, so the Cluster client would send it to any node, where it would count the replicas
 * of writes that node's connection made, not ours. The client does not say which node answered a
 * command, so the write is tied to a node by the slot map instead: the primary the map names for the
 * slot when the write is sent is where the client sends it; if the map names another one by the time
 * the write is answered (a MOVED, a failover, a fresh map), or that node's connection closed in
 * between (the command was then sent again, perhaps to another node), the write may have been
 * answered elsewhere, and the WAIT could confirm someone else's writes. Those cases, and a slot with
 * no known primary, fail like too few replicas: the caller gets the retry answer (503, or the
 * protocol's), which is safe because every retry of these writes is idempotent.
 *
 * While the store's slot migrates to another primary, a command whose keys the old primary no
 * longer holds is answered ASK, naming the target, and the map is unchanged: a WAIT on the old
 * primary would not cover a write done there. It never comes to that. The target refuses a command
 * of several keys in a slot it is importing unless it holds them all (TRYAGAIN), which a write of new
 * keys never does, and every script of the store names several; and the client sends its ASKING
 * behind the command (auto-pipelining queues it), so the target answers MOVED back. The command fails
 * once its redirections are used up ("Too many Cluster redirections", a store failure: 503). Writes
 * of new keys (new payments, new events) are refused for the time of a migration and none is
 * acknowledged; test/process/cluster-replica-ack.test.ts holds the client to it. Move the store's
 * slot with the gateway stopped.
 */
export class ClusterReplicaAcknowledgement implements WriteAcknowledgement {
  private readonly slot: number;
  /** Closes seen per node connection, counted from the first write sent to it. */
  private readonly closes = new WeakMap<Redis, number>();
  private readonly unconfirmed: UnconfirmedWrites;

  /** `storeKey`: any key of the store (all share one hash tag, so one slot). */
  constructor(
    private readonly cluster: Cluster,
    storeKey: string,
    readonly policy: ReplicaAckPolicy,
    /** Where refused writes are counted and reported (a run once at its start and once at its end). */
    unconfirmed?: UnconfirmedWrites,
  ) {
    // The slot the client routes the store's keys to, computed the way the client does.
    this.slot = new Command('get', [storeKey]).getSlot();
    this.unconfirmed = unconfirmed ?? new UnconfirmedWrites({ minReplicas: policy.replicas });
  }

  async confirmed<T>(write: Promise<T>): Promise<T> {
    if (this.policy.replicas === 0) return write;
    // Read in the turn the write was issued in: the client routes it with this same slot map.
    const sentTo = this.slotPrimary();
    const closesBefore = sentTo ? this.closesOf(sentTo) : 0;
    const result = await write;
    if (!sentTo) return this.refuse('slot_moved');
    if (!this.stillOn(sentTo, closesBefore)) return this.refuse(this.leftFrom(sentTo));
    let acknowledged: number;
    try {
      acknowledged = await sentTo.wait(this.policy.replicas, this.policy.timeoutMs);
    } catch {
      // The node's connection was lost, or the node is no primary any more (a replica refuses WAIT).
      return this.refuse('wait_refused');
    }
    if (!this.stillOn(sentTo, closesBefore)) return this.refuse(this.leftFrom(sentTo));
    if (acknowledged < this.policy.replicas) return this.refuse('too_few_replicas', acknowledged);
    this.unconfirmed.confirmed();
    return result;
  }

  private refuse(cause: UnconfirmedCause, acknowledged?: number): never {
    this.unconfirmed.refused(cause, acknowledged);
    throw new StoreUnavailableError();
  }

  /** Why a write sent to `node` is no longer known to be on it: the slot moved, or the connection closed. */
  private leftFrom(node: Redis): UnconfirmedCause {
    return this.slotPrimary() === node ? 'connection_changed' : 'slot_moved';
  }

  /** The slot's primary is still `node`, on the connection that was open when the write was sent. */
  private stillOn(node: Redis, closesBefore: number): boolean {
    return this.slotPrimary() === node && this.closesOf(node) === closesBefore;
  }

  /** The connection to the primary the client's slot map names for the store's slot, if it has one. */
  private slotPrimary(): Redis | undefined {
    const key = this.cluster.slots[this.slot]?.[0];
    if (!key) return undefined;
    return this.cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === key);
  }

  private closesOf(node: Redis): number {
    const seen = this.closes.get(node);
    if (seen !== undefined) return seen;
    this.closes.set(node, 0);
    node.on('close', () => this.closes.set(node, (this.closes.get(node) ?? 0) + 1));
    return 0;
  }
}
