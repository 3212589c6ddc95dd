import { maskStandaloneCardNumbers } from './card-data.js';
import type { BankOutcome } from './bank-outcome.js';

function masked(value: unknown): unknown {
  if (typeof value === 'string') return maskStandaloneCardNumbers(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, masked(child)]));
  }
  return value;
}

/**
 * The last line before a bank outcome is stored on an attempt (and served by the API and in webhooks):
 * every string in it, at any depth, has its card-number-like sequences masked. Each connector already
 * refuses a message that carries one in a field it reads; this catches a connector that forgot to.
 * Masking rather than refusing keeps the verdict, so a success is never dropped for a detail field, and
 * the mask is deterministic, so two messages with the same value still compare equal. Runs of digits
 * inside identifiers (hex UUIDs) are left alone: see standaloneCardNumbersIn.
 */
export function withoutCardNumbers(outcome: BankOutcome): BankOutcome {
  return masked(outcome) as BankOutcome;
}
