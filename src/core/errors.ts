/**
 * Every failure the gateway can explain to a caller is a GatewayError with a stable `code`.
 * The HTTP layer maps them to RFC 9457 problem documents in one place (src/http/problem.ts);
 * nothing else decides status codes.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'reference_conflict'
  | 'idempotency_mismatch'
  | 'illegal_transition'
  | 'payment_final'
  | 'invalid_bank_message'
  | 'bank_unavailable'
  | 'store_unavailable'
  | 'malformed_body'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'csrf_failed'
  | 'card_data_refused'
  | 'rate_limited'
  | 'internal';

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

  constructor(code: ErrorCode, status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.extra = extra;
  }

  /** Seconds a caller should wait before trying again (the Retry-After header), for passing troubles only. */
  get retryAfterSeconds(): number | undefined {
    return undefined;
  }

  /** 4xx messages are written for the caller; 5xx details stay in the log. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export class ValidationError extends GatewayError {
  readonly errors: FieldError[];
  constructor(errors: FieldError[], message = 'The request has invalid fields.') {
    super('validation_failed', 400, message, { errors });
    this.errors = errors;
  }
}

export class UnauthorizedError extends GatewayError {
  constructor(message = 'A valid API key is required in the Authorization header (Bearer).') {
    super('unauthorized', 401, message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message = 'No such resource.') {
    super('not_found', 404, message);
  }
}

export class ReferenceConflictError extends GatewayError {
  constructor(reference: string, existingPaymentId: string, existingStatus: string) {
    super('reference_conflict', 409, `The reference "${reference}" already has a payment that is ${existingStatus}.`, {
      existingPaymentId,
      existingStatus,
    });
  }
}

export class IdempotencyMismatchError extends GatewayError {
  constructor() {
    super('idempotency_mismatch', 422, 'This Idempotency-Key was already used with a different request body.');
  }
}

/**
 * A command that the payment's current status does not allow (e.g. cancelling a succeeded payment).
 * The payment's status is `paymentStatus`: a problem document's `status` is the HTTP status.
 */
export class IllegalTransitionError extends GatewayError {
  constructor(from: string, command: string) {
    super('illegal_transition', 409, `A payment that is ${from} cannot accept "${command}".`, { paymentStatus: from });
  }
}

/**
 * A bank message that failed verification or does not match what we asked for.
 * `reason` is a short machine word for logs and anomaly events; the message never echoes the token.
 */
export class InvalidBankMessageError extends GatewayError {
  readonly reason: string;
  constructor(reason: string, message = 'The bank message could not be verified.') {
    super('invalid_bank_message', 400, message, { reason });
    this.reason = reason;
  }
}

/** The bank's keys or API cannot be reached now: retryable, never a reason to accept unverified data. */
export class BankUnavailableError extends GatewayError {
  constructor(message = 'The bank cannot be reached right now; please retry.') {
    super('bank_unavailable', 503, message);
  }

  override get retryAfterSeconds(): number {
    return 5;
  }
}

/**
 * The payment store (or the sessions and counters beside it) cannot be reached or cannot answer now:
 * retryable. Nothing was written, since every store write is one atomic step that either happened or
 * failed as a whole (src/store/store-failure.ts tells these errors apart from the rest).
 */
export class StoreUnavailableError extends GatewayError {
  constructor(message = 'The payment store is unavailable for a moment; please retry.') {
    super('store_unavailable', 503, message);
  }

  override get retryAfterSeconds(): number {
    return 2;
  }
}

export class CsrfError extends GatewayError {
  constructor() {
    super('csrf_failed', 403, 'This form has expired. Please go back and try again.');
  }
}
