import { computeMac, fieldsSeal, macMatches, positionalRequestSeal } from '../../src/protocols/monetico/mac.js';
import { MAC_METHODS, MAX_REFERENCE_LENGTH, MONETICO_VERSION, type MacMethod } from '../../src/protocols/monetico/protocol.js';
import { isSecurityKey, usableKey } from '../../src/protocols/monetico/usable-key.js';
import { findCurrency, fromDecimalString } from '../../src/index.js';
import type { BankContext, SandboxProtocol } from './sandbox-protocol.js';
import type { MerchantRegistration, RegisteredMerchant } from '../merchants.js';
import { PaymentRequestRefusal } from '../request-refusal.js';
import { moneticoReturnForm, moneticoServerReturn, readMoneticoAcknowledgement, rememberMoneticoRequest, type MoneticoServer } from './monetico-response.js';

/** A merchant's Monetico Paiement credentials, as its back office shows them. */
export interface MoneticoMerchantCredentials {
  /** The virtual terminal number (`TPE`), e.g. `1234567`. */
  tpe: string;
  /** The 40-character security key (kit format); its usable form is the HMAC-SHA1 key. */
  key: string;
  /** How the merchant's kit seals: `fields` (current kit, default) or `positional` (older kit). */
  macMethod?: MacMethod;
  /**
   * The "interface retour" URL, which Monetico takes from the merchant's back office, never from the
   * payment form: the server return of every payment goes there. Without it none is sent.
   */
  returnInterfaceUrl?: string;
  /**
   * `manual` for a terminal contracted for deferred capture: every payment is authorised only, and
   * captured (or cancelled) by capture_paiement.cgi. Default `automatic`.
   */
  capture?: 'automatic' | 'manual';
}

declare module '../merchants.js' {
  interface MerchantCredentials {
    /** Monetico Paiement (CM-CIC), hosted payment page 3.0. */
    monetico?: MoneticoMerchantCredentials;
  }
}

export type MoneticoMerchant = RegisteredMerchant & { registration: { monetico: MoneticoMerchantCredentials } };

const TPE = /^[A-Za-z0-9]{1,10}$/;
const ORDER_DATE = /^(\d{2})\/(\d{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})$/;
const MONTANT = /^(\d{1,15}(?:\.\d+)?)([A-Z]{3})$/;
const REFERENCE = /^[A-Za-z0-9]+$/;
const LANGUAGE = /^[A-Z]{2}$/;
const MAX_TEXTE_LIBRE = 3200;
const MAX_URL = 2048;

function text(form: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = form[name];
  return value !== undefined && value.length > 0 ? value : undefined;
}

function isCallbackUrl(value: string | undefined): value is string {
  if (!value || value.length > MAX_URL) return false;
  try {
    const url = new URL(value);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return false;
    // The buyer goes back with a GET form whose fields are this query: a name given twice could not be carried.
    const names = [...url.searchParams.keys()];
    return new Set(names).size === names.length;
  } catch {
    return false;
  }
}

/** The posted form as strings; a field given twice (an array) or in brackets is refused. */
function stringFields(form: Readonly<Record<string, unknown>>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(form)) {
    if (typeof value !== 'string') throw new PaymentRequestRefusal('malformed_request', /^[A-Za-z0-9_-]{1,64}$/.test(name) ? name : undefined);
    fields[name] = value;
  }
  return fields;
}

export function moneticoMerchant(ctx: BankContext, tpe: string): MoneticoMerchant {
  const found = [...ctx.merchants.values()].filter((m) => m.registration.monetico?.tpe === tpe);
  if (found.length > 1) throw new Error(`Monetico TPE ${tpe} is registered for several merchants`);
  if (found.length === 0) throw new PaymentRequestRefusal('unknown_merchant', 'TPE');
  return found[0] as MoneticoMerchant;
}

/** The `fields` seal covers every posted field but MAC; the `positional` one, the kit's fixed list. */
function macOf(fields: Readonly<Record<string, string>>, credentials: MoneticoMerchantCredentials): string {
  const key = usableKey(credentials.key);
  const method = credentials.macMethod ?? 'fields';
  const sealed =
    method === 'fields'
      ? fieldsSeal(Object.entries(fields).map(([name, value]) => ({ name, value: Buffer.from(value, 'utf8') })))
      : positionalRequestSeal(fields);
  return computeMac(key, sealed);
}

/** `24.80EUR` → 2480 EUR: exact decimals with at most the currency's minor digits, at least one minor unit. */
function readMontant(montant: string | undefined): { amount: number; currency: string } {
  const match = montant === undefined ? null : MONTANT.exec(montant);
  const currency = match ? findCurrency(match[2]!) : undefined;
  if (!match || !currency) throw new PaymentRequestRefusal('invalid_claims', 'montant');
  let amount: number;
  try {
    amount = fromDecimalString(match[1]!, currency);
  } catch {
    throw new PaymentRequestRefusal('invalid_claims', 'montant');
  }
  if (amount < 1) throw new PaymentRequestRefusal('invalid_claims', 'montant');
  return { amount, currency: currency.code };
}

