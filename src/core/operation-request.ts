import { CurrencyMismatchError, ValidationError } from './errors.js';
import { isPositiveMinorAmount } from './money.js';
import type { Payment } from './payment.js';

/**
 * The checks every merchant operation on a payment's money shares: an amount, when given, is a safe
 * positive integer of minor units; a currency, when given, is the payment's. Returns the amount asked,
 * or `all` when the caller asked for everything there is.
 */
export function requestedAmount(payment: Payment, request: { amount?: number; currency?: string }, all: number): number {
  if (request.amount !== undefined && !isPositiveMinorAmount(request.amount)) {
    throw new ValidationError([{ field: 'amount', message: 'amount must be a positive integer of minor units' }]);
  }
  if (request.currency !== undefined && request.currency !== payment.currency) throw new CurrencyMismatchError(request.currency, payment.currency);
  return request.amount ?? all;
}
