import type { Payment } from '../../core/payment.js';

/** The billing part of Monetico's order context (3-D Secure 2 data), as far as we know it. */
export interface BillingContext {
  email?: string;
  addressLine1?: string;
  city?: string;
  postalCode?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
}

/**
 * `contexte_commande`: the order context the 3-D Secure 2 kit requires, a JSON object encoded as
 * base64 of its UTF-8 bytes. `billing` is the one mandatory member. A payment carries the buyer's
 * email and no postal address, so the billing object says only what we know; nothing is made up
 * (the issuer uses it to assess risk).
 */
export function orderContext(payment: Payment): string {
  const billing: BillingContext = {};
  if (payment.customer?.email) billing.email = payment.customer.email;
  return Buffer.from(JSON.stringify({ billing }), 'utf8').toString('base64');
}
