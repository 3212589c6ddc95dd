import { PAYMENT_STATUSES, type PaymentStatus } from '../core/payment.js';
import type { PaymentFilter } from '../core/payment-filter.js';
import { ValidationError, type FieldError } from '../core/errors.js';

/** The payments page's query string, read and checked: what the form shows back and what the store is asked. */
export interface PaymentListQuery {
  form: { q: string; status: string; connector: string; from: string; to: string; min: string; max: string };
  status?: PaymentStatus;
  filter: PaymentFilter;
  cursor?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function one(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Dates are whole days in UTC, both ends included; amounts are minor units. */
export function readPaymentListQuery(query: Record<string, unknown>, connectors: readonly string[]): PaymentListQuery {
  const form = { q: one(query.q), status: one(query.status), connector: one(query.connector), from: one(query.from), to: one(query.to), min: one(query.min), max: one(query.max) };
  const errors: FieldError[] = [];
  const filter: PaymentFilter = {};
  if (form.q) filter.search = form.q.slice(0, 200);
  let status: PaymentStatus | undefined;
  if (form.status) {
    if ((PAYMENT_STATUSES as readonly string[]).includes(form.status)) status = form.status as PaymentStatus;
    else errors.push({ field: 'status', message: 'Not a payment status.' });
  }
  if (form.connector) {
    if (connectors.includes(form.connector)) filter.connector = form.connector;
    else errors.push({ field: 'connector', message: 'Not a configured bank.' });
  }
  const day = (field: 'from' | 'to', text: string, endOfDay: boolean): number | undefined => {
    if (!text) return undefined;
    const ms = DAY.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : NaN;
    if (Number.isNaN(ms)) {
      errors.push({ field, message: 'A date like 2026-12-01.' });
      return undefined;
    }
    return endOfDay ? ms + 86_400_000 - 1 : ms;
  };
  const fromMs = day('from', form.from, false);
  const toMs = day('to', form.to, true);
  if (fromMs !== undefined) filter.createdFromMs = fromMs;
  if (toMs !== undefined) filter.createdToMs = toMs;
  const amount = (field: 'min' | 'max', text: string): number | undefined => {
    if (!text) return undefined;
    if (/^\d{1,15}$/.test(text)) return Number(text);
    errors.push({ field, message: 'A whole number of minor units.' });
    return undefined;
  };
  const min = amount('min', form.min);
  const max = amount('max', form.max);
  if (min !== undefined) filter.amountMin = min;
  if (max !== undefined) filter.amountMax = max;
  if (errors.length > 0) throw new ValidationError(errors);
  const cursor = one(query.cursor);
  return { form, ...(status ? { status } : {}), filter, ...(cursor ? { cursor } : {}) };
}

/** The query string of the same filter (for the next page's link and the CSV export). */
export function filterQueryString(form: PaymentListQuery['form'], extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...form, ...extra })) if (value) params.set(key, value);
  return params.toString();
}
