import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Worldline Sips 2.0 Office, JSON flavour (the server-to-server API of cash management and
 * diagnostic): names, codes and the seal, shared by the gateway's Sips operations and the sandbox
 * bank's Sips back office. docs/connectors.md describes the exchange and the sources.
 */

/** The Office JSON endpoints, relative to the base URL (`…/rs-services/v2/`). */
export const OFFICE_PATHS = {
  validate: 'cashManagement/validate',
  cancel: 'cashManagement/cancel',
  refund: 'cashManagement/refund',
  getTransactionData: 'diagnostic/getTransactionData',
} as const;

export type OfficeFunction = keyof typeof OFFICE_PATHS;

/** The interface versions sent: cash management (CR_WS_) and diagnostic (DR_WS_). */
export const CASH_MANAGEMENT_INTERFACE_VERSION = 'CR_WS_2.55';
export const DIAGNOSTIC_INTERFACE_VERSION = 'DR_WS_2.27';
export const CASH_MANAGEMENT_INTERFACE_PATTERN = /^CR_WS_2\.\d{1,2}$/;
export const DIAGNOSTIC_INTERFACE_PATTERN = /^DR_WS_2\.\d{1,2}$/;

/** Worldline's Office servers: production, and the test platform used in development by default. */
export const OFFICE_PRODUCTION_URL = 'https://office-server.sips-services.com/rs-services/v2/';
export const OFFICE_TEST_URL = 'https://office-server.test.sips-services.com/rs-services/v2/';

/** Paypage request fields that keep an authorisation for a later validation (manual capture). */
export const CAPTURE_MODE_VALIDATION = 'VALIDATION';
export const CAPTURE_MODE_AUTHOR_CAPTURE = 'AUTHOR_CAPTURE';
/** `captureDay`: N2, the days before the capture (VALIDATION: the days the merchant has to validate). */
export const CAPTURE_DAY_PATTERN = /^\d{1,2}$/;

/** `operationOrigin` of the gateway's calls: informative, shown in Sips Office Extranet. */
export const OPERATION_ORIGIN = 'HPP-GATEWAY';

/** `responseCode` values of Office answers that the gateway acts on. */
export const OFFICE_RESPONSE_CODES = {
  success: '00',
  /** Operation not allowed in the transaction's state (the answer's newStatus says which). */
  wrongState: '24',
  unknownTransaction: '25',
  formatError: '30',
  /** Security problem: the seal did not match, or a check of the request failed. */
  securityError: '34',
  notSupported: '40',
  /** The amount is over what the transaction allows. */
  amountTooHigh: '51',
  temporarilyUnavailable: '90',
  duplicate: '94',
  serverProblem: '99',
} as const;

/**
 * Codes after which the operation may or may not have happened: asked again later, never taken as a
 * refusal. 90 and 99 are Worldline's "retry later"; 91, 97 and 98 (issuer unreachable, time-out,
 * server unavailable) are treated alike by integrators.
 */
export const OFFICE_RETRY_LATER_CODES: readonly string[] = ['90', '91', '97', '98', '99'];

/** `transactionStatus` / `newStatus` values the gateway reads. */
export type OfficeTransactionStatus =
  | 'TO_VALIDATE'
  | 'TO_CAPTURE'
  | 'CAPTURED'
  | 'CANCELLED'
  | 'CREDITED'
  | 'REFUSED'
  | 'EXPIRED'
  | 'TO_AUTHORIZE'
  | 'TO_CHALLENGE'
  | 'ABORTED';

/** A flat Office document: every value a string or an integer. */
export type OfficeDocument = Readonly<Record<string, string | number>>;

/** Fields left out of the seal: they say how it is computed, not what is sealed. */
const UNSEALED = new Set(['keyVersion', 'sealAlgorithm', 'seal']);

/**
 * What the seal covers: the values of every other field, sorted by field name, concatenated. Office
 * documents of the functions used here are flat; a nested value would need the recursive rule of the
 * full specification, so it is refused rather than sealed wrongly.
 */
export function officeSealInput(document: OfficeDocument): string {
  return Object.keys(document)
    .filter((name) => !UNSEALED.has(name))
    .sort()
    .map((name) => {
      const value = document[name];
      if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`Office field ${name} must be a string or a number`);
      return String(value);
    })
    .join('');
}

/** HMAC-SHA-256 of the seal input with the secret key, lowercase hex. */
export function computeOfficeSeal(document: OfficeDocument, secretKey: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(officeSealInput(document), 'utf8').digest('hex');
}

const SEAL = /^[0-9a-fA-F]{64}$/;

/** The document's `seal` matches its fields, compared in constant time; anything malformed never matches. */
export function officeSealMatches(document: Readonly<Record<string, unknown>>, secretKey: string): boolean {
  const given = document.seal;
  if (typeof given !== 'string' || !SEAL.test(given)) return false;
  let expected: Buffer;
  try {
    expected = Buffer.from(computeOfficeSeal(document as OfficeDocument, secretKey), 'hex');
  } catch {
    return false;
  }
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}

/** The document with its seal, sealed with the key of `keyVersion`. */
export function sealOfficeDocument(document: OfficeDocument, secretKey: string): OfficeDocument {
  return { ...document, seal: computeOfficeSeal(document, secretKey) };
}
