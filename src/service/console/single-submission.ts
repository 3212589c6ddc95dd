import { randomBytes } from '../../core/random-bytes.js';
import { IdempotencyMismatchError } from '../../core/errors.js';
import type { PaymentStore } from '../../store/payment-store.js';

/** What is kept under a form's key: what the form asked, who took it first, and its answer once done. */
interface SubmissionRecord<T> {
  fingerprint: string;
  holder: string;
  answer?: T;
}

export type Submitted<T> = { replayed: false; answer: T } | { replayed: true; answer: T | undefined };

// Long enough for any double click, reload or back-and-resend of one confirmation page.
const KEY_TTL_SECONDS = 24 * 3600;
const NAMESPACE = 'console-once:';

/**
 * A console form that must act once however often it is sent (a double click, a resend of the
 * confirmation page) and that has no Idempotency-Key machinery of its own, like a redelivery. The
 * first submission under a key takes it, atomically and before acting, so a second one arriving while
 * the first is still at work does nothing either (unlike OperationIdempotency, which lets a retry
 * carry on with the same operation id for the bank to dedupe). The same key with another request is
 * refused (422), as for the API. A submission that fails after taking its key is not done again under
 * that key: the confirmation page gives a fresh one.
 */
export class SingleSubmission {
  constructor(private readonly store: Pick<PaymentStore, 'rememberOnce' | 'replaceRemembered'>) {}

  async once<T>(key: string, fingerprint: string, act: () => Promise<T>): Promise<Submitted<T>> {
    const fresh: SubmissionRecord<T> = { fingerprint, holder: randomBytes(12).toString('base64url') };
    const kept = JSON.parse(await this.store.rememberOnce(NAMESPACE + key, JSON.stringify(fresh), KEY_TTL_SECONDS)) as SubmissionRecord<T>;
    if (kept.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
    if (kept.holder !== fresh.holder) return { replayed: true, answer: kept.answer };
    const answer = await act();
    await this.store.replaceRemembered(NAMESPACE + key, JSON.stringify({ ...fresh, answer }));
    return { replayed: false, answer };
  }
}
