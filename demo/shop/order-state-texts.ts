import type { Locale } from '../../src/index.js';
import type { OrderState } from './order-book.js';

/** How an order's state reads, in the buyer's language. `tone` picks the colour in shop.css. */
export interface StatusText {
  label: string;
  heading: string;
  message: string;
  tone: 'waiting' | 'good' | 'bad' | 'neutral';
}

const en: Record<OrderState, StatusText> = {
  awaiting_payment: { label: 'Awaiting payment', heading: 'Waiting for your payment', message: 'We have not received a payment for this order yet.', tone: 'neutral' },
  authorized: {
    label: 'Authorised, not shipped',
    heading: 'Your payment is authorised',
    message: 'Your bank has reserved the amount. It is taken when your order ships.',
    tone: 'good',
  },
  paid: { label: 'Paid', heading: 'Thank you, your order is paid!', message: 'We have received the confirmation of your payment.', tone: 'good' },
  refunded: { label: 'Refunded', heading: 'Your order is refunded', message: 'The money taken for this order has been given back to your card.', tone: 'neutral' },
  payment_failed: {
    label: 'Payment failed',
    heading: 'Your payment did not go through',
    message: 'The bank declined the payment. No money was taken. You can try again.',
    tone: 'bad',
  },
  cancelled: { label: 'Cancelled', heading: 'Payment cancelled', message: 'The payment was cancelled. No money was taken.', tone: 'neutral' },
  expired: { label: 'Expired', heading: 'This payment has expired', message: 'The time to pay for this order has run out. No money was taken.', tone: 'neutral' },
};

const fr: Record<OrderState, StatusText> = {
  awaiting_payment: { label: 'En attente de paiement', heading: 'En attente de votre paiement', message: 'Nous n’avons pas encore reçu de paiement pour cette commande.', tone: 'neutral' },
  authorized: {
    label: 'Autorisée, non expédiée',
    heading: 'Votre paiement est autorisé',
    message: 'Votre banque a réservé le montant. Il sera débité à l’expédition de votre commande.',
    tone: 'good',
  },
  paid: { label: 'Payée', heading: 'Merci, votre commande est payée\u202f!', message: 'Nous avons reçu la confirmation de votre paiement.', tone: 'good' },
  refunded: { label: 'Remboursée', heading: 'Votre commande est remboursée', message: 'L’argent débité pour cette commande a été rendu sur votre carte.', tone: 'neutral' },
  payment_failed: {
    label: 'Paiement refusé',
    heading: 'Votre paiement n’a pas abouti',
    message: 'La banque a refusé le paiement. Aucun montant n’a été débité. Vous pouvez réessayer.',
    tone: 'bad',
  },
  cancelled: { label: 'Annulée', heading: 'Paiement annulé', message: 'Le paiement a été annulé. Aucun montant n’a été débité.', tone: 'neutral' },
  expired: { label: 'Expirée', heading: 'Ce paiement a expiré', message: 'Le délai pour payer cette commande est dépassé. Aucun montant n’a été débité.', tone: 'neutral' },
};

const catalogues: Record<Locale, Record<OrderState, StatusText>> = { en, fr };

/** How the shop's own order state reads, in English or French. */
export function orderStateText(state: OrderState, locale: Locale = 'en'): StatusText {
  return catalogues[locale][state];
}
