import type { Payment } from './payment.js';

/**
 * The console's search and filters over payments, beyond the merchant API's reference and status.
 * Both stores apply exactly these rules (the Redis one in lua/list-payments.lua, the same words).
 */
export interface PaymentFilter {
  /**
   * One value matched exactly against the payment id, the merchant reference, the buyer's email
   * (without case), a card's last four digits or an attempt's bank reference (ours or the bank's).
   */
  search?: string;
  connector?: string;
  /** createdAt at or after (ms since the epoch). */
  createdFromMs?: number;
  /** createdAt at or before (ms since the epoch). */
  createdToMs?: number;
  /** Amount in minor units, inclusive bounds. */
  amountMin?: number;
  amountMax?: number;
}

export function hasFilter(filter: PaymentFilter | undefined): filter is PaymentFilter {
  return filter !== undefined && Object.values(filter).some((value) => value !== undefined);
}

function matchesSearch(payment: Payment, search: string): boolean {
  if (payment.id === search || payment.reference === search) return true;
  if (payment.customer?.email !== undefined && payment.customer.email.toLowerCase() === search.toLowerCase()) return true;
  return payment.attempts.some((a) => a.card?.last4 === search || a.ref === search || a.bankTransactionId === search);
}

export function matchesFilter(payment: Payment, filter: PaymentFilter): boolean {
  const createdMs = Date.parse(payment.createdAt);
  if (filter.search !== undefined && !matchesSearch(payment, filter.search)) return false;
  if (filter.connector !== undefined && payment.connector !== filter.connector) return false;
  if (filter.createdFromMs !== undefined && createdMs < filter.createdFromMs) return false;
  if (filter.createdToMs !== undefined && createdMs > filter.createdToMs) return false;
  if (filter.amountMin !== undefined && payment.amount < filter.amountMin) return false;
  if (filter.amountMax !== undefined && payment.amount > filter.amountMax) return false;
  return true;
}
