import { computeMac, fieldsSeal, positionalReturnSeal } from '../../src/protocols/monetico/mac.js';
import type { MacMethod } from '../../src/protocols/monetico/protocol.js';
import { moneticoDate } from '../../src/protocols/monetico/request-date.js';
import { usableKey } from '../../src/protocols/monetico/usable-key.js';
import type { BankContext, DecidedBankTransaction, ReturnForm } from './sandbox-protocol.js';
import type { CardBrand } from '../cards.js';
import type { TryResult } from '../notification-delivery.js';
import { moneticoAuthentification } from './monetico-authentication.js';

/** Which of Monetico's servers the request came to: the test one answers `payetest` for an authorised payment. */
export type MoneticoServer = 'production' | 'test';

/** What the bank remembers of a Monetico request to answer in kind (kept as the transaction's protocolData). */
export interface MoneticoRequestMemory {
  tpe: string;
  /** The order date as the merchant sent it. */
  date: string;
  /** As the merchant sent it, e.g. `24.80EUR`: the server return names the amount the same way. */
  montant: string;
  reference: string;
  texteLibre: string;
  version: string;
  macMethod: MacMethod;
  urlOk: string;
  urlErr: string;
}

export function rememberMoneticoRequest(memory: MoneticoRequestMemory): Record<string, string> {
  return { ...memory };
}

function recall(data: Readonly<Record<string, string>>): MoneticoRequestMemory {
  const { tpe, date, montant, reference, texteLibre, version, macMethod, urlOk, urlErr } = data;
  if (!tpe || !date || !montant || !reference || texteLibre === undefined || !version || !urlOk || !urlErr || (macMethod !== 'fields' && macMethod !== 'positional')) {
    throw new Error('not a Monetico transaction');
  }
  return { tpe, date, montant, reference, texteLibre, version, macMethod, urlOk, urlErr };
}

/** Monetico's `brand` codes, and the length of each network's numbers for the masked number. */
const BRANDS: Record<CardBrand, { code: string; length: number }> = {
  visa: { code: 'VI', length: 16 },
  mastercard: { code: 'MC', length: 16 },
  amex: { code: 'AM', length: 15 },
  diners: { code: 'DC', length: 14 },
};

/** `DD/MM/YYYY_a_HH:MM:SS`, French time: how Monetico dates the authorisation request in a server return. */
function returnDate(at: Date): string {
  return moneticoDate(at).replace(':', '_a_');
}

function codeRetour(transaction: DecidedBankTransaction, server: MoneticoServer): string {
  if (transaction.status === 'authorised') return server === 'test' ? 'payetest' : 'paiement';
  // Refused, cancelled and failed payments all come back as `Annulation`.
  return 'Annulation';
}

/**
 * The server return ("interface retour") fields for a decided transaction, MAC included, sealed with
 * the merchant's key by the method of its request. The sandbox keeps only the card's brand and last
 * four digits, so `cbmasquee` shows only those, and what it never knew (expiry `vld`, BIN, PAN hash,
 * card and buyer countries, buyer IP) is sent empty.
 */
export function moneticoServerReturn(ctx: BankContext, transaction: DecidedBankTransaction, server: MoneticoServer): Record<string, string> {
  const memory = recall(transaction.protocolData);
  const credentials = ctx.merchants.get(transaction.merchantId)?.registration.monetico;
  if (credentials === undefined || credentials.tpe !== memory.tpe) throw new Error(`merchant ${transaction.merchantId} no longer has Monetico TPE ${memory.tpe}`);
  const card = transaction.card;
  const brand = card ? BRANDS[card.brand] : undefined;
  const authentication = transaction.authentication;

  const fields: Record<string, string> = {
    TPE: memory.tpe,
    date: returnDate(new Date(transaction.decidedAt ?? transaction.createdAt)),
    montant: memory.montant,
    reference: memory.reference,
    'texte-libre': memory.texteLibre,
    'code-retour': codeRetour(transaction, server),
    cvx: card ? 'oui' : 'non',
    vld: '',
    brand: brand ? brand.code : 'na',
    // -1: no 3-D Secure exchange; 1: one took place (its result is in `authentification`).
    status3ds: authentication ? '1' : '-1',
    numauto: transaction.status === 'authorised' && transaction.authCode ? transaction.authCode : '',
    motifrefus: transaction.status === 'refused' ? (authentication?.transStatus === 'N' ? '3DSecure' : 'Refus') : '',
    originecb: '',
    bincb: '',
    hpancb: '',
    ipclient: '',
    originetr: '',
    modepaiement: 'CB',
    ...(card && brand ? { cbmasquee: `${'*'.repeat(brand.length - 4)}${card.last4}` } : {}),
    ...(authentication ? { authentification: moneticoAuthentification(authentication) } : {}),
  };
  const key = usableKey(credentials.key);
  const sealed =
    memory.macMethod === 'fields'
      ? fieldsSeal(Object.entries(fields).map(([name, value]) => ({ name, value: Buffer.from(value, 'utf8') })))
      : positionalReturnSeal(new Map(Object.entries(fields).map(([name, value]) => [name, Buffer.from(value, 'utf8')])), { tpe: memory.tpe, version: memory.version });
  return { ...fields, MAC: computeMac(key, sealed) };
}

/**
 * The buyer goes back by GET, as Monetico sends it, to `url_retour_ok` when the payment was authorised
 * and to `url_retour_err` otherwise, with nothing of the bank's own. A GET form replaces its action's
 * query with its fields, so the URL's query (which the merchant may have signed) travels as the fields.
 */
export function moneticoReturnForm(transaction: DecidedBankTransaction): ReturnForm {
  const memory = recall(transaction.protocolData);
  const target = new URL(transaction.status === 'authorised' ? memory.urlOk : memory.urlErr);
  const fields = Object.fromEntries(target.searchParams);
  target.search = '';
  target.hash = '';
  return { url: target.toString(), method: 'GET', fields };
}

/**
 * The merchant answers the server return with `version=2` and `cdr=0` (MAC checked) or `cdr=1` (it
 * was not), in plain text. Only a 2xx answer saying `cdr=0` acknowledges it; `cdr=1` is a refusal of
 * this very message, which sending it again would not change; anything else (an error status, an
 * unreadable body) is tried again.
 */
export function readMoneticoAcknowledgement(status: number, body: string): TryResult {
  if (status < 200 || status >= 300) return 'retry';
  const cdr = /^\s*cdr=(\d+)\s*$/m.exec(body)?.[1];
  if (cdr === '0') return 'delivered';
  if (cdr === '1') return 'rejected';
  return 'retry';
}
