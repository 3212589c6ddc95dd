import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Lyra's side of the form API, written for the tests from the published documentation and sharing no
 * code with the connector: an independent signature computation and the responses Lyra posts back.
 */

export const SITE_ID = '12345678';
export const TEST_KEY = 'TestKey0123456789';
export const PRODUCTION_KEY = 'ProdKey9876543210';
export const PAYZEN_URL = 'https://secure.payzen.eu/vads-payment/';

/**
 * The documented recipe, step by step: take the fields whose name begins with `vads_`, order them by
 * name (byte order of the ASCII names), append each value followed by `+`, append the key, then
 * HMAC-SHA-256 keyed with the key and Base64, or (legacy) SHA-1 and hex.
 */
export function specSignature(fields: Record<string, string>, key: string, algorithm: 'HMAC-SHA-256' | 'SHA-1' = 'HMAC-SHA-256'): string {
  const names = Object.keys(fields).filter((name) => name.slice(0, 5) === 'vads_');
  names.sort((a, b) => Buffer.compare(Buffer.from(a, 'ascii'), Buffer.from(b, 'ascii')));
  let text = '';
  for (const name of names) text += `${fields[name]}+`;
  text += key;
  const bytes = Buffer.from(text, 'utf8');
  return algorithm === 'SHA-1' ? createHash('sha1').update(bytes).digest('hex') : createHmac('sha256', Buffer.from(key, 'utf8')).update(bytes).digest('base64');
}

export type TransStatus = string;

export interface ResponseOptions {
  status: TransStatus;
  key?: string;
  algorithm?: 'HMAC-SHA-256' | 'SHA-1';
  /** Fields changed before signing. */
  overrides?: Record<string, string>;
}

/** The fields Lyra posts back (IPN or browser return) for a payment form, signed. */
export function lyraResponse(request: Record<string, string>, options: ResponseOptions): Record<string, string> {
  const authorised = ['AUTHORISED', 'CAPTURED', 'AUTHORISED_TO_VALIDATE', 'ACCEPTED'].includes(options.status);
  const refused = options.status === 'REFUSED';
  const fields: Record<string, string> = {
    vads_action_mode: request.vads_action_mode ?? 'INTERACTIVE',
    vads_amount: request.vads_amount!,
    vads_auth_mode: 'FULL',
    vads_auth_number: authorised ? '3fb0de' : '',
    vads_auth_result: authorised ? '00' : refused ? '51' : '',
    vads_bank_label: 'Banque Populaire Côte d\u2019Azur',
    vads_capture_delay: '0',
    vads_card_brand: options.status === 'ABANDONED' ? '' : 'CB',
    vads_card_country: 'FR',
    vads_card_number: options.status === 'ABANDONED' ? '' : '497010XXXXXX0055',
    vads_ctx_mode: request.vads_ctx_mode!,
    vads_currency: request.vads_currency!,
    vads_effective_amount: request.vads_amount!,
    vads_effective_currency: request.vads_currency!,
    vads_expiry_month: '6',
    vads_expiry_year: '2031',
    vads_hash: randomBytes(32).toString('hex'),
    vads_language: request.vads_language ?? 'en',
    vads_operation_type: 'DEBIT',
    vads_order_id: request.vads_order_id!,
    // Lyra returns the order information fields as the form sent them.
    ...(request.vads_order_info !== undefined ? { vads_order_info: request.vads_order_info } : {}),
    ...(request.vads_order_info2 !== undefined ? { vads_order_info2: request.vads_order_info2 } : {}),
    vads_page_action: 'PAYMENT',
    vads_payment_config: 'SINGLE',
    vads_result: authorised ? '00' : refused ? '05' : options.status === 'ABANDONED' ? '' : '17',
    vads_site_id: request.vads_site_id!,
    vads_threeds_cavvAlgorithm: '',
    vads_threeds_eci: '05',
    vads_trans_date: request.vads_trans_date!,
    vads_trans_id: request.vads_trans_id!,
    vads_trans_status: options.status,
    vads_trans_uuid: 'a3c1e0f25b7d4c6e9f8a7b6c5d4e3f21',
    vads_url_check_src: 'PAY',
    vads_version: 'V2',
    ...options.overrides,
  };
  fields.signature = specSignature(fields, options.key ?? TEST_KEY, options.algorithm);
  return fields;
}

/** The hidden fields of the auto-submitting redirect page, unescaped. */
export function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const unescape = (text: string) =>
    text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[unescape(match[1]!)] = unescape(match[2]!);
  return fields;
}
