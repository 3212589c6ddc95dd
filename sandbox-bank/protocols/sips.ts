import { decodeData, parseData, peekField, SipsDataError } from '../../src/protocols/sips/data.js';
import { INTERFACE_VERSION_PATTERN, KEY_VERSION_PATTERN, MAX_DATA_LENGTH, MERCHANT_ID_PATTERN, ORDER_ID_MAX_LENGTH, SIPS_FORM, TRANSACTION_REFERENCE_PATTERN } from '../../src/protocols/sips/protocol.js';
import { HMAC_SHA_256, LEGACY_SHA_256, sealMatches, type SipsSealAlgorithm } from '../../src/protocols/sips/seal.js';
import { CAPTURE_DAY_PATTERN, CAPTURE_MODE_AUTHOR_CAPTURE, CAPTURE_MODE_VALIDATION } from '../../src/protocols/sips/office.js';
import { findCurrencyByNumeric } from '../../src/index.js';
import type { BankContext, SandboxProtocol } from './sandbox-protocol.js';
import type { MerchantRegistration, RegisteredMerchant } from '../merchants.js';
import { PaymentRequestRefusal } from '../request-refusal.js';
import { rememberSipsRequest, sealedSipsResponse } from './sips-response.js';

/** A merchant's Sips 2.0 credentials, as Worldline would give them. */
export interface SipsMerchantCredentials {
  /** The 15-digit Sips merchantId. */
  merchantId: string;
  /** Secret keys by key version, e.g. `{ '1': '…', '2': '…' }`: a request may be sealed with any of them. */
  keys: Readonly<Record<string, string>>;
}

declare module '../merchants.js' {
  interface MerchantCredentials {
    /** Worldline Sips 2.0 Paypage POST. */
    sips?: SipsMerchantCredentials;
  }
}

