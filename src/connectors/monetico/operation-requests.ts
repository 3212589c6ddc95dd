import type { Payment, Attempt } from '../../core/payment.js';
import { amountCapturedOf } from '../../core/payment-money.js';
import { computeMac, fieldsSeal } from '../../protocols/monetico/mac.js';
import { moneticoDate, moneticoOrderDay } from '../../protocols/monetico/request-date.js';
import { formatMontant } from './amount.js';

/** Who sends: the terminal, its site code and the usable form of its key. */
export interface MoneticoIdentity {
  tpe: string;
  company: string;
  version: string;
  key: Buffer;
}

/** The order an operation is about, as the payment form named it. */
export interface OrderOnFile {
  payment: Payment;
  /** The authorised attempt: its reference is the order's `reference` at Monetico. */
  attempt: Attempt;
}

function sealed(identity: MoneticoIdentity, fields: Record<string, string>): Record<string, string> {
  const seal = fieldsSeal(Object.entries(fields).map(([name, value]) => ({ name, value: Buffer.from(value, 'utf8') })));
  return { ...fields, MAC: computeMac(identity.key, seal) };
}

/**
 * The fields both operations share. `date_commande` is the day the payment form was built, which is
 * the day its attempt was created (the form's `date` is taken from the same clock at the same moment).
 */
function orderFields(identity: MoneticoIdentity, order: OrderOnFile, at: Date): Record<string, string> {
  const { payment, attempt } = order;
  return {
    TPE: identity.tpe,
    date: moneticoDate(at),
    date_commande: moneticoOrderDay(new Date(attempt.createdAt)),
    montant: formatMontant(payment.amount, payment.currency),
    reference: attempt.ref,
    lgue: payment.customer?.locale === 'fr' ? 'FR' : 'EN',
    societe: identity.company,
    version: identity.version,
  };
}

/**
 * capture_paiement.cgi: takes `amount` of the authorisation and, with `montant_restant=0`, releases the
 * rest (one capture per authorisation: see MONETICO_CAPABILITIES). `amount` 0 with nothing left is the
 * cancel (void) of the authorisation, as the documentation defines it.
 */
export function captureRequest(identity: MoneticoIdentity, order: OrderOnFile, amount: number, at: Date): Record<string, string> {
  const { currency } = order.payment;
  return sealed(identity, {
    ...orderFields(identity, order, at),
    montant_a_capturer: formatMontant(amount, currency),
    montant_deja_capture: formatMontant(0, currency),
    montant_restant: formatMontant(0, currency),
  });
}

/**
 * What the bank can still recredit before this refund, as we count it: the amount captured less every
 * earlier refund of the payment not known to have failed. Counted from the refunds listed before this
 * one only, so a resend of the same refund states the same figure.
 */
export function amountPossibleBefore(payment: Payment, refundId: string): number {
  const refunds = payment.refunds ?? [];
  const index = refunds.findIndex((r) => r.id === refundId);
  const earlier = index < 0 ? refunds : refunds.slice(0, index);
  return amountCapturedOf(payment) - earlier.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
}

/**
 * recredit_paiement.cgi: gives back `amount`, stating `montant_possible`, what the bank should still be
 * able to recredit before it. The bank refuses (cdr -52) when that figure is not its own, so a second
 * send of a refund it already did cannot recredit again. The request is dated when the refund was
 * created, so every send of one refund is the same request.
 *
 * The recredit is "global" (no date_remise and num_autorisation): we do not know the day Monetico
 * remitted the capture, and a wrong one would name another capture.
 */
export function recreditRequest(identity: MoneticoIdentity, order: OrderOnFile, refund: { id: string; amount: number; createdAt: string }): Record<string, string> {
  const { payment } = order;
  return sealed(identity, {
    ...orderFields(identity, order, new Date(refund.createdAt)),
    montant_recredit: formatMontant(refund.amount, payment.currency),
    montant_possible: formatMontant(amountPossibleBefore(payment, refund.id), payment.currency),
  });
}
