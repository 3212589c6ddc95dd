import type { Locale } from '../core/payment.js';

const en = {
  'checkout.title': 'Checkout',
  'checkout.pay_to': 'Payment to',
  'checkout.amount': 'Amount',
  'checkout.reference': 'Order',
  'checkout.pay': 'Pay',
  'checkout.card_at_bank': 'You will type your card details on your bank’s secure page, never on this site.',
  'checkout.previous_refused': 'Your previous attempt was refused by the bank. You can try again.',
  'checkout.previous_not_completed': 'Your previous attempt was not completed. You can try again.',
  'checkout.expires': 'This payment link expires at',
  'checkout.time_left': 'Time left to pay:',
  'checkout.minutes': 'min',
  'checkout.back_to_shop': 'Back to the shop',
  'checkout.back_to_shop_note': 'You can come back to this link and pay until it expires.',
  'checkout.logo': 'logo',
  'checkout.direct': 'Taking you to your bank’s secure page…',
  'redirect.title': 'Redirecting to your bank',
  'redirect.body': 'You are being sent to your bank’s secure payment page.',
  'redirect.button': 'Continue to the bank',
  'result.succeeded.title': 'Payment accepted',
  'result.succeeded.body': 'Thank you: your payment was accepted by the bank.',
  'result.failed.title': 'Payment refused',
  'result.failed.body': 'The bank refused the payment. No money was taken.',
  'result.not_completed.title': 'Payment not completed',
  'result.not_completed.body': 'The payment was cancelled at the bank or not accepted. No money was taken.',
  'result.card': 'Card',
  'result.date': 'Date',
  'result.try_again': 'Try again',
  'result.cancelled.title': 'Payment cancelled',
  'result.cancelled.body': 'The payment was cancelled. No money was taken.',
  'result.expired.title': 'Payment link expired',
  'result.expired.body': 'This payment is no longer available. Please start again from the shop.',
  'result.pending.title': 'Confirming your payment…',
  'result.pending.body': 'We are waiting for your bank’s confirmation. This page refreshes by itself.',
  'result.created.title': 'Payment not started',
  'result.created.body': 'This payment has not been paid yet.',
  'result.back_to_shop': 'Back to the shop',
  'error.title': 'Something went wrong',
  'error.not_found': 'This payment link is not valid.',
  'error.bank_message': 'We could not confirm this answer from the bank. If you paid, the shop will be informed by the bank directly.',
  'error.bank_unavailable': 'We cannot reach the bank right now. Please wait a moment and reload this page.',
  'error.store_unavailable': 'We cannot reach this payment right now. Please try again in a moment.',
  'error.csrf': 'This form has expired. Please go back and try again.',
  'error.generic': 'Please try again in a moment.',
} as const;

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  'checkout.title': 'Paiement',
  'checkout.pay_to': 'Paiement à',
  'checkout.amount': 'Montant',
  'checkout.reference': 'Commande',
  'checkout.pay': 'Payer',
  'checkout.card_at_bank': 'Vous saisirez votre carte sur la page sécurisée de votre banque, jamais sur ce site.',
  'checkout.previous_refused': 'Votre tentative précédente a été refusée par la banque. Vous pouvez réessayer.',
  'checkout.previous_not_completed': 'Votre tentative précédente n’a pas abouti. Vous pouvez réessayer.',
  'checkout.expires': 'Ce lien de paiement expire à',
  'checkout.time_left': 'Temps restant pour payer\u202f:',
  'checkout.minutes': 'min',
  'checkout.back_to_shop': 'Retour à la boutique',
  'checkout.back_to_shop_note': 'Vous pourrez revenir sur ce lien et payer jusqu’à son expiration.',
  'checkout.logo': 'logo',
  'checkout.direct': 'Redirection vers la page sécurisée de votre banque…',
  'redirect.title': 'Redirection vers votre banque',
  'redirect.body': 'Vous êtes redirigé vers la page de paiement sécurisée de votre banque.',
  'redirect.button': 'Continuer vers la banque',
  'result.succeeded.title': 'Paiement accepté',
  'result.succeeded.body': 'Merci : votre paiement a été accepté par la banque.',
  'result.failed.title': 'Paiement refusé',
  'result.failed.body': 'La banque a refusé le paiement. Aucun montant n’a été débité.',
  'result.not_completed.title': 'Paiement non abouti',
  'result.not_completed.body': 'Le paiement a été annulé à la banque ou n’a pas été accepté. Aucun montant n’a été débité.',
  'result.card': 'Carte',
  'result.date': 'Date',
  'result.try_again': 'Réessayer',
  'result.cancelled.title': 'Paiement annulé',
  'result.cancelled.body': 'Le paiement a été annulé. Aucun montant n’a été débité.',
  'result.expired.title': 'Lien de paiement expiré',
  'result.expired.body': 'Ce paiement n’est plus disponible. Merci de recommencer depuis la boutique.',
  'result.pending.title': 'Confirmation de votre paiement…',
  'result.pending.body': 'Nous attendons la confirmation de votre banque. Cette page se met à jour toute seule.',
  'result.created.title': 'Paiement non commencé',
  'result.created.body': 'Ce paiement n’a pas encore été réglé.',
  'result.back_to_shop': 'Retour à la boutique',
  'error.title': 'Un problème est survenu',
  'error.not_found': 'Ce lien de paiement n’est pas valide.',
  'error.bank_message': 'Nous n’avons pas pu confirmer cette réponse de la banque. Si vous avez payé, la boutique en sera informée par la banque.',
  'error.bank_unavailable': 'La banque est injoignable pour le moment. Patientez un instant puis rechargez la page.',
  'error.store_unavailable': 'Ce paiement est momentanément inaccessible. Merci de réessayer dans un instant.',
  'error.csrf': 'Ce formulaire a expiré. Revenez en arrière et réessayez.',
  'error.generic': 'Merci de réessayer dans un instant.',
};

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, fr };

export type Translate = (key: MessageKey) => string;

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key) => catalogue[key];
}

/** BCP 47 tag for Intl formatting. */
export function intlLocale(locale: Locale): string {
  return locale === 'fr' ? 'fr-FR' : 'en-GB';
}
