import { createHash, randomBytes } from 'node:crypto';
import { findCurrency, assertNever } from '../../src/index.js';
import type { BankContext, DecidedBankTransaction, ReturnForm } from './sandbox-protocol.js';
import type { CardBrand } from '../cards.js';
import { lyraAuthenticationFields } from './lyra-authentication.js';
import { lyraAlgorithmOf, lyraKeyFor, type LyraCtxMode } from './lyra-credentials.js';
import { SIGNATURE_FIELD, computeSignature } from '../../src/protocols/lyra/signature.js';

/** How the buyer's browser brings the result back (`vads_return_mode`); NONE when the request names none. */
export type LyraReturnMode = 'NONE' | 'GET' | 'POST';

/** What the bank remembers of a Lyra request to answer in kind (kept as the transaction's protocolData). */
export interface LyraRequestMemory {
  siteId: string;
  ctxMode: LyraCtxMode;
  transId: string;
  transDate: string;
  returnMode: LyraReturnMode;
  actionMode: string;
  pageAction: string;
  paymentConfig: string;
  /** Tells a resubmitted form (same fields) from another form that reuses its vads_trans_id. */
  requestDigest: string;
  orderId?: string;
  /** vads_order_info, vads_order_info2, vads_order_info3: returned as sent, in the result and over REST. */
  orderInfo?: string;
  orderInfo2?: string;
  orderInfo3?: string;
  language?: string;
  urlSuccess?: string;
  urlRefused?: string;
  urlCancel?: string;
  urlError?: string;
  /** vads_capture_delay as the request gave it. */
  captureDelay?: string;
}

const OPTIONAL_MEMORY = ['orderId', 'orderInfo', 'orderInfo2', 'orderInfo3', 'language', 'urlSuccess', 'urlRefused', 'urlCancel', 'urlError', 'captureDelay'] as const;

/** The order information fields of a request, echoed as sent, and the memory each is kept under. */
export const ORDER_INFO_FIELDS = [
  ['vads_order_info', 'orderInfo'],
  ['vads_order_info2', 'orderInfo2'],
  ['vads_order_info3', 'orderInfo3'],
] as const;

/** A transaction's order information as the REST API V4 returns it: `metadata.orderInfo` and so on. */
export function lyraOrderMetadataOf(data: Readonly<Record<string, string>>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [, key] of ORDER_INFO_FIELDS) if (data[key] !== undefined) metadata[key] = data[key];
  return metadata;
}

export function rememberLyraRequest(memory: LyraRequestMemory): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(memory)) if (typeof value === 'string') out[name] = value;
  return out;
}

function recall(data: Readonly<Record<string, string>>): LyraRequestMemory {
  const { siteId, ctxMode, transId, transDate, returnMode, actionMode, pageAction, paymentConfig, requestDigest } = data;
  if (
    !siteId ||
    !transId ||
    !transDate ||
    !actionMode ||
    !pageAction ||
    !paymentConfig ||
    !requestDigest ||
    (ctxMode !== 'TEST' && ctxMode !== 'PRODUCTION') ||
    (returnMode !== 'NONE' && returnMode !== 'GET' && returnMode !== 'POST')
  ) {
    throw new Error('not a Lyra transaction');
  }
  const memory: LyraRequestMemory = { siteId, ctxMode, transId, transDate, returnMode, actionMode, pageAction, paymentConfig, requestDigest };
  for (const name of OPTIONAL_MEMORY) if (data[name] !== undefined) memory[name] = data[name];
  return memory;
}


/** `vads_card_brand` and the length of a masked number of that brand. */
const BRANDS: Record<CardBrand, { name: string; length: number }> = {
  visa: { name: 'VISA', length: 16 },
  mastercard: { name: 'MASTERCARD', length: 16 },
  amex: { name: 'AMEX', length: 15 },
  diners: { name: 'DINERS', length: 14 },
};

/** `vads_trans_status`, `vads_result` and `vads_auth_result` for the sandbox's verdicts. */
function resultCodes(transaction: DecidedBankTransaction): { transStatus: string; result: string; authResult?: string } {
  switch (transaction.status) {
    case 'authorised':
      // Manual validation (vads_validation_mode=1): authorised, waiting for Transaction/Validate.
      return { transStatus: transaction.captureMode === 'manual' ? 'AUTHORISED_TO_VALIDATE' : 'AUTHORISED', result: '00', authResult: '00' };
    case 'refused':
      // A failed 3-D Secure authentication is refused before any authorisation request: no vads_auth_result.
      if (transaction.authentication && transaction.authentication.transStatus === 'N') return { transStatus: 'REFUSED', result: '05' };
      return { transStatus: 'REFUSED', result: '05', authResult: transaction.reason === 'insufficient_funds' ? '51' : '05' };
    case 'cancelled':
      // The buyer left the payment page: no transaction at the acquirer, result 17.
      return { transStatus: 'ABANDONED', result: '17' };
    case 'error':
      // A technical error: the payment is refused with result 96.
      return { transStatus: 'REFUSED', result: '96' };
    default:
      return assertNever(transaction.status);
  }
}

