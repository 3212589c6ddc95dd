import type { Locale } from '../core/payment.js';

/** The buyer's refund receipt, in the buyer's language. `{merchant}`, `{amount}`, `{brand}`, `{last4}` are filled in. */
const en = {
  subject: 'Refund from {merchant}',
  heading: 'Refund receipt',
  intro: '{merchant} has refunded {amount} to you.',
  delay: 'Depending on your bank, the refund can take a few days to appear on your statement.',
  order: 'Order',
  amount: 'Amount refunded',
  date: 'Date',
  card: 'Refunded to',
  cardValue: '{brand} card ending in {last4}',
  refund: 'Refund reference',
  footer: 'This receipt is sent on behalf of {merchant}. For any question about your order, please contact {merchant}.',
  footerContact: 'This receipt is sent on behalf of {merchant}. For any question about your order, please write to {merchant} at {contact}.',
} as const;

export type RefundReceiptTextKey = keyof typeof en;

const fr: Record<RefundReceiptTextKey, string> = {
  subject: 'Remboursement de {merchant}',
  heading: 'Reçu de remboursement',
  intro: '{merchant} vous a remboursé {amount}.',
  delay: 'Selon votre banque, le remboursement peut mettre quelques jours à apparaître sur votre relevé.',
  order: 'Commande',
  amount: 'Montant remboursé',
  date: 'Date',
  card: 'Remboursé sur',
  cardValue: 'carte {brand} se terminant par {last4}',
  refund: 'Référence du remboursement',
  footer: 'Ce reçu vous est envoyé pour le compte de {merchant}. Pour toute question sur votre commande, contactez {merchant}.',
  footerContact: 'Ce reçu vous est envoyé pour le compte de {merchant}. Pour toute question sur votre commande, écrivez à {merchant} à l’adresse {contact}.',
};

const catalogues: Record<Locale, Record<RefundReceiptTextKey, string>> = { en, fr };

/** The text for `key`, placeholders replaced by the given values (raw: escape afterwards for HTML). */
export function refundReceiptText(locale: Locale, key: RefundReceiptTextKey, values: Record<string, string> = {}): string {
  return catalogues[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
