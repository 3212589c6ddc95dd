import { createHash } from 'node:crypto';
import { findCurrencyByNumeric } from '../../src/index.js';
import type { BankContext, SandboxProtocol } from './sandbox-protocol.js';
import type { MerchantRegistration, RegisteredMerchant } from '../merchants.js';
import { PaymentRequestRefusal } from '../request-refusal.js';
import type { BankTransaction } from '../transaction-book.js';
import { lyraAlgorithmOf, lyraKeyFor, type LyraCtxMode, type LyraMerchantCredentials } from './lyra-credentials.js';
import { lyraReturnForm, ORDER_INFO_FIELDS, rememberLyraRequest, signedLyraResult, type LyraReturnMode } from './lyra-response.js';
import { LYRA_SIGNATURE_ALGORITHMS, SIGNATURE_FIELD, signatureMatches, signedFields, type LyraSignatureAlgorithm } from '../../src/protocols/lyra/signature.js';


declare module '../merchants.js' {
  interface MerchantCredentials {
    /** Lyra form API (PayZen, Systempay, Sogecommerce). */
    lyra?: LyraMerchantCredentials;
  }
}

const PROTOCOL_NAME = 'lyra';

const SITE_ID = /^\d{8}$/;
const KEY = /^\S{1,128}$/;
// vads_trans_id: six digits, 000000 to 899999, unique per shop per UTC day.
const TRANS_ID = /^\d{6}$/;
const MAX_TRANS_ID = 899_999;
const TRANS_DATE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const AMOUNT = /^\d{1,12}$/;
const NUMERIC_CURRENCY = /^\d{3}$/;
const LANGUAGE = /^[a-z]{2}$/;
const ORDER_ID_MAX_LENGTH = 64;
const ORDER_INFO_MAX_LENGTH = 255;
// vads_order_id: letters, digits, `-` and `_` (the data dictionary's ans..64).
const ORDER_ID_CHARACTERS = /^[A-Za-z0-9_-]*$/;
const URL_MAX_LENGTH = 2048;
// Base64 of HMAC-SHA-256 is 44 characters, hex SHA-1 40.
const MAX_SIGNATURE_LENGTH = 128;
/** A vads_trans_date further from the bank's clock than this is refused (a form is posted right after it is built). */
const TRANS_DATE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const TRANS_DATE_MAX_AHEAD_MS = 60 * 60 * 1000;

/** The fields every payment form must carry, besides the signature and the ones that choose the key. */
const REQUIRED_FIELDS = [
  'vads_action_mode',
  'vads_amount',
  'vads_currency',
  'vads_page_action',
  'vads_payment_config',
  'vads_trans_date',
  'vads_trans_id',
  'vads_version',
  // Lyra falls back on the back office's return URL; the sandbox has no back office.
  'vads_url_return',
] as const;

/** Field values the sandbox accepts: a single payment on the hosted page, nothing else. */
const FIXED_VALUES: Readonly<Record<string, string>> = {
  vads_action_mode: 'INTERACTIVE',
  vads_page_action: 'PAYMENT',
  vads_payment_config: 'SINGLE',
  vads_version: 'V2',
};

const RETURN_MODES: readonly LyraReturnMode[] = ['NONE', 'GET', 'POST'];