/**
 * Lyra's `vads_trans_uuid` (32 hex digits), the same in every message about one transaction. Derived
 * from the bank's id rather than equal to it: that id opens the card page, the merchant has no use for it.
 */
export function transUuid(bankTxnId: string): string {
  return createHash('sha256').update(`lyra vads_trans_uuid\n${bankTxnId}`, 'utf8').digest('hex').slice(0, 32);
}

/**
 * The signed result fields for a decided transaction: the IPN adds `vads_url_check_src` and
 * `vads_hash`, which the browser return never carries. Signed with the key of the request's context
 * and the merchant's algorithm. The sandbox keeps only brand and last four digits, so the masked card
 * number shows only those.
 */
export function signedLyraResult(ctx: BankContext, transaction: DecidedBankTransaction, purpose: 'ipn' | 'return'): Record<string, string> {
  const memory = recall(transaction.protocolData);
  const credentials = ctx.merchants.get(transaction.merchantId)?.registration.lyra;
  const key = credentials ? lyraKeyFor(credentials, memory.ctxMode) : undefined;
  if (!credentials || key === undefined) throw new Error(`merchant ${transaction.merchantId} no longer has a Lyra ${memory.ctxMode} key`);
  const currency = findCurrency(transaction.currency);
  if (!currency) throw new Error(`no numeric code for ${transaction.currency}`);
  const codes = resultCodes(transaction);
  const card = transaction.card ? BRANDS[transaction.card.brand] : undefined;

  const fields: Record<string, string> = {
    vads_action_mode: memory.actionMode,
    vads_amount: String(transaction.amount),
    vads_ctx_mode: memory.ctxMode,
    vads_currency: currency.numeric,
    vads_effective_amount: String(transaction.amount),
    vads_effective_currency: currency.numeric,
    vads_extra_result: '',
    vads_operation_type: 'DEBIT',
    vads_page_action: memory.pageAction,
    vads_payment_config: memory.paymentConfig,
    vads_result: codes.result,
    vads_site_id: memory.siteId,
    vads_trans_date: memory.transDate,
    vads_trans_id: memory.transId,
    vads_trans_status: codes.transStatus,
    vads_trans_uuid: transUuid(transaction.bankTxnId),
    vads_validation_mode: transaction.captureMode === 'manual' ? '1' : '0',
    vads_version: 'V2',
  };
  if (codes.authResult !== undefined) {
    fields.vads_auth_mode = 'FULL';
    fields.vads_auth_result = codes.authResult;
    fields.vads_auth_number = transaction.authCode ?? '';
    fields.vads_capture_delay = transaction.protocolData.captureDelay ?? '0';
  }
  if (transaction.card && card) {
    fields.vads_card_brand = card.name;
    fields.vads_card_number = `${'X'.repeat(card.length - 4)}${transaction.card.last4}`;
  }
  Object.assign(fields, lyraAuthenticationFields(transaction.authentication));
  if (memory.orderId !== undefined) fields.vads_order_id = memory.orderId;
  for (const [name, key] of ORDER_INFO_FIELDS) {
    const sent = memory[key];
    if (sent !== undefined) fields[name] = sent;
  }
  if (memory.language !== undefined) fields.vads_language = memory.language;
  if (purpose === 'ipn') {
    fields.vads_url_check_src = 'PAY';
    // Unique per notification.
    fields.vads_hash = randomBytes(32).toString('hex');
  }
  fields[SIGNATURE_FIELD] = computeSignature(fields, key, lyraAlgorithmOf(credentials));
  return fields;
}

/** The URL the buyer goes back to: the one the request named for this outcome, else `vads_url_return`. */
function returnUrlFor(transaction: DecidedBankTransaction, memory: LyraRequestMemory): string {
  const specific =
    transaction.status === 'authorised'
      ? memory.urlSuccess
      : transaction.status === 'refused'
        ? memory.urlRefused
        : transaction.status === 'cancelled'
          ? memory.urlCancel
          : memory.urlError;
  return specific ?? transaction.returnUrl;
}

/**
 * The buyer's way back, by `vads_return_mode`: POST a form of the signed result (the URL's own query
 * kept in the action); GET the URL with the result added to its query; NONE the URL as it is. A GET
 * form replaces the query of its action, so the URL's own parameters travel as fields.
 */
export function lyraReturnForm(ctx: BankContext, transaction: DecidedBankTransaction): ReturnForm {
  const memory = recall(transaction.protocolData);
  const url = returnUrlFor(transaction, memory);
  if (memory.returnMode === 'POST') return { url, method: 'POST', fields: signedLyraResult(ctx, transaction, 'return') };
  const target = new URL(url);
  const query = Object.fromEntries(target.searchParams);
  target.search = '';
  const result = memory.returnMode === 'GET' ? signedLyraResult(ctx, transaction, 'return') : {};
  return { url: target.toString(), method: 'GET', fields: { ...query, ...result } };
}
