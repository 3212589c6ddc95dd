import { IdempotencyMismatchError } from '../core/errors.js';
import type { PaymentStore } from '../store/payment-store.js';

/** An Idempotency-Key and the fingerprint of the request it came with (method, path and body). */
export interface IdempotencyRequest {
  key: string;
  fingerprint: string;
}

/** What is kept under a key: the request's fingerprint, the operation's id, and its answer once it has one. */
interface OperationRecord<T> {
  fingerprint: string;
  operationId: string;
  answer?: T;
}

/** A request under way: the operation id to use (kept across retries), or the answer given before. */
export type Begun<T> = { operationId: string; replay?: undefined } | { operationId: string; replay: T };

// As for payment creation: a merchant retrying after an outage of a day still finds its answer.
const KEY_TTL_SECONDS = 48 * 3600;
const NAMESPACE = 'opidem:';

/**
 * Idempotency-Key for the operations on a payment (capture, void, refund, sync), with the rules of
 * creation: the same key with the same request gives the same answer, with another request 422, and
 * a key is kept 48 hours.
 *
 * The first request under a key keeps, atomically, its fingerprint and a fresh operation id, before
 * anything else happens. A retry whose first try never finished gets that same operation id, which is
 * what the bank dedupes on (and, for a refund, its id): an answer lost on the way never becomes a
 * second capture or refund. The answer is stored under the key once the operation has one; a refusal
 * is not (a retry is decided again, as for creation).
 */
export class OperationIdempotency {
  constructor(private readonly store: Pick<PaymentStore, 'rememberOnce' | 'replaceRemembered'>) {}

  async begin<T>(request: IdempotencyRequest | undefined, newOperationId: () => string): Promise<Begun<T>> {
    if (!request) return { operationId: newOperationId() };
    const fresh: OperationRecord<T> = { fingerprint: request.fingerprint, operationId: newOperationId() };
    const kept = JSON.parse(await this.store.rememberOnce(NAMESPACE + request.key, JSON.stringify(fresh), KEY_TTL_SECONDS)) as OperationRecord<T>;
    if (kept.fingerprint !== request.fingerprint) throw new IdempotencyMismatchError();
    return kept.answer === undefined ? { operationId: kept.operationId } : { operationId: kept.operationId, replay: kept.answer };
  }

  /** Stores the operation's answer under the key, for every later retry. */
  async finish<T>(request: IdempotencyRequest | undefined, begun: Begun<T>, answer: T): Promise<void> {
    if (!request) return;
    const record: OperationRecord<T> = { fingerprint: request.fingerprint, operationId: begun.operationId, answer };
    await this.store.replaceRemembered(NAMESPACE + request.key, JSON.stringify(record));
  }
}
