import { findCurrency, fromDecimalString } from '../../src/index.js';
import { formatOperationReply, RECREDIT_CODES } from '../../src/protocols/monetico/operations.js';
import type { OperationErrorCode } from '../../src/protocols/native-operations.js';
import type { BankTransaction, TransactionBook } from '../transaction-book.js';
import { amountCaptured, amountRefundable, cancel, capture, captureStatusOf, refund, type MoneyChange } from '../transaction-money.js';
import type { AnswerDelivery } from './operations-desk.js';
import { TEST_OPERATION_AMOUNTS, type OperationTestBehaviour } from './test-behaviour.js';
import type { MoneticoMerchant } from '../protocols/monetico.js';

export type MoneticoOperation = 'capture' | 'recredit';

export interface MoneticoDeskAnswer {
  /** The plain-text `name=value` lines. */
  reply: string;
  delivery: AnswerDelivery;
}

/** Where the request came in: each of Monetico's servers keeps its own orders. */
export type MoneticoServerName = 'production' | 'test';

const MONTANT = /^(\d{1,15}(?:\.\d+)?)([A-Z]{3})$/;

/** `12.34EUR` → 1234 EUR, zero allowed (a capture of 0 is the cancel); undefined when it does not read. */
function readAmount(text: string | undefined): { amount: number; currency: string } | undefined {
  const match = text === undefined ? null : MONTANT.exec(text);
  const currency = match ? findCurrency(match[2]!) : undefined;
  if (!match || !currency) return undefined;
  try {
    return { amount: fromDecimalString(match[1]!, currency), currency: currency.code };
  } catch {
    return undefined;
  }
}