function isCallbackUrl(value: string | undefined): value is string {
  if (!value || value.length > URL_MAX_LENGTH) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** The posted `vads_` fields and signature as strings; a repeated field (an array) is not a Lyra form. */
function postedForm(form: Readonly<Record<string, unknown>>): { fields: Record<string, string>; signature: string | undefined } {
  const strings: Record<string, string> = {};
  for (const name of Object.keys(form)) {
    if (!name.startsWith('vads_') && name !== SIGNATURE_FIELD) continue;
    const value = form[name];
    if (typeof value !== 'string') throw new PaymentRequestRefusal('malformed_request', name);
    strings[name] = value;
  }
  const signature = strings[SIGNATURE_FIELD];
  return { fields: signedFields(strings), signature: signature ? signature : undefined };
}

function lyraMerchant(ctx: BankContext, siteId: string): RegisteredMerchant & { registration: { lyra: LyraMerchantCredentials } } {
  const found = [...ctx.merchants.values()].filter((m) => m.registration.lyra?.siteId === siteId);
  if (found.length > 1) throw new Error(`Lyra site id ${siteId} is registered for several merchants`);
  if (found.length === 0) throw new PaymentRequestRefusal('unknown_merchant', 'vads_site_id');
  return found[0] as RegisteredMerchant & { registration: { lyra: LyraMerchantCredentials } };
}

/** `YYYYMMDDHHmmss` (UTC) → the instant, or undefined when it is no real date and time. */
function parseTransDate(text: string): Date | undefined {
  const match = TRANS_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const roundTrip = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return roundTrip === text ? at : undefined;
}

/** A digest of every signed field: the same form posted again has the same one. */
function digestOf(fields: Readonly<Record<string, string>>): string {
  const entries = Object.keys(fields)
    .sort()
    .map((name) => [name, fields[name]]);
  return createHash('sha256').update(JSON.stringify(entries), 'utf8').digest('hex');
}

/** The Lyra transaction of this merchant with this reference, if the bank has one. */
function existingTransaction(ctx: BankContext, merchantId: string, ref: string): BankTransaction | undefined {
  const found = ctx.book.snapshot().find((t) => t.protocol === PROTOCOL_NAME && t.merchantId === merchantId && t.ref === ref);
  return found ? ctx.book.get(found.bankTxnId) : undefined;
}

function optional(fields: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = fields[name];
  return value ? value : undefined;
}

/**
 * Lyra's form API (PayZen, Systempay, Sogecommerce), hosted payment page: a form of `vads_*` fields and
 * a `signature` posted to `/lyra/vads-payment/`. `vads_site_id` names the shop and `vads_ctx_mode` the
 * key (TEST or PRODUCTION); the signature is checked over every `vads_` field before any other is read.
 * A transaction is identified by its shop, the UTC day of `vads_trans_date` and `vads_trans_id`: a
 * second form with an identifier already used that day is refused, except the very same form while
 * its transaction still awaits the card (a double click, a reloaded tab), which shows the card page
 * again. The result goes back signed the same way, server to server (the IPN, to `vads_url_check`) and
 * through the buyer's browser (to `vads_url_return`, or the URL for that outcome, by `vads_return_mode`).
 */
export const lyraProtocol: SandboxProtocol = {
  name: PROTOCOL_NAME,
  requestPaths: ['/lyra/vads-payment/'],

  checkMerchant(merchant: MerchantRegistration) {
    const lyra = merchant.lyra;
    if (!lyra) return;
    if (!SITE_ID.test(lyra.siteId)) throw new Error(`merchant ${merchant.merchantId}: lyra.siteId must be 8 digits`);
    if (!KEY.test(lyra.testKey ?? '')) throw new Error(`merchant ${merchant.merchantId}: lyra.testKey must be a key without spaces (1 to 128 characters)`);
    if (lyra.productionKey !== undefined && !KEY.test(lyra.productionKey)) {
      throw new Error(`merchant ${merchant.merchantId}: lyra.productionKey must be a key without spaces (1 to 128 characters)`);
    }
    if (lyra.restPassword !== undefined && !KEY.test(lyra.restPassword)) throw new Error(`merchant ${merchant.merchantId}: lyra.restPassword must be a password without spaces`);
    if (lyra.signatureAlgorithm !== undefined && !LYRA_SIGNATURE_ALGORITHMS.includes(lyra.signatureAlgorithm)) {
      throw new Error(`merchant ${merchant.merchantId}: lyra.signatureAlgorithm must be HMAC-SHA-256 or SHA-1`);
    }
  },

  async readRequest(form, ctx) {
    const { fields, signature } = postedForm(form);
    if (!signature) throw new PaymentRequestRefusal('missing_request', SIGNATURE_FIELD);
    if (signature.length > MAX_SIGNATURE_LENGTH) throw new PaymentRequestRefusal('malformed_request', SIGNATURE_FIELD);

    // vads_site_id and vads_ctx_mode choose the key; nothing else is read before the signature matches.
    const siteId = fields.vads_site_id;
    if (!siteId) throw new PaymentRequestRefusal('unknown_merchant', 'vads_site_id');
    const merchant = lyraMerchant(ctx, siteId);
    const credentials = merchant.registration.lyra;
    const ctxMode = fields.vads_ctx_mode;
    if (ctxMode !== 'TEST' && ctxMode !== 'PRODUCTION') throw new PaymentRequestRefusal('invalid_claims', 'vads_ctx_mode');
    const key = lyraKeyFor(credentials, ctxMode satisfies LyraCtxMode);
    // A shop without a PRODUCTION key is not open for production payments.
    if (key === undefined) throw new PaymentRequestRefusal('invalid_claims', 'vads_ctx_mode');
    if (!signatureMatches(fields, key, lyraAlgorithmOf(credentials), signature)) throw new PaymentRequestRefusal('bad_signature', SIGNATURE_FIELD);

    // Authentic from here on.
    for (const name of REQUIRED_FIELDS) if (!fields[name]) throw new PaymentRequestRefusal('invalid_claims', name);
    for (const [name, value] of Object.entries(FIXED_VALUES)) if (fields[name] !== value) throw new PaymentRequestRefusal('invalid_claims', name);

    const amountText = fields.vads_amount!;
    const amount = AMOUNT.test(amountText) ? Number(amountText) : 0;
    if (amount < 1) throw new PaymentRequestRefusal('invalid_claims', 'vads_amount');
    const currency = NUMERIC_CURRENCY.test(fields.vads_currency!) ? findCurrencyByNumeric(fields.vads_currency!) : undefined;
    if (!currency) throw new PaymentRequestRefusal('invalid_claims', 'vads_currency');

    const transId = fields.vads_trans_id!;
    if (!TRANS_ID.test(transId) || Number(transId) > MAX_TRANS_ID) throw new PaymentRequestRefusal('invalid_claims', 'vads_trans_id');
    const transDate = fields.vads_trans_date!;
    const transInstant = parseTransDate(transDate);
    const now = ctx.now().getTime();
    if (!transInstant || transInstant.getTime() < now - TRANS_DATE_MAX_AGE_MS || transInstant.getTime() > now + TRANS_DATE_MAX_AHEAD_MS) {
      throw new PaymentRequestRefusal('invalid_claims', 'vads_trans_date');
    }

    const returnMode = (optional(fields, 'vads_return_mode') ?? 'NONE') as LyraReturnMode;
    if (!RETURN_MODES.includes(returnMode)) throw new PaymentRequestRefusal('invalid_claims', 'vads_return_mode');
    const returnUrl = fields.vads_url_return;
    if (!isCallbackUrl(returnUrl)) throw new PaymentRequestRefusal('invalid_claims', 'vads_url_return');
    const outcomeUrls: Partial<Record<'urlSuccess' | 'urlRefused' | 'urlCancel' | 'urlError', string>> = {};
    for (const [name, memoryName] of [
      ['vads_url_success', 'urlSuccess'],
      ['vads_url_refused', 'urlRefused'],
      ['vads_url_cancel', 'urlCancel'],
      ['vads_url_error', 'urlError'],
    ] as const) {
      const url = optional(fields, name);
      if (url === undefined) continue;
      if (!isCallbackUrl(url)) throw new PaymentRequestRefusal('invalid_claims', name);
      outcomeUrls[memoryName] = url;
    }
    const notifyUrl = optional(fields, 'vads_url_check');
    if (notifyUrl !== undefined && !isCallbackUrl(notifyUrl)) throw new PaymentRequestRefusal('invalid_claims', 'vads_url_check');

    const language = optional(fields, 'vads_language');
    if (language !== undefined && !LANGUAGE.test(language)) throw new PaymentRequestRefusal('invalid_claims', 'vads_language');
    const orderId = optional(fields, 'vads_order_id');
    if (orderId !== undefined && orderId.length > ORDER_ID_MAX_LENGTH) throw new PaymentRequestRefusal('invalid_claims', 'vads_order_id');
    if (orderId !== undefined && !ORDER_ID_CHARACTERS.test(orderId)) throw new PaymentRequestRefusal('invalid_claims', 'vads_order_id');
    const orderInfos: Partial<Record<(typeof ORDER_INFO_FIELDS)[number][1], string>> = {};
    for (const [name, key] of ORDER_INFO_FIELDS) {
      const info = optional(fields, name);
      if (info === undefined) continue;
      if (info.length > ORDER_INFO_MAX_LENGTH) throw new PaymentRequestRefusal('invalid_claims', name);
      orderInfos[key] = info;
    }
    const orderInfo = orderInfos.orderInfo;

    // vads_validation_mode=1: manual validation, the merchant validates (captures) through the REST API.
    const validationMode = optional(fields, 'vads_validation_mode') ?? '0';
    if (validationMode !== '0' && validationMode !== '1') throw new PaymentRequestRefusal('invalid_claims', 'vads_validation_mode');
    const captureDelay = optional(fields, 'vads_capture_delay');
    if (captureDelay !== undefined && !/^\d{1,3}$/.test(captureDelay)) throw new PaymentRequestRefusal('invalid_claims', 'vads_capture_delay');

    // One identifier per shop per UTC day: the day is the one of vads_trans_date.
    const ref = `${transDate.slice(0, 8)}-${transId}`;
    const requestDigest = digestOf(fields);
    const existing = existingTransaction(ctx, merchant.merchantId, ref);
    // Another form under an identifier whose transaction awaits its card. (A decided one is refused as
    // reused when the transaction is opened.)
    if (existing && existing.status === 'awaiting_card' && existing.protocolData.requestDigest !== requestDigest) {
      throw new PaymentRequestRefusal('reference_in_use', 'vads_trans_id');
    }

    return {
      merchant,
      ref,
      amount,
      currency: currency.code,
      locale: language === 'fr' ? 'fr' : 'en',
      description: orderInfo ?? orderId ?? ref,
      returnUrl,
      ...(notifyUrl !== undefined ? { notifyUrl } : {}),
      ...(validationMode === '1' ? { capture: 'manual' as const } : {}),
      protocolData: rememberLyraRequest({
        siteId,
        ctxMode,
        transId,
        transDate,
        returnMode,
        actionMode: fields.vads_action_mode!,
        pageAction: fields.vads_page_action!,
        paymentConfig: fields.vads_payment_config!,
        requestDigest,
        ...(orderId !== undefined ? { orderId } : {}),
        ...orderInfos,
        ...(language !== undefined ? { language } : {}),
        ...outcomeUrls,
        ...(captureDelay !== undefined ? { captureDelay } : {}),
      }),
    };
  },

  async notification(transaction, ctx) {
    return {
      url: transaction.notifyUrl,
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams(signedLyraResult(ctx, transaction, 'ipn')).toString(),
    };
  },

  async returnForm(transaction, ctx) {
    return lyraReturnForm(ctx, transaction);
  },

  // Lyra counts anything but a 2xx as a failed notification and sends it again.
  readAcknowledgement(status) {
    return status >= 200 && status < 300 ? 'delivered' : 'retry';
  },
};
