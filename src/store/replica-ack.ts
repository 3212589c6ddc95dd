import { StoreUnavailableError } from '../core/errors.js';
import type { RedisClient } from './redis-connection.js';
import { UnconfirmedWrites } from './unconfirmed-writes.js';

/** REDIS_MIN_REPLICAS_ACK and REDIS_REPLICAS_ACK_TIMEOUT: how many replicas must hold a write before it is acknowledged. */
export interface ReplicaAckPolicy {
  /** 0: acknowledge once the primary has it (no WAIT at all). */
  replicas: number;
  /** WAIT's timeout: how long a write may wait for its replicas before the caller gets the retry answer. */
  timeoutMs: number;
}

export const NO_REPLICA_ACK: ReplicaAckPolicy = { replicas: 0, timeoutMs: 0 };

/**
 * What the store and its outbox put every acknowledged write through: one implementation per way of
 * reaching Redis (one connection here, the slot's primary on a Cluster in cluster-replica-ack.ts),
 * since where WAIT must go depends on where the write went.
 */
export interface WriteAcknowledgement {
  readonly policy: ReplicaAckPolicy;
  /** The write's own result once policy.replicas replicas hold it; StoreUnavailableError when that cannot be shown. */
  confirmed<T>(write: Promise<T>): Promise<T>;
}

/**
 * Follows each acknowledged write with `WAIT n timeout` on the same connection (one Redis, direct or
 * through Sentinel), so a write the gateway
 * acknowledges is on n replicas as well as on the primary. Redis's WAIT counts the replicas that hold
 * every write this connection has sent, ours included since ioredis sends commands in order on one
 * connection.
 *
 * A connection lost between the write and the WAIT would let the WAIT run on a fresh connection that
 * has written nothing (and so is confirmed at once by any replica): each closed connection is counted,
 * and a WAIT answered on another connection than the write fails like too few replicas. Either way the
 * write may or may not survive, so the caller gets the retry answer (503, or the protocol's), which is
 * safe because every retry of these writes is idempotent.
 */
export class ReplicaAcknowledgement implements WriteAcknowledgement {
  private connectionsClosed = 0;
  private readonly unconfirmed: UnconfirmedWrites;

  constructor(
    private readonly redis: RedisClient,
    readonly policy: ReplicaAckPolicy,
    /** Where refused writes are counted and reported (a run once at its start and once at its end). */
    unconfirmed?: UnconfirmedWrites,
  ) {
    if (policy.replicas > 0) redis.on('close', () => (this.connectionsClosed += 1));
    this.unconfirmed = unconfirmed ?? new UnconfirmedWrites({ minReplicas: policy.replicas });
  }

  /** The write's own result once n replicas hold it; without a policy, the write alone (no extra round trip). */
  async confirmed<T>(write: Promise<T>): Promise<T> {
    if (this.policy.replicas === 0) return write;
    const result = await write;
    // Read before the WAIT is sent: the write's reply was handled on the connection counted here.
    const connection = this.connectionsClosed;
    const acknowledged = await this.redis.wait(this.policy.replicas, this.policy.timeoutMs);
    if (connection !== this.connectionsClosed) {
      this.unconfirmed.refused('connection_changed');
      throw new StoreUnavailableError();
    }
    if (acknowledged < this.policy.replicas) {
      this.unconfirmed.refused('too_few_replicas', acknowledged);
      throw new StoreUnavailableError();
    }
    this.unconfirmed.confirmed();
    return result;
  }
}
