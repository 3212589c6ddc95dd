import { InvalidBankMessageError } from '../../core/errors.js';
import { maskCardNumbers } from '../../core/card-data.js';
import type { OperationAnswer } from '../bank-operations.js';
import { CAPTURE_ACCEPTED, RECREDIT_ACCEPTED, RECREDIT_CODES } from '../../protocols/monetico/operations.js';
import { parseMontant } from './amount.js';

/** What was asked, to read the answer against. */
export interface AskedOperation {
  reference: string;
  amount: number;
  currency: string;
}

const CDR = /^-?\d{1,4}$/;

const unknown = (reason: string): OperationAnswer => ({ outcome: 'unknown', reason });

function printable(value: string, max: number): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}

/** `cdr:lib`, as Monetico wrote them, for support; a card number in `lib` is masked. */
function refusalOf(cdr: string, lib: string | undefined): OperationAnswer {
  return { outcome: 'refused', reason: maskCardNumbers(printable(lib ? `${cdr}:${lib}` : cdr, 100)) };
}

/** The reply's code, or why the reply is not an answer about this order. */
function codeOf(reply: ReadonlyMap<string, string>, asked: AskedOperation): string | OperationAnswer {
  const cdr = reply.get('cdr');
  if (cdr === undefined || !CDR.test(cdr)) return unknown('answer_without_cdr');
  const reference = reply.get('reference');
  // The kits' examples echo the order's reference; one naming another order is not about ours.
  if (reference !== undefined && reference !== '' && reference !== asked.reference) return unknown('answer_for_another_order');
  return cdr;
}

/** An amount the bank states, or what was asked when it states none; unreadable is unknown. */
function statedAmount(value: string | undefined, asked: AskedOperation): { amount: number; currency: string } | undefined {
  if (value === undefined || value === '') return { amount: asked.amount, currency: asked.currency };
  try {
    return parseMontant(value);
  } catch (err) {
    if (err instanceof InvalidBankMessageError) return undefined;
    throw err;
  }
}

/**
 * capture_paiement.cgi's answer: `cdr=1` is done, and `montant_debite`, when given, is what the bank
 * says it took (the service flags a figure other than asked as an anomaly). Every other code is the
 * bank's refusal: Monetico publishes no "try again" code for the capture, so only an answer that does
 * not read (or none: timeout, 5xx, cut connection) is unknown.
 */
export function captureAnswerOf(reply: ReadonlyMap<string, string>, asked: AskedOperation): OperationAnswer {
  const cdr = codeOf(reply, asked);
  if (typeof cdr !== 'string') return cdr;
  if (cdr !== CAPTURE_ACCEPTED) return refusalOf(cdr, reply.get('lib'));
  const taken = statedAmount(reply.get('montant_debite'), asked);
  if (!taken) return unknown('unreadable_amount');
  const aut = reply.get('aut');
  return { outcome: 'succeeded', ...taken, ...(aut && /^[A-Za-z0-9]{1,32}$/.test(aut) ? { bankReference: aut } : {}) };
}

/**
 * recredit_paiement.cgi's answer: `cdr=0` is done. -46 (already recredited in full), -48 (refused) and
 * -51 (a global recredit not allowed) are refusals, and so is -52 (`montant_possible` is not what the
 * bank counts: nothing was done) to a first send. To a resend after an answer that never came, -46
 * and -52 are what the bank says when the first send was done, and a refusal cannot tell which: unknown,
 * left pending, never sent in another form.
 */
export function recreditAnswerOf(reply: ReadonlyMap<string, string>, asked: AskedOperation, resend: boolean): OperationAnswer {
  const cdr = codeOf(reply, asked);
  if (typeof cdr !== 'string') return cdr;
  if (cdr === RECREDIT_ACCEPTED) {
    const given = statedAmount(reply.get('montant_recredit'), asked);
    return given ? { outcome: 'succeeded', ...given } : unknown('unreadable_amount');
  }
  if (resend && (cdr === RECREDIT_CODES.wrongPossibleAmount || cdr === RECREDIT_CODES.alreadyRecredited)) return unknown(`resend_answered_${cdr}`);
  return refusalOf(cdr, reply.get('lib'));
}
