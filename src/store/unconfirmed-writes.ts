import type { Logger } from '../logger.js';

/**
 * Why a write was not confirmed by REDIS_MIN_REPLICAS_ACK replicas:
 * - `too_few_replicas`: WAIT counted fewer within the timeout (a replica down, lagging, or not yet
 *   back beside a promoted primary);
 * - `connection_changed`: the connection that carried the write closed before its WAIT was answered;
 * - `slot_moved`: on a Cluster, the store's slot has another primary (or none known) than the one
 *   the write was sent to;
 * - `wait_refused`: the node refused the WAIT (a demoted primary) or its connection failed.
 */
export type UnconfirmedCause = 'too_few_replicas' | 'connection_changed' | 'slot_moved' | 'wait_refused';

export interface UnconfirmedWritesOptions {
  /** REDIS_MIN_REPLICAS_ACK, named in the lines. */
  minReplicas: number;
  logger?: Logger;
  /** Called for every refused write (the gateway's `hpp_store_unconfirmed_writes_total`), for alerts. */
  counted?: (cause: UnconfirmedCause) => void;
  now?: () => number;
}

/**
 * Tells the operator when acknowledged writes stop being confirmed by enough replicas, and when they
 * are again: one line each, however many writes were refused in between. Every refused write answers
 * the retry answer with nothing said of the cause (the merchant and the bank only need to retry), so
 * without these lines a primary waiting for a replica to come back looks like any store outage.
 */
export class UnconfirmedWrites {
  private since: number | null = null;
  private refusals = 0;
  private readonly minReplicas: number;
  private readonly logger: Logger | undefined;
  private readonly counted: (cause: UnconfirmedCause) => void;
  private readonly now: () => number;

  constructor(options: UnconfirmedWritesOptions) {
    this.minReplicas = options.minReplicas;
    this.logger = options.logger;
    this.counted = options.counted ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  /** A write refused: counted; the first of a run is logged with its cause (and WAIT's count, when it answered). */
  refused(cause: UnconfirmedCause, acknowledged?: number): void {
    this.refusals += 1;
    this.counted(cause);
    if (this.since !== null) return;
    this.since = this.now();
    this.logger?.error(
      { cause, minReplicas: this.minReplicas, ...(acknowledged !== undefined ? { acknowledged } : {}) },
      'Redis replicas do not confirm writes: each write answers 503 (retry) until REDIS_MIN_REPLICAS_ACK replicas hold it',
    );
  }

  /** A write confirmed; after a run of refusals, says how long it lasted and how many writes it refused. */
  confirmed(): void {
    if (this.since === null) return;
    this.logger?.warn({ refusedWrites: this.refusals, downMs: this.now() - this.since, minReplicas: this.minReplicas }, 'Redis replicas confirm writes again');
    this.since = null;
    this.refusals = 0;
  }
}
