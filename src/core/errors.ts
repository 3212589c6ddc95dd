/**
 * Every failure the gateway can explain to a caller is a GatewayError with a stable `code`. Each code has
 * one HTTP status, one problem title and, for passing troubles, one Retry-After, all in the table below
 * (as jose and node-oidc-provider fix them beside their codes): nothing that throws chooses a status.
 * The HTTP layer turns them into RFC 9457 problem documents in one place (src/http/problem.ts).
 */
export const ERRORS = {
  validation_failed: { status: 400, title: 'Invalid request' },
  malformed_body: { status: 400, title: 'Malformed request body' },
  card_data_refused: { status: 400, title: 'Card data refused' },
  invalid_bank_message: { status: 400, title: 'Invalid bank message' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  csrf_failed: { status: 403, title: 'Form expired' },
  /** Signed in, but the console role does not grant this action. */
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  reference_conflict: { status: 409, title: 'Reference already in use' },
  illegal_transition: { status: 409, title: 'Not allowed in the current status' },
  /**
   * Money after the payment. 409 when the payment's state forbids the operation whatever the request
   * says (illegal_transition above, or the capture window closed); 422 when the request itself asks
   * for what this payment cannot give: more than is capturable or refundable, another currency, or an
   * operation its connector does not offer. A retry of the same request fails the same way in both.
   */
  capture_window_closed: { status: 409, title: 'Capture window closed' },
  amount_not_capturable: { status: 422, title: 'Amount not capturable' },
  amount_not_refundable: { status: 422, title: 'Amount not refundable' },
  currency_mismatch: { status: 422, title: 'Currency mismatch' },
  operation_not_supported: { status: 422, title: 'Operation not supported by this connector' },
  /**
   * The bank declined a capture or void we found allowed by our own records (it released the
   * authorisation early, the issuer said no). 402, as Stripe answers a valid request the bank
   * declined: the request is well formed (not 400), the payment's state allowed it (not 409), and
   * nothing in it asks what this payment cannot give by our records (422 keeps that meaning). A
   * refund the bank declines is not an error: the refund ends failed, with the bank's reason.
   */
  bank_refused: { status: 402, title: 'Refused by the bank' },
  body_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_mismatch: { status: 422, title: 'Idempotency key reused with another body' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  /** The bank answered, but with something we cannot use (an API error, a session without a URL). */
  bank_error: { status: 502, title: 'Bank error' },
  /** The bank cannot be reached now (keys, API), or has no identifier left for today: retry later. */
  bank_unavailable: { status: 503, title: 'Bank unavailable', retryAfterSeconds: 5 },
  store_unavailable: { status: 503, title: 'Store unavailable', retryAfterSeconds: 2 },
  /** Writers kept racing on one payment; a retry finds it settled. */
  payment_busy: { status: 503, title: 'Payment busy', retryAfterSeconds: 1 },
} as const satisfies Record<string, ErrorEntry>;

interface ErrorEntry {
  readonly status: number;
  readonly title: string;
  readonly retryAfterSeconds?: number;
}

export type ErrorCode = keyof typeof ERRORS;

/** The table read back under its entry type, so optional members can be looked up on any code. */
const ENTRIES: Readonly<Record<ErrorCode, ErrorEntry>> = ERRORS;

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `customer.email`. */
  field: string;
  message: string;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra members of the problem document (never secrets). */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = ENTRIES[code].status;
    this.extra = extra;
  }

  get title(): string {
    return ENTRIES[this.code].title;
  }

  /** Seconds a caller should wait before trying again (the Retry-After header), for passing troubles only. */
  get retryAfterSeconds(): number | undefined {
    return ENTRIES[this.code].retryAfterSeconds;
  }

  /** 4xx messages are written for the caller; 5xx details stay in the log. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export class ValidationError extends GatewayError {
  readonly errors: FieldError[];
  constructor(errors: FieldError[], message = 'The request has invalid fields.') {
    super('validation_failed', message, { errors });
    this.errors = errors;
  }
}

export class UnauthorizedError extends GatewayError {
  constructor(message = 'A valid API key is required in the Authorization header (Bearer).') {
    super('unauthorized', message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message = 'No such resource.') {
    super('not_found', message);
  }
}

export class ReferenceConflictError extends GatewayError {
  constructor(reference: string, existingPaymentId: string, existingStatus: string) {
    super('reference_conflict', `The reference "${reference}" already has a payment that is ${existingStatus}.`, {
      existingPaymentId,
      existingStatus,
    });
  }
}

export class IdempotencyMismatchError extends GatewayError {
  constructor() {
    super('idempotency_mismatch', 'This Idempotency-Key was already used with a different request body.');
  }
}

/**
 * A command that the payment's current status does not allow (e.g. cancelling a succeeded payment).
 * The payment's status is `paymentStatus`: a problem document's `status` is the HTTP status.
 */
export class IllegalTransitionError extends GatewayError {
  constructor(from: string, command: string) {
    super('illegal_transition', `A payment that is ${from} cannot accept "${command}".`, { paymentStatus: from });
  }
}

/** A capture of more than the payment still has capturable (what was authorised, less what was captured or released). */
export class AmountNotCapturableError extends GatewayError {
  constructor(requested: number, capturable: number) {
    super('amount_not_capturable', `At most ${capturable} (minor units) can be captured from this payment; ${requested} was asked.`, {
      requested,
      capturable,
    });
  }
}

/** A refund of more than was captured, less what other refunds hold (pending or succeeded). */
export class AmountNotRefundableError extends GatewayError {
  constructor(requested: number, refundable: number) {
    super('amount_not_refundable', `At most ${refundable} (minor units) can be refunded from this payment; ${requested} was asked.`, {
      requested,
      refundable,
    });
  }
}

/** A capture at or after the payment's captureBefore: the bank has released the reservation. */
export class CaptureWindowClosedError extends GatewayError {
  constructor(captureBefore: string) {
    super('capture_window_closed', `This authorisation could be captured until ${captureBefore}; the bank has released it.`, { captureBefore });
  }
}

/** An operation asked in another currency than the payment's. */
export class CurrencyMismatchError extends GatewayError {
  constructor(requested: string, paymentCurrency: string) {
    super('currency_mismatch', `This payment is in ${paymentCurrency}; ${requested} was asked.`, { requested, currency: paymentCurrency });
  }
}

/** The payment's connector (its bank) does not offer this operation; the message names both. */
export class OperationNotSupportedError extends GatewayError {
  constructor(operation: string, connector: string) {
    super('operation_not_supported', `The connector "${connector}" does not support ${operation}.`, { operation, connector });
  }
}

/** The bank declined an operation; `reason` is the bank's own word for it, kept for support. */
export class BankRefusedError extends GatewayError {
  constructor(operation: string, connector: string, reason: string) {
    super('bank_refused', `The bank of the connector "${connector}" refused the ${operation}: ${reason}.`, { operation, connector, reason });
  }
}

/**
 * A bank message that failed verification or does not match what we asked for.
 * `reason` is a short machine word for logs and anomaly events; the message never echoes the token.
 */
export class InvalidBankMessageError extends GatewayError {
  readonly reason: string;
  constructor(reason: string, message = 'The bank message could not be verified.') {
    super('invalid_bank_message', message, { reason });
    this.reason = reason;
  }
}

/**
 * A verified bank message that does not match the payment it names (amount, currency …): refused
 * with the anomaly's word, and tied to that payment, since its signature proved where it came from.
 */
export class MismatchedBankMessageError extends InvalidBankMessageError {
  constructor(reason: string, readonly paymentId: string) {
    super(reason);
  }
}

/** A bank message whose single-use id was seen before: refused, never applied again. */
export class ReplayedBankMessageError extends InvalidBankMessageError {
  constructor(readonly paymentId: string) {
    super('replay');
  }
}

/** The bank's keys or API cannot be reached now: retryable, never a reason to accept unverified data. */
export class BankUnavailableError extends GatewayError {
  constructor(message = 'The bank cannot be reached right now; please retry.') {
    super('bank_unavailable', message);
  }
}

/**
 * The payment store (or the sessions and counters beside it) cannot be reached or cannot answer now:
 * retryable. Nothing was written, since every store write is one atomic step that either happened or
 * failed as a whole (src/core/store-failure.ts tells these errors apart from the rest).
 */
export class StoreUnavailableError extends GatewayError {
  constructor(message = 'The payment store is unavailable for a moment; please retry.') {
    super('store_unavailable', message);
  }
}

export class CsrfError extends GatewayError {
  constructor() {
    super('csrf_failed', 'This form has expired. Please go back and try again.');
  }
}

/** A console user whose role does not grant the action asked for. */
export class ForbiddenError extends GatewayError {
  constructor(message = 'Your role does not allow this action.') {
    super('forbidden', message);
  }
}