function montant(amount: number, currencyCode: string): string {
  const digits = findCurrency(currencyCode)?.minorUnits ?? 2;
  if (digits === 0) return `${amount}${currencyCode}`;
  const padded = String(amount).padStart(digits + 1, '0');
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}${currencyCode}`;
}

const isoDay = (at: string | undefined) => (at ?? '').slice(0, 10);

/**
 * What makes two requests the same operation: every field of a recredit (it is dated when the refund
 * was made, so a resend is byte for byte the same); every field of a capture but its `date`, which is
 * the moment of each send. An authorisation is captured once, so the same capture again can only be a
 * resend.
 */
function sameOperationKey(operation: MoneticoOperation, fields: Readonly<Record<string, string>>): string {
  if (operation === 'recredit') return fields.MAC ?? '';
  const { date: _date, MAC: _mac, ...rest } = fields;
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What the capture says when it does not capture, in the words of Monetico's answers (lower case, no accents). */
const CAPTURE_REFUSALS: Partial<Record<OperationErrorCode, string>> = {
  invalid_state: 'commande deja traitee',
  currency_mismatch: 'devise incorrecte',
  capture_window_closed: 'autorisation expiree',
  amount_exceeds_capturable: 'montant a capturer superieur au montant autorise',
};
const NOT_FOR_THIS_TPE = 'operation non autorisee pour ce TPE';

/**
 * The sandbox bank's back office for Monetico: capture_paiement.cgi (capture, and cancel as a capture
 * of 0 with nothing left) and recredit_paiement.cgi, on the transactions the payment form opened in
 * the same server. `run` is synchronous: the check of what is left and the change it allows happen in
 * one step whatever else arrives.
 *
 * Monetico names no idempotency key. The sandbox answers the same operation again (sameOperationKey)
 * with the answer it gave then, without doing it again: what lets a test's "answer lost once" end in
 * one capture or recredit at the bank. A recredit that is not
 * identical but states an outdated `montant_possible` is refused -52, as Monetico does.
 */
export class MoneticoDesk {
  private readonly book: TransactionBook;
  private readonly answered = new Map<string, string>();

  constructor(book: TransactionBook) {
    this.book = book;
  }

  run(operation: MoneticoOperation, server: MoneticoServerName, merchant: MoneticoMerchant, fields: Readonly<Record<string, string>>, now: Date): MoneticoDeskAnswer {
    const key = `${server}\n${merchant.merchantId}\n${operation}\n${sameOperationKey(operation, fields)}`;
    const earlier = this.answered.get(key);
    if (earlier !== undefined) return { reply: earlier, delivery: 'now' };
    const { reply, behaviour } = operation === 'capture' ? this.capture(server, merchant, fields, now) : this.recredit(server, merchant, fields, now);
    this.answered.set(key, reply);
    return { reply, delivery: behaviour === 'timeout_once' ? 'timeout' : behaviour === 'late' ? 'late' : 'now' };
  }

  /** The order named by the request, when it is this merchant's, in this server, and the request's order facts are its own. */
  private order(server: MoneticoServerName, merchant: MoneticoMerchant, fields: Readonly<Record<string, string>>): BankTransaction | string {
    const protocol = server === 'test' ? 'monetico-test' : 'monetico';
    const transaction = this.book.findByRef(protocol, merchant.merchantId, fields.reference ?? '');
    if (!transaction || transaction.status !== 'authorised') return 'commande non trouvee';
    const total = readAmount(fields.montant);
    if (!total || total.amount !== transaction.amount || total.currency !== transaction.currency) return 'montant incorrect';
    if (fields.date_commande !== (transaction.protocolData.date ?? '').slice(0, 10)) return 'date de commande incorrecte';
    return transaction;
  }

  private behaviourOf(merchant: MoneticoMerchant, type: 'capture' | 'cancel' | 'refund', amount: number): OperationTestBehaviour | undefined {
    const knob = merchant.registration.operations?.[type];
    if (knob) return knob;
    if (type === 'cancel') return undefined;
    const effect = TEST_OPERATION_AMOUNTS.find((t) => amount % 100 === t.ending)?.effect;
    return effect === 'decline' || effect === 'timeout_once' || effect === 'late' ? effect : undefined;
  }

  private capture(server: MoneticoServerName, merchant: MoneticoMerchant, fields: Readonly<Record<string, string>>, now: Date): { reply: string; behaviour?: OperationTestBehaviour } {
    const refused = (lib: string, behaviour?: OperationTestBehaviour) => ({
      reply: formatOperationReply([['version', '1.0'], ['reference', fields.reference ?? ''], ['cdr', '0'], ['lib', lib]]),
      ...(behaviour ? { behaviour } : {}),
    });
    const transaction = this.order(server, merchant, fields);
    if (typeof transaction === 'string') return refused(transaction);
    const toCapture = readAmount(fields.montant_a_capturer);
    const already = readAmount(fields.montant_deja_capture);
    const left = readAmount(fields.montant_restant);
    if (!toCapture || !already || !left) return refused('montant incorrect');
    if (transaction.captureMode === 'manual' && already.amount !== amountCaptured(transaction)) return refused('montant deja capture incorrect');
    // One capture per authorisation in the sandbox: what is not captured now is released.
    if (left.amount !== 0) return refused('capture multiple non autorisee');
    const isCancel = toCapture.amount === 0;
    const behaviour = this.behaviourOf(merchant, isCancel ? 'cancel' : 'capture', toCapture.amount);
    if (behaviour === 'decline') return refused('paiement refuse', behaviour);
    if (behaviour === 'unsupported') return refused(NOT_FOR_THIS_TPE, behaviour);
    if (transaction.captureMode === 'automatic') return refused('commande deja traitee');
    const opId = `cap-${(fields.MAC ?? '').slice(0, 16)}`;
    const change: MoneyChange = isCancel ? cancel(transaction, { opId }, now) : capture(transaction, { opId, amount: toCapture.amount, currency: toCapture.currency }, now);
    if (!change.accepted) return refused(CAPTURE_REFUSALS[change.error] ?? 'commande non traitee');
    this.book.replace(change.next);
    return {
      reply: formatOperationReply([
        ['version', '1.0'],
        ['reference', transaction.ref],
        ['cdr', '1'],
        ['lib', isCancel ? 'paiement annule' : 'paiement accepte'],
        ['aut', transaction.authCode ?? ''],
        ['montant_estime', montant(transaction.amount, transaction.currency)],
        ['date_autorisation', isoDay(transaction.decidedAt)],
        ['montant_debite', montant(toCapture.amount, transaction.currency)],
        ['date_debit', isCancel ? '' : now.toISOString().slice(0, 10)],
      ]),
      ...(behaviour ? { behaviour } : {}),
    };
  }

  private recredit(server: MoneticoServerName, merchant: MoneticoMerchant, fields: Readonly<Record<string, string>>, now: Date): { reply: string; behaviour?: OperationTestBehaviour } {
    const answer = (cdr: string, lib: string, behaviour?: OperationTestBehaviour) => ({
      reply: formatOperationReply([['version', '1.0'], ['reference', fields.reference ?? ''], ['cdr', cdr], ['lib', lib]]),
      ...(behaviour ? { behaviour } : {}),
    });
    const transaction = this.order(server, merchant, fields);
    if (typeof transaction === 'string') return answer(RECREDIT_CODES.failed, transaction);
    const amount = readAmount(fields.montant_recredit);
    const possible = readAmount(fields.montant_possible);
    if (!amount || !possible || amount.amount === 0) return answer(RECREDIT_CODES.failed, 'montant incorrect');
    if (amount.currency !== transaction.currency || possible.currency !== transaction.currency) return answer(RECREDIT_CODES.failed, 'devise incorrecte');
    const behaviour = this.behaviourOf(merchant, 'refund', amount.amount);
    if (behaviour === 'decline' || behaviour === 'unsupported') return answer(RECREDIT_CODES.failed, 'recredit refuse', behaviour);
    if (captureStatusOf(transaction, now) !== 'captured') return answer(RECREDIT_CODES.failed, 'commande non remise');
    const refundable = amountRefundable(transaction);
    if (refundable === 0) return answer(RECREDIT_CODES.alreadyRecredited, 'commande deja entierement recreditee');
    if (possible.amount !== refundable) return answer(RECREDIT_CODES.wrongPossibleAmount, 'montant deja recredite incorrect');
    if (amount.amount > refundable) return answer(RECREDIT_CODES.failed, 'montant superieur au montant possible');
    const change = refund(transaction, { opId: `rec-${(fields.MAC ?? '').slice(0, 16)}`, amount: amount.amount, currency: amount.currency }, now);
    if (!change.accepted) return answer(RECREDIT_CODES.failed, 'recredit refuse');
    this.book.replace(change.next);
    return answer('0', 'recredit effectue', behaviour);
  }
}
