import { assertNever, knownCardBrand, type Locale, type PaymentStatus } from '../../src/index.js';
import type { GatewayPayment } from './gateway-client.js';
import { tookMoney, type OrderCard, type OrderState } from './order-book.js';
import type { StatusText } from './order-state-texts.js';

export { orderStateText, type StatusText } from './order-state-texts.js';

/** What the gateway's status means for the buyer, in English or French. */
export function statusText(status: PaymentStatus, locale: Locale = 'en'): StatusText {
  return locale === 'fr' ? frenchStatusText(status) : englishStatusText(status);
}

function frenchStatusText(status: PaymentStatus): StatusText {
  switch (status) {
    case 'created':
      return { label: 'En attente de paiement', heading: 'En attente de votre paiement', message: 'Vous n’avez pas encore payé cette commande.', tone: 'neutral' };
    case 'pending':
      return { label: 'En cours', heading: 'Votre paiement est en cours…', message: 'Nous attendons la réponse de la banque. Cette page se recharge d’elle-même.', tone: 'waiting' };
    case 'authorized':
      return { label: 'Autorisé', heading: 'Votre paiement est autorisé', message: 'La banque a réservé le montant\u00a0; il est débité à l’expédition.', tone: 'good' };
    case 'succeeded':
      return { label: 'Payée', heading: 'Merci, votre commande est payée\u202f!', message: 'Nous avons reçu votre paiement.', tone: 'good' };
    case 'failed':
      return { label: 'Paiement refusé', heading: 'Votre paiement n’a pas abouti', message: 'La banque a refusé le paiement. Aucun montant n’a été débité. Vous pouvez réessayer.', tone: 'bad' };
    case 'cancelled':
      return { label: 'Annulé', heading: 'Paiement annulé', message: 'Le paiement a été annulé. Aucun montant n’a été débité.', tone: 'neutral' };
    case 'expired':
      return { label: 'Expiré', heading: 'Ce paiement a expiré', message: 'Le délai pour payer cette commande est dépassé. Aucun montant n’a été débité.', tone: 'neutral' };
    default:
      return assertNever(status);
  }
}

function englishStatusText(status: PaymentStatus): StatusText {
  switch (status) {
    case 'created':
      return { label: 'Awaiting payment', heading: 'Waiting for your payment', message: 'You have not paid for this order yet.', tone: 'neutral' };
    case 'pending':
      return {
        label: 'Processing',
        heading: 'Your payment is being processed…',
        message: 'We are waiting for the bank’s answer. This page refreshes by itself.',
        tone: 'waiting',
      };
    case 'authorized':
      return {
        label: 'Authorised',
        heading: 'Your payment is authorised',
        message: 'The bank has reserved the amount; it is taken when the order ships.',
        tone: 'good',
      };
    case 'succeeded':
      return { label: 'Paid', heading: 'Thank you, your order is paid!', message: 'We have received your payment.', tone: 'good' };
    case 'failed':
      return {
        label: 'Payment failed',
        heading: 'Your payment did not go through',
        message: 'The bank declined the payment. No money was taken. You can try again.',
        tone: 'bad',
      };
    case 'cancelled':
      return { label: 'Cancelled', heading: 'Payment cancelled', message: 'The payment was cancelled. No money was taken.', tone: 'neutral' };
    case 'expired':
      return { label: 'Expired', heading: 'This payment has expired', message: 'The time to pay for this order has run out. No money was taken.', tone: 'neutral' };
    default:
      return assertNever(status);
  }
}

/** Whether the buyer can still (re)open the gateway's checkout page for this payment. */
export function canPay(status: PaymentStatus): boolean {
  switch (status) {
    case 'created':
    case 'failed':
      return true;
    case 'pending':
    case 'authorized':
    case 'succeeded':
    case 'cancelled':
    case 'expired':
      return false;
    default:
      return assertNever(status);
  }
}

export interface CardText {
  brand: string;
  last4: string;
}

/** A card as the buyer reads it: `{ brand: 'Visa', last4: '4242' }`. */
export function cardText(card: OrderCard): CardText {
  return { brand: knownCardBrand(card.brand) ?? card.brand, last4: card.last4 };
}

/** The card of the authorised attempt, or else of the latest attempt that names one. */
export function cardOf(payment: GatewayPayment): CardText | undefined {
  const attempts = payment.attempts;
  const withCard = attempts.find((a) => a.status === 'authorised' && a.card) ?? [...attempts].reverse().find((a) => a.card);
  const card = withCard?.card;
  return card ? cardText(card) : undefined;
}

/** The gateway status the shop's state matches once the webhook for it has arrived. */
function stateFor(status: PaymentStatus): OrderState | undefined {
  switch (status) {
    case 'created':
      return 'awaiting_payment';
    case 'pending':
      // The bank has not answered yet: there is an event to wait for whatever the order says.
      return undefined;
    case 'authorized':
      return 'authorized';
    case 'succeeded':
      return 'paid';
    case 'failed':
      return 'payment_failed';
    case 'cancelled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    default:
      return assertNever(status);
  }
}

/**
 * Whether the gateway already knows something the shop has not been told by webhook yet: the buyer
 * is back from the bank, the confirmation has not arrived. A paid order waits for nothing.
 */
export function awaitsConfirmation(state: OrderState, gatewayStatus: PaymentStatus | undefined): boolean {
  if (gatewayStatus === undefined || tookMoney(state)) return false;
  return stateFor(gatewayStatus) !== state;
}

/** What the order page says while the shop waits for the webhook. */
export function waitingText(gatewayStatus: PaymentStatus, locale: Locale = 'en'): StatusText {
  if (locale === 'fr') {
    return gatewayStatus === 'pending'
      ? frenchStatusText('pending')
      : {
          label: 'En attente de confirmation',
          heading: 'En attente de la confirmation du paiement…',
          message: 'Le service de paiement a une réponse pour cette commande\u00a0; nous la mettons à jour dès que sa confirmation signée nous parvient. Cette page se recharge d’elle-même.',
          tone: 'waiting',
        };
  }
  if (gatewayStatus === 'pending') {
    return {
      label: 'Processing',
      heading: 'Your payment is being processed…',
      message: 'We are waiting for the bank’s answer. This page refreshes by itself.',
      tone: 'waiting',
    };
  }
  return {
    label: 'Awaiting confirmation',
    heading: 'Waiting for the payment confirmation…',
    message: 'The payment service has an answer for this order; we update the order as soon as its signed confirmation reaches us. This page refreshes by itself.',
    tone: 'waiting',
  };
}
