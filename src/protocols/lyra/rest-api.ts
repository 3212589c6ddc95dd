import { timingSafeEqual } from 'node:crypto';

/**
 * The wire format of Lyra's REST API V4 (PayZen, Systempay, Lyra Collect: "API REST", docs.lyra.com
 * …/rest/V4.0/api/), as far as the back-office operations use it. Shared by the gateway's connector and
 * the sandbox bank, which plays the same API.
 */

/** Every service is `POST <base>/api-payment/V4/<Service>` with a JSON body. */
export const LYRA_REST_PATH_PREFIX = '/api-payment/V4/';

export const LYRA_REST_SERVICES = ['Transaction/Get', 'Transaction/Validate', 'Transaction/Update', 'Transaction/CancelOrRefund', 'Order/Get'] as const;
export type LyraRestService = (typeof LYRA_REST_SERVICES)[number];

/** `resolutionMode` of Transaction/CancelOrRefund: AUTO cancels what is not captured yet and refunds the rest. */
export type LyraResolutionMode = 'AUTO' | 'CANCELLATION_ONLY' | 'REFUND_ONLY';

/**
 * The metadata key a refund carries with the gateway's operation id: Order/Get lists the order's
 * transactions with their metadata, which is how a refund whose answer was lost is found again (the
 * REST API has no idempotency key).
 */
export const LYRA_OPERATION_METADATA_KEY = 'hppOperationId';

/** `detailedStatus` values the operations read (the form API's vads_trans_status uses the same words). */
export type LyraDetailedStatus = string;

/** One transaction as Transaction/Get, Transaction/Validate, Transaction/CancelOrRefund and Order/Get return it (`V4/Transaction`). */
export interface LyraRestTransaction {
  uuid: string;
  /** Minor units. */
  amount: number;
  /** ISO 4217 alphabetic. */
  currency: string;
  /** `DEBIT` for a payment, `CREDIT` for a refund. */
  operationType: 'DEBIT' | 'CREDIT';
  /** PAID, RUNNING, UNPAID, ABANDONED: the coarse status. */
  status: string;
  detailedStatus: LyraDetailedStatus;
  orderDetails?: { orderId?: string | null };
  metadata?: Record<string, string> | null;
  transactionDetails?: {
    /** The refunded transaction's uuid, on a refund. */
    parentTransactionUuid?: string | null;
    cardDetails?: { expectedCaptureDate?: string | null; manualValidation?: 'YES' | 'NO' | null; authorizationResponse?: { amount?: number | null } | null } | null;
  } | null;
  _type?: 'V4/PaymentTransaction';
}

/** `answer` of an ERROR response (webservice_usage.html, errors-reference.html). */
export interface LyraRestError {
  errorCode: string;
  errorMessage?: string | null;
  detailedErrorCode?: string | null;
  detailedErrorMessage?: string | null;
  _type?: 'V4/WebService/WebServiceError';
}

/** The envelope of every V4 response. */
export type LyraRestResponse<A = unknown> =
  | { webService: string; version: 'V4'; applicationVersion?: string; status: 'SUCCESS'; answer: A; ticket?: string | null; serverDateTime?: string; applicationProvider?: string; _type: 'V4/WebService/Response' }
  | { webService: string; version: 'V4'; applicationVersion?: string; status: 'ERROR'; answer: LyraRestError; ticket?: string | null; serverDateTime?: string; applicationProvider?: string; _type: 'V4/WebService/Response' };

/**
 * Error codes the operations meet (errors_psp.html, errors_int.html). New codes may appear at any time
 * (errors-reference.html): a code missing here is not read as a refusal.
 */
export const LYRA_ERROR = {
  /** Unauthorized action. */
  UNAUTHORIZED_ACTION: 'PSP_001',
  /** Transaction not found. */
  TRANSACTION_NOT_FOUND: 'PSP_010',
  /** Incorrect transaction status. */
  INCORRECT_STATUS: 'PSP_011',
  /** No change. */
  NO_CHANGE: 'PSP_014',
  /** Invalid amount. */
  INVALID_AMOUNT: 'PSP_020',
  /** Unknown currency. */
  UNKNOWN_CURRENCY: 'PSP_021',
  /** Refund is not allowed for this MID. */
  REFUND_NOT_ALLOWED: 'PSP_043',
  /** Cancellation impossible, please try a refund. */
  CANCEL_IMPOSSIBLE_TRY_REFUND: 'PSP_075',
  /** The refund operation is not yet available, please try to cancel. */
  REFUND_NOT_YET_AVAILABLE: 'PSP_076',
  /** Internal error: the request may or may not have been processed. */
  PSP_INTERNAL_ERROR: 'PSP_999',
  /** Authentication failed (Basic auth); the code is the sandbox's choice, no public page confirms it. */
  AUTHENTICATION_FAILED: 'INT_905',
  /** "web-service input data validation error": the request was not processed (webservice_usage.html). */
  INPUT_VALIDATION_ERROR: 'INT_902',
} as const;

/** `Authorization: Basic base64(shopId:password)` (kb/authentication.html). */
export function lyraBasicAuthorization(shopId: string, password: string): string {
  return `Basic ${Buffer.from(`${shopId}:${password}`, 'utf8').toString('base64')}`;
}

/** Whether an Authorization header is exactly the shop's Basic credentials; compared in constant time. */
export function lyraBasicAuthorizationMatches(header: string | undefined, shopId: string, password: string): boolean {
  const expected = Buffer.from(lyraBasicAuthorization(shopId, password), 'utf8');
  const given = Buffer.from(header ?? '', 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The shop id of a Basic Authorization header, or undefined; the password is not looked at here. */
export function lyraBasicShopId(header: string | undefined): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]{1,512})$/.exec(header ?? '');
  if (!match) return undefined;
  const text = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon > 0 ? text.slice(0, colon) : undefined;
}