function isOrderDate(value: string | undefined): value is string {
  const match = value === undefined ? null : ORDER_DATE.exec(value);
  if (!match) return false;
  const [day, month, , hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return day >= 1 && day <= 31 && month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * Monetico Paiement (CM-CIC) hosted payment page, version 3.0: the form the merchant's site posts to
 * paiement.cgi, sealed with HMAC-SHA1 (`MAC`) under the usable form of the terminal's security key.
 * The TPE only chooses the key; nothing else is read before the MAC matches. The verdict goes, sealed
 * the same way, by the server return to the "interface retour" URL registered for the merchant
 * (answered `version=2\ncdr=0\n`); the buyer goes back by GET to `url_retour_ok` or `url_retour_err`
 * with nothing of the bank's own.
 *
 * The test server (`/monetico/test/paiement.cgi`) answers an authorised payment with `payetest`, the
 * production one (`/monetico/paiement.cgi`) with `paiement`, as Monetico's two servers do; each keeps
 * its own references.
 */
function moneticoProtocol(server: MoneticoServer): SandboxProtocol {
  return {
    name: server === 'test' ? 'monetico-test' : 'monetico',
    requestPaths: [server === 'test' ? '/monetico/test/paiement.cgi' : '/monetico/paiement.cgi'],

    checkMerchant(merchant: MerchantRegistration) {
      const monetico = merchant.monetico;
      if (!monetico) return;
      if (!TPE.test(monetico.tpe)) throw new Error(`merchant ${merchant.merchantId}: monetico.tpe must be 1 to 10 letters or digits`);
      if (!isSecurityKey(monetico.key)) throw new Error(`merchant ${merchant.merchantId}: monetico.key must be the 40-character security key (kit format)`);
      if (monetico.macMethod !== undefined && !MAC_METHODS.includes(monetico.macMethod)) {
        throw new Error(`merchant ${merchant.merchantId}: monetico.macMethod must be one of ${MAC_METHODS.join(', ')}`);
      }
      if (monetico.capture !== undefined && monetico.capture !== 'automatic' && monetico.capture !== 'manual') {
        throw new Error(`merchant ${merchant.merchantId}: monetico.capture must be automatic or manual`);
      }
      if (monetico.returnInterfaceUrl !== undefined && !isCallbackUrl(monetico.returnInterfaceUrl)) {
        throw new Error(`merchant ${merchant.merchantId}: monetico.returnInterfaceUrl must be an absolute http(s) URL`);
      }
    },

    async readRequest(form, ctx) {
      const fields = stringFields(form);
      const mac = text(fields, 'MAC');
      if (!mac) throw new PaymentRequestRefusal('missing_request', 'MAC');
      const tpe = text(fields, 'TPE');
      if (!tpe) throw new PaymentRequestRefusal('unknown_merchant', 'TPE');
      const merchant = moneticoMerchant(ctx, tpe);
      const credentials = merchant.registration.monetico;
      if (!macMatches(macOf(fields, credentials), mac)) throw new PaymentRequestRefusal('bad_signature', 'MAC');

      const macMethod = credentials.macMethod ?? 'fields';
      const version = fields.version;
      if (version !== MONETICO_VERSION) throw new PaymentRequestRefusal('invalid_claims', 'version');
      const date = fields.date;
      if (!isOrderDate(date)) throw new PaymentRequestRefusal('invalid_claims', 'date');
      const montant = fields.montant ?? '';
      const { amount, currency } = readMontant(montant);
      const reference = fields.reference ?? '';
      if (!REFERENCE.test(reference) || reference.length > MAX_REFERENCE_LENGTH[macMethod]) throw new PaymentRequestRefusal('invalid_claims', 'reference');
      const texteLibre = fields['texte-libre'] ?? '';
      if (texteLibre.length > MAX_TEXTE_LIBRE) throw new PaymentRequestRefusal('invalid_claims', 'texte-libre');
      const lgue = fields.lgue ?? '';
      if (!LANGUAGE.test(lgue)) throw new PaymentRequestRefusal('invalid_claims', 'lgue');
      const urlOk = fields.url_retour_ok;
      if (!isCallbackUrl(urlOk)) throw new PaymentRequestRefusal('invalid_claims', 'url_retour_ok');
      const urlErr = fields.url_retour_err;
      if (!isCallbackUrl(urlErr)) throw new PaymentRequestRefusal('invalid_claims', 'url_retour_err');

      return {
        merchant,
        ref: reference,
        amount,
        currency,
        locale: lgue === 'FR' ? 'fr' : 'en',
        description: texteLibre || reference,
        returnUrl: urlOk,
        ...(credentials.returnInterfaceUrl !== undefined ? { notifyUrl: credentials.returnInterfaceUrl } : {}),
        protocolData: rememberMoneticoRequest({ tpe, date, montant, reference, texteLibre, version, macMethod, urlOk, urlErr }),
        // Deferred capture is the terminal's contract, not a field of the form.
        ...(credentials.capture === 'manual' ? { capture: 'manual' as const } : {}),
      };
    },

    async notification(transaction, ctx) {
      return {
        url: transaction.notifyUrl,
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(moneticoServerReturn(ctx, transaction, server)).toString(),
      };
    },

    async returnForm(transaction) {
      return moneticoReturnForm(transaction);
    },

    readAcknowledgement: readMoneticoAcknowledgement,
  };
}

/** Monetico's production server and its test server, each a protocol with its own request path. */
export const moneticoProtocols: readonly SandboxProtocol[] = [moneticoProtocol('production'), moneticoProtocol('test')];
