import axios from 'axios';
import type { SandboxBankLogger } from './logger.js';
import type { NotificationState } from './transaction-book.js';

/** Which transaction a notification is about; the fields logged with every try. */
/** One server-to-server message, as a protocol encodes it. */
export interface OutgoingNotification {
  url: string;
  contentType: string;
  body: string;
}

export interface NotificationTarget {
  bankTxnId: string;
  protocol: string;
  merchantId: string;
  ref: string;
}

/** Encodes one try: a fresh message each time (a new signature, a new id, where the protocol has them). */
export type EncodeNotification = () => Promise<OutgoingNotification>;

/** Reads the merchant's answer to one try. */
export type ReadAcknowledgement = (status: number, body: string) => TryResult;

/** How one try ended: acknowledged, refused for good (never retried), or to be tried again. */
export type TryResult = 'delivered' | 'rejected' | 'retry';

export interface NotificationDeliveryOptions {
  /** Wait before each retry (see retry-schedule.ts); when they run out the bank gives up. */
  retryDelaysMs: readonly number[];
  logger: SandboxBankLogger;
  /** Told after every try, so the transaction shows where its notification stands. */
  onProgress(bankTxnId: string, state: NotificationState, attempts: number): void;
  timeoutMs?: number;
}

/** The default reading of an acknowledgement: the HTTP status alone. */
export function classifyByStatus(status: number): TryResult {
  if (status >= 200 && status < 300) return 'delivered';
  // 400 is the merchant saying the message can never be accepted (signature, audience, mismatch).
  if (status === 400) return 'rejected';
  return 'retry';
}

/** The merchant's short explanation in a 400 `{"status":"rejected","reason":…}`, for the operator's log. */
function rejectionReason(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'reason' in parsed && typeof parsed.reason === 'string') return parsed.reason.slice(0, 200);
  } catch {
    // Not JSON: protocols other than the native one answer with plain text or nothing.
  }
  return undefined;
}

interface Job {
  target: NotificationTarget;
  encode: EncodeNotification;
  read: ReadAcknowledgement;
}

/**
 * Server-to-server notifications with retries. The first try is awaited by the caller (the buyer is
 * sent back only after it); retries run in the background on timers that close() cancels. Every try
 * encodes a fresh message, so a retry is a new message about the same transaction.
 */
export class NotificationDelivery {
  private readonly options: NotificationDeliveryOptions;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<TryResult>>();
  private closed = false;

  constructor(options: NotificationDeliveryOptions) {
    this.options = options;
  }

  /** Sends the first try and resolves with its result once it is answered (or timed out). */
  start(target: NotificationTarget, encode: EncodeNotification, read: ReadAcknowledgement = classifyByStatus): Promise<TryResult> {
    return this.track(this.tryAndFollowUp({ target, encode, read }, 1));
  }

  /** Cancels every scheduled retry and waits for tries already on the wire. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(run: Promise<TryResult>): Promise<TryResult> {
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  private async tryAndFollowUp(job: Job, attempt: number): Promise<TryResult> {
    const { target } = job;
    const result = await this.tryOnce(job, attempt);
    if (result !== 'retry') {
      this.options.onProgress(target.bankTxnId, result, attempt);
      return result;
    }
    const delay = this.options.retryDelaysMs[attempt - 1];
    if (delay === undefined) {
      this.options.onProgress(target.bankTxnId, 'abandoned', attempt);
      this.options.logger.error(
        { bankTxnId: target.bankTxnId, merchantId: target.merchantId, ref: target.ref, attempts: attempt },
        'notification abandoned: the merchant never acknowledged it',
      );
      return result;
    }
    this.options.onProgress(target.bankTxnId, 'pending', attempt);
    if (!this.closed) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.track(this.tryAndFollowUp(job, attempt + 1));
      }, delay);
      // Pending retries alone must not keep a process alive that is otherwise done.
      timer.unref();
      this.timers.add(timer);
    }
    return result;
  }

  private async tryOnce({ target, encode, read }: Job, attempt: number): Promise<TryResult> {
    const logged = { bankTxnId: target.bankTxnId, protocol: target.protocol, merchantId: target.merchantId, ref: target.ref, attempt };
    try {
      const message = await encode();
      const response = await axios.post<string>(message.url, message.body, {
        headers: { 'Content-Type': message.contentType },
        timeout: this.options.timeoutMs ?? 5000,
        maxRedirects: 0,
        responseType: 'text',
        // The body as the merchant sent it: no JSON guessing.
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
      });
      const result = read(response.status, typeof response.data === 'string' ? response.data : '');
      if (result === 'delivered') this.options.logger.info({ ...logged, httpStatus: response.status }, 'notification acknowledged');
      else if (result === 'rejected') {
        this.options.logger.error(
          { ...logged, httpStatus: response.status, merchantReason: rejectionReason(typeof response.data === 'string' ? response.data : '') },
          'notification rejected by the merchant: not retried, check the merchant configuration',
        );
      } else this.options.logger.warn({ ...logged, httpStatus: response.status }, 'notification not acknowledged: will retry');
      return result;
    } catch (err) {
      // Only the error's code: an axios error carries the request, and the request carries the signed message.
      const code = (err as { code?: unknown }).code;
      this.options.logger.warn({ ...logged, error: typeof code === 'string' ? code : 'request_failed' }, 'notification failed: will retry');
      return 'retry';
    }
  }
}
