/**
 * The native protocol's operations API (docs/protocol.md, section 11): capture, cancel, refund and
 * status, server to server, each request and each answer a signed JWT. Shapes and constants shared by
 * the gateway's connector and the sandbox bank; the document is normative, keep the two in step.
 */
import type { CaptureMode, ResponseStatus, ResponseTransaction } from './native.js';

/** JOSE `typ` of an operation request (merchant → bank). */
export const OPERATION_TYP = 'hpp-op+jwt';
/** JOSE `typ` of the bank's signed answer to one. */
export const OPERATION_RESULT_TYP = 'hpp-opres+jwt';

/** The request body and the signed answer are the bare compact JWS (RFC 7519, section 10.3.1). */
export const OPERATION_CONTENT_TYPE = 'application/jwt';
/** Answers that could not be signed (the request itself was not accepted) are plain JSON. */
export const OPERATION_REFUSAL_CONTENT_TYPE = 'application/json';

/** An operation token is well under 2 KB; a bank refuses a body over this without parsing it. */
export const MAX_OPERATION_TOKEN_LENGTH = 16_384;
/** Every answer is valid this long from its own `iat`. */
export const OPERATION_RESULT_LIFETIME_SECONDS = 300;

export const OPERATION_TYPES = ['capture', 'cancel', 'refund', 'status'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];
/** The operations that change money and carry an `op_id` of their own. */
export type WriteOperationType = Exclude<OperationType, 'status'>;

/** `op_id`: chosen by the merchant, unique per merchant, names one request body forever. */
export const OP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** `bank_txn_id` and `bank_op_id`, as in section 6.1. */
export const BANK_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
/** A refund's reason is the merchant's own text, kept by the bank and shown in its back office. */
export const MAX_REFUND_REASON_LENGTH = 255;

export interface CaptureOperation {
  type: 'capture';
  op_id: string;
  bank_txn_id: string;
  /** Minor units, ≥ 1, at most what is still capturable. */
  amount: number;
  currency: string;
}

export interface CancelOperation {
  type: 'cancel';
  op_id: string;
  bank_txn_id: string;
}

export interface RefundOperation {
  type: 'refund';
  op_id: string;
  bank_txn_id: string;
  amount: number;
  currency: string;
  reason?: string;
}

/**
 * Asks for a transaction's state, by the bank's id or by the merchant's `txn.ref` (exactly one), and,
 * with `op_id`, for the outcome of an earlier operation on it. It changes nothing and has no op_id of
 * its own.
 */
export interface StatusOperation {
  type: 'status';
  bank_txn_id?: string;
  ref?: string;
  op_id?: string;
}

export type OperationRequest = CaptureOperation | CancelOperation | RefundOperation | StatusOperation;

export interface OperationRequestClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  op: OperationRequest;
}

/**
 * `succeeded`: done. `pending`: accepted, its outcome comes later (an asynchronous refund; ask with
 * status and op_id). `failed`: accepted but could not be completed (`failure_reason` says why); its
 * amount is released. `refused`: not done, `error` says why; final for that op_id.
 */
export type OperationStatus = 'succeeded' | 'pending' | 'failed' | 'refused';

/** The bank's refusals of a verified operation request, answered signed (section 11.7). */
export const OPERATION_ERROR_CODES = [
  'unknown_transaction',
  'unknown_operation',
  'amount_exceeds_capturable',
  'amount_exceeds_refundable',
  'currency_mismatch',
  'capture_window_closed',
  'invalid_state',
  'operation_not_supported',
  'operation_declined',
  'duplicate_op_id_mismatch',
] as const;
export type OperationErrorCode = (typeof OPERATION_ERROR_CODES)[number];

