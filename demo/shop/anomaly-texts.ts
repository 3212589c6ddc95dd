import type { AnomalyKind, Locale } from '../../src/index.js';

/**
 * Each anomaly the gateway flags, said in words the shop's staff act on. A Record over the gateway's
 * AnomalyKind: a kind added there does not compile here until it has its sentence.
 */
const en: Record<AnomalyKind, string> = {
  succeeded_after_expiry: 'Paid after the payment had expired: check before shipping.',
  succeeded_after_cancellation: 'Paid after the payment was cancelled: check before shipping.',
  second_success: 'Paid twice (two successful attempts): refund one of them.',
  regression_after_success: 'The bank reported a refusal after the payment had succeeded: check with the bank before shipping.',
  amount_mismatch: 'The bank took another amount than the order’s: check before shipping.',
  currency_mismatch: 'The bank took the money in another currency than the order’s: check before shipping.',
  unknown_attempt: 'The bank reported a payment attempt the payment service did not start: check before shipping.',
  refunds_exceed_captured: 'Refunds made at the bank give back more than was taken: check the refunds.',
  refund_after_failure: 'The bank made a refund after reporting that it had failed: check the refunds.',
  captured_by_bank: 'The bank took the whole amount at once although it was to be taken at shipping: nothing is left to capture.',
};

const fr: Record<AnomalyKind, string> = {
  succeeded_after_expiry: 'Payée après l’expiration du paiement\u00a0: à vérifier avant l’expédition.',
  succeeded_after_cancellation: 'Payée après l’annulation du paiement\u00a0: à vérifier avant l’expédition.',
  second_success: 'Payée deux fois (deux tentatives acceptées)\u00a0: remboursez l’une d’elles.',
  regression_after_success: 'La banque a signalé un refus après le succès du paiement\u00a0: vérifiez auprès de la banque avant l’expédition.',
  amount_mismatch: 'La banque a débité un autre montant que celui de la commande\u00a0: à vérifier avant l’expédition.',
  currency_mismatch: 'La banque a débité dans une autre devise que celle de la commande\u00a0: à vérifier avant l’expédition.',
  unknown_attempt: 'La banque a signalé une tentative de paiement que le service de paiement n’a pas lancée\u00a0: à vérifier avant l’expédition.',
  refunds_exceed_captured: 'Les remboursements faits à la banque dépassent le montant débité\u00a0: vérifiez les remboursements.',
  refund_after_failure: 'La banque a fait un remboursement après l’avoir dit refusé\u00a0: vérifiez les remboursements.',
  captured_by_bank: 'La banque a débité tout le montant d’un coup alors qu’il devait l’être à l’expédition\u00a0: il ne reste rien à débiter.',
};

const catalogues: Record<Locale, Record<AnomalyKind, string>> = { en, fr };

function isAnomalyKind(flag: string): flag is AnomalyKind {
  return Object.hasOwn(en, flag);
}

/** A flag on an order in words: an anomaly kind's sentence, or the shop's own note (already words) as it is. */
export function flagText(flag: string, locale: Locale): string {
  return isAnomalyKind(flag) ? catalogues[locale][flag] : flag;
}
