import { assertNever, type PaymentStatus } from '../core/payment.js';
import type { GatewayPayment } from './gateway-client.js';

/** How an order's payment status reads to the buyer. `tone` picks the colour in shop.css. */
export interface StatusText {
  label: string;
  heading: string;
  message: string;
  tone: 'waiting' | 'good' | 'bad' | 'neutral';
}

export function statusText(status: PaymentStatus): StatusText {
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
    case 'succeeded':
    case 'cancelled':
    case 'expired':
      return false;
    default:
      return assertNever(status);
  }
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  cb: 'CB',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  maestro: 'Maestro',
};

export interface CardText {
  brand: string;
  last4: string;
}

/** The card of the authorised attempt, or else of the latest attempt that names one. */
export function cardOf(payment: GatewayPayment): CardText | undefined {
  const attempts = payment.attempts;
  const withCard = attempts.find((a) => a.status === 'authorised' && a.card) ?? [...attempts].reverse().find((a) => a.card);
  const card = withCard?.card;
  if (!card) return undefined;
  return { brand: BRANDS[card.brand.toLowerCase()] ?? card.brand, last4: card.last4 };
}