/** The HTTP status that goes with each signed refusal. */
export function httpStatusOfOperationError(code: OperationErrorCode): number {
  switch (code) {
    case 'unknown_transaction':
    case 'unknown_operation':
      return 404;
    case 'capture_window_closed':
    case 'invalid_state':
    case 'duplicate_op_id_mismatch':
      return 409;
    case 'amount_exceeds_capturable':
    case 'amount_exceeds_refundable':
    case 'currency_mismatch':
    case 'operation_not_supported':
    case 'operation_declined':
      return 422;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/**
 * Why a bank did not accept an operation request at all (section 11.4). These are answered as
 * unsigned JSON `{"error": code}`: nothing was done, and they prove nothing else.
 */
export const OPERATION_REQUEST_REFUSAL_CODES = [
  'unsupported_media_type',
  'request_too_large',
  'malformed_request',
  'unknown_merchant',
  'algorithm_not_allowed',
  'bad_signature',
  'wrong_type',
  'wrong_audience',
  'expired',
  'issued_in_future',
  'lifetime_too_long',
  'invalid_claims',
  'replayed',
  'merchant_keys_unavailable',
] as const;
export type OperationRequestRefusalCode = (typeof OPERATION_REQUEST_REFUSAL_CODES)[number];

export function httpStatusOfOperationRequestRefusal(code: OperationRequestRefusalCode): number {
  switch (code) {
    case 'unsupported_media_type':
      return 415;
    case 'request_too_large':
      return 413;
    case 'replayed':
      return 409;
    case 'merchant_keys_unavailable':
      return 503;
    case 'malformed_request':
    case 'unknown_merchant':
    case 'algorithm_not_allowed':
    case 'bad_signature':
    case 'wrong_type':
    case 'wrong_audience':
    case 'expired':
    case 'issued_in_future':
    case 'lifetime_too_long':
    case 'invalid_claims':
      return 400;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** The body of an unsigned refusal; `field` names the claim for `invalid_claims`, never a value. */
export interface OperationRequestRefusalBody {
  error: OperationRequestRefusalCode;
  field?: string;
}

/** `pending`: no verdict yet (the buyer is still at the card page, or never came). */
export type TransactionStatus = 'pending' | ResponseStatus;

/**
 * Where the authorisation of an `authorised` transaction stands. `awaiting_capture` (manual, before
 * `capture_before`), `captured` (automatic at authorisation, or by the one capture; any rest was
 * released), `voided` (cancelled), `lapsed` (`capture_before` passed without a capture).
 */
export type CaptureStatus = 'awaiting_capture' | 'captured' | 'voided' | 'lapsed';

/** The transaction as an answer describes it: the facts of section 6.1 and its money now. */
export interface OperationResultTransaction extends Omit<ResponseTransaction, 'status' | 'capture'> {
  status: TransactionStatus;
  capture: CaptureMode;
  /** When `status` is `authorised`. */
  capture_status?: CaptureStatus;
  amount_captured: number;
  /** Refunds that succeeded. */
  amount_refunded: number;
  /** Refunds accepted and not yet settled: already out of what is refundable. */
  amount_refund_pending: number;
}

export interface OperationResultOperation {
  op_id: string;
  type: WriteOperationType;
  status: OperationStatus;
  /** Capture and refund: as requested. */
  amount?: number;
  currency?: string;
  /** The bank's id of an operation it accepted (not of a refused one). */
  bank_op_id?: string;
  /** `refused` only: why. */
  error?: OperationErrorCode;
  /** `failed` only: a lower-case word, e.g. `refund_failed`. */
  failure_reason?: string;
  /** NumericDate the bank first received the operation. */
  created_at: number;
}

export interface OperationResultClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  /** The `jti` of the request this answers: an answer to another request cannot be passed off as this one's. */
  in_reply_to: string;
  /** Set on every refusal (HTTP 4xx): the code of section 11.7. */
  error?: OperationErrorCode;
  /** The operation asked for (a write, or the one a status names). */
  op?: OperationResultOperation;
  /** The transaction now; absent when it is unknown. */
  txn?: OperationResultTransaction;
}