function text(form: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function isCallbackUrl(value: string | undefined): value is string {
  if (!value || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

function sipsMerchant(ctx: BankContext, sipsMerchantId: string): RegisteredMerchant & { registration: { sips: SipsMerchantCredentials } } {
  const found = [...ctx.merchants.values()].filter((m) => m.registration.sips?.merchantId === sipsMerchantId);
  if (found.length > 1) throw new Error(`Sips merchantId ${sipsMerchantId} is registered for several merchants`);
  if (found.length === 0) throw new PaymentRequestRefusal('unknown_merchant', 'merchantId');
  return found[0] as RegisteredMerchant & { registration: { sips: SipsMerchantCredentials } };
}

function sealAlgorithmOf(form: Readonly<Record<string, unknown>>): SipsSealAlgorithm {
  const declared = form[SIPS_FORM.sealAlgorithm];
  // Sips reads a request without SealAlgorithm as sealed the older way.
  if (declared === undefined || declared === '' || declared === LEGACY_SHA_256) return LEGACY_SHA_256;
  if (declared === HMAC_SHA_256) return HMAC_SHA_256;
  throw new PaymentRequestRefusal('algorithm_not_allowed', SIPS_FORM.sealAlgorithm);
}

/**
 * Worldline Sips 2.0, Paypage POST: `Data`, `Seal`, `InterfaceVersion`, `SealAlgorithm` and optional
 * `Encode` posted to `/sips/paymentInit`. The seal is checked with the key of the `keyVersion` the
 * Data names (its `merchantId` and `keyVersion` only choose the key) before any other field is read.
 * The outcome goes back, sealed the same way, as the automatic response to `automaticResponseUrl`
 * and as the buyer's return to `normalReturnUrl`.
 */
export const sipsProtocol: SandboxProtocol = {
  name: 'sips',
  requestPaths: ['/sips/paymentInit'],

  checkMerchant(merchant: MerchantRegistration) {
    const sips = merchant.sips;
    if (!sips) return;
    if (!MERCHANT_ID_PATTERN.test(sips.merchantId)) throw new Error(`merchant ${merchant.merchantId}: sips.merchantId must be 15 digits`);
    const versions = Object.keys(sips.keys);
    if (versions.length === 0) throw new Error(`merchant ${merchant.merchantId}: sips.keys needs at least one key`);
    for (const version of versions) {
      if (!KEY_VERSION_PATTERN.test(version) || !sips.keys[version]) throw new Error(`merchant ${merchant.merchantId}: sips.keys must map key versions (digits) to keys`);
    }
  },

  async readRequest(form, ctx) {
    const posted = text(form, SIPS_FORM.data);
    const seal = text(form, SIPS_FORM.seal);
    if (!posted) throw new PaymentRequestRefusal('missing_request', SIPS_FORM.data);
    if (!seal) throw new PaymentRequestRefusal('missing_request', SIPS_FORM.seal);
    if (posted.length > MAX_DATA_LENGTH) throw new PaymentRequestRefusal('malformed_request', SIPS_FORM.data);
    const interfaceVersion = text(form, SIPS_FORM.interfaceVersion);
    if (!interfaceVersion || !INTERFACE_VERSION_PATTERN.test(interfaceVersion)) throw new PaymentRequestRefusal('invalid_claims', SIPS_FORM.interfaceVersion);
    const encode = text(form, SIPS_FORM.encode);

    let plain: string;
    try {
      plain = decodeData(posted, encode);
    } catch (err) {
      if (!(err instanceof SipsDataError)) throw err;
      throw new PaymentRequestRefusal('malformed_request', err.reason === 'unknown_encoding' ? SIPS_FORM.encode : SIPS_FORM.data);
    }

    // merchantId and keyVersion choose the key; nothing else is read before the seal matches.
    const sipsMerchantId = peekField(plain, 'merchantId');
    if (!sipsMerchantId) throw new PaymentRequestRefusal('unknown_merchant', 'merchantId');
    const merchant = sipsMerchant(ctx, sipsMerchantId);
    const keys = merchant.registration.sips.keys;
    const keyVersion = peekField(plain, 'keyVersion');
    const key = keyVersion !== undefined && Object.hasOwn(keys, keyVersion) ? keys[keyVersion] : undefined;
    if (keyVersion === undefined || key === undefined) throw new PaymentRequestRefusal('unknown_key_version', 'keyVersion');
    const sealAlgorithm = sealAlgorithmOf(form);
    if (!sealMatches(seal, posted, key, sealAlgorithm)) throw new PaymentRequestRefusal('bad_seal', SIPS_FORM.seal);

    let data: ReadonlyMap<string, string>;
    try {
      data = parseData(plain);
    } catch {
      throw new PaymentRequestRefusal('malformed_request', SIPS_FORM.data);
    }
    const amountText = data.get('amount') ?? '';
    const amount = /^\d{1,15}$/.test(amountText) ? Number(amountText) : 0;
    if (!Number.isSafeInteger(amount) || amount < 1) throw new PaymentRequestRefusal('invalid_claims', 'amount');
    const currency = findCurrencyByNumeric(/^\d{3}$/.test(data.get('currencyCode') ?? '') ? data.get('currencyCode')! : '');
    if (!currency) throw new PaymentRequestRefusal('invalid_claims', 'currencyCode');
    const ref = data.get('transactionReference') ?? '';
    if (!TRANSACTION_REFERENCE_PATTERN.test(ref)) throw new PaymentRequestRefusal('invalid_claims', 'transactionReference');
    const returnUrl = data.get('normalReturnUrl');
    if (!isCallbackUrl(returnUrl)) throw new PaymentRequestRefusal('invalid_claims', 'normalReturnUrl');
    const notifyUrl = data.get('automaticResponseUrl');
    if (notifyUrl !== undefined && !isCallbackUrl(notifyUrl)) throw new PaymentRequestRefusal('invalid_claims', 'automaticResponseUrl');
    const orderId = data.get('orderId');
    if (orderId !== undefined && (orderId.length === 0 || orderId.length > ORDER_ID_MAX_LENGTH)) throw new PaymentRequestRefusal('invalid_claims', 'orderId');
    const customerLanguage = data.get('customerLanguage');
    // VALIDATION keeps the authorisation until the merchant validates it (Sips Office validate).
    const captureMode = data.get('captureMode');
    if (captureMode !== undefined && captureMode !== CAPTURE_MODE_VALIDATION && captureMode !== CAPTURE_MODE_AUTHOR_CAPTURE) throw new PaymentRequestRefusal('invalid_claims', 'captureMode');
    const captureDay = data.get('captureDay');
    if (captureDay !== undefined && !CAPTURE_DAY_PATTERN.test(captureDay)) throw new PaymentRequestRefusal('invalid_claims', 'captureDay');

    const memory = rememberSipsRequest({
      merchantId: sipsMerchantId,
      keyVersion,
      sealAlgorithm,
      interfaceVersion,
      ...(encode ? { encode } : {}),
      ...(orderId !== undefined ? { orderId } : {}),
      ...(customerLanguage !== undefined ? { customerLanguage } : {}),
      ...(captureMode !== undefined ? { captureMode } : {}),
      ...(captureDay !== undefined ? { captureDay } : {}),
    });
    return {
      merchant,
      ref,
      amount,
      currency: currency.code,
      locale: customerLanguage === 'fr' ? 'fr' : 'en',
      description: orderId ?? ref,
      returnUrl,
      ...(notifyUrl !== undefined ? { notifyUrl } : {}),
      protocolData: memory,
      ...(captureMode === CAPTURE_MODE_VALIDATION ? { capture: 'manual' as const } : {}),
    };
  },

  // The automatic response and the buyer's return carry the same sealed Data, as Sips sends them.
  async notification(transaction, ctx) {
    return {
      url: transaction.notifyUrl,
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams(sealedSipsResponse(ctx, transaction)).toString(),
    };
  },

  async returnForm(transaction, ctx) {
    return { url: transaction.returnUrl, method: 'POST', fields: sealedSipsResponse(ctx, transaction) };
  },
};
