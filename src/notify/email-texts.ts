import type { Locale } from '../core/payment.js';

/** The buyer's receipt, in the buyer's language. `{merchant}`, `{brand}`, `{last4}` are filled in. */
const en = {
  subject: 'Receipt for your payment to {merchant}',
  heading: 'Payment receipt',
  intro: 'Thank you. Your payment to {merchant} was accepted by your bank.',
  order: 'Order',
  description: 'Description',
  amount: 'Amount',
  date: 'Date',
  card: 'Card',
  cardValue: '{brand} ending in {last4}',
  bankTransaction: 'Bank transaction',
  authorisationCode: 'Authorisation code',
  footer: 'This receipt is sent on behalf of {merchant}. For any question about your order, please contact {merchant}.',
  footerContact: 'This receipt is sent on behalf of {merchant}. For any question about your order, please write to {merchant} at {contact}.',
} as const;

export type ReceiptTextKey = keyof typeof en;

const fr: Record<ReceiptTextKey, string> = {
  subject: 'Reçu de votre paiement à {merchant}',
  heading: 'Reçu de paiement',
  intro: 'Merci. Votre paiement à {merchant} a été accepté par votre banque.',
  order: 'Commande',
  description: 'Description',
  amount: 'Montant',
  date: 'Date',
  card: 'Carte',
  cardValue: '{brand} se terminant par {last4}',
  bankTransaction: 'Transaction bancaire',
  authorisationCode: 'Code d’autorisation',
  footer: 'Ce reçu vous est envoyé pour le compte de {merchant}. Pour toute question sur votre commande, contactez {merchant}.',
  footerContact: 'Ce reçu vous est envoyé pour le compte de {merchant}. Pour toute question sur votre commande, écrivez à {merchant} à l’adresse {contact}.',
};

const catalogues: Record<Locale, Record<ReceiptTextKey, string>> = { en, fr };

/** The text for `key`, placeholders replaced by the given values (raw: escape afterwards for HTML). */
export function receiptText(locale: Locale, key: ReceiptTextKey, values: Record<string, string> = {}): string {
  return catalogues[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
