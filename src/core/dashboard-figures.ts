import { amountCapturedOf } from './payment-money.js';
import type { Payment } from './payment.js';

const DAY_MS = 86_400_000;

/** The figures of one currency over one period. Amounts are integer minor units. */
export interface CurrencyFigures {
  currency: string;
  payments: number;
  succeeded: number;
  /** Payments with a verdict: succeeded or failed (those still open, cancelled or expired have none). */
  decided: number;
  amountPaid: number;
  refunds: number;
  amountRefunded: number;
  /** Refused attempts by the bank's response code (`refused` when it gave none). */
  refusals: Record<string, number>;
}

export interface PeriodFigures {
  /** `today`, `7d`, `30d`. */
  period: 'today' | '7d' | '30d';
  byCurrency: CurrencyFigures[];
}

export interface DashboardFigures {
  periods: PeriodFigures[];
  /** Amount paid per UTC day (oldest first, 30 days ending today), per currency, for the chart. */
  daily: { currency: string; days: { day: string; amountPaid: number; payments: number }[] }[];
}

function empty(currency: string): CurrencyFigures {
  return { currency, payments: 0, succeeded: 0, decided: 0, amountPaid: 0, refunds: 0, amountRefunded: 0, refusals: {} };
}

function add(figures: CurrencyFigures, payment: Payment): void {
  figures.payments += 1;
  if (payment.status === 'succeeded') {
    figures.succeeded += 1;
    figures.decided += 1;
    figures.amountPaid += amountCapturedOf(payment);
  } else if (payment.status === 'failed') {
    figures.decided += 1;
  }
  for (const attempt of payment.attempts) {
    if (attempt.status !== 'refused') continue;
    const reason = attempt.responseCode ?? 'refused';
    figures.refusals[reason] = (figures.refusals[reason] ?? 0) + 1;
  }
  for (const refund of payment.refunds ?? []) {
    if (refund.status !== 'succeeded') continue;
    figures.refunds += 1;
    figures.amountRefunded += refund.amount;
  }
}

/** The start (ms) of the UTC day `now` is in. */
export function startOfUtcDay(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS) * DAY_MS;
}

/** The first instant the dashboard reads: the start of the UTC day 29 days before today. */
export function dashboardSinceMs(now: Date): number {
  return startOfUtcDay(now) - 29 * DAY_MS;
}

/**
 * Today, the last 7 and the last 30 UTC days (today included), per currency, from the payments
 * created in those 30 days. A payment counts on the day it was created; its refunds count with it.
 */
export function dashboardFigures(payments: Iterable<Payment>, now: Date): DashboardFigures {
  const today = startOfUtcDay(now);
  const starts = { today, '7d': today - 6 * DAY_MS, '30d': today - 29 * DAY_MS } as const;
  const periods = new Map<PeriodFigures['period'], Map<string, CurrencyFigures>>([['today', new Map()], ['7d', new Map()], ['30d', new Map()]]);
  const daily = new Map<string, { amountPaid: number; payments: number }[]>();
  for (const payment of payments) {
    const created = Date.parse(payment.createdAt);
    if (created < starts['30d'] || created >= today + DAY_MS) continue;
    for (const [period, byCurrency] of periods) {
      if (created < starts[period]) continue;
      let figures = byCurrency.get(payment.currency);
      if (!figures) byCurrency.set(payment.currency, (figures = empty(payment.currency)));
      add(figures, payment);
    }
    let days = daily.get(payment.currency);
    if (!days) daily.set(payment.currency, (days = Array.from({ length: 30 }, () => ({ amountPaid: 0, payments: 0 }))));
    const slot = days[Math.floor((created - starts['30d']) / DAY_MS)]!;
    slot.payments += 1;
    if (payment.status === 'succeeded') slot.amountPaid += amountCapturedOf(payment);
  }
  const sorted = <T extends { currency: string }>(list: T[]) => list.sort((a, b) => a.currency.localeCompare(b.currency));
  return {
    periods: [...periods].map(([period, byCurrency]) => ({ period, byCurrency: sorted([...byCurrency.values()]) })),
    daily: sorted(
      [...daily].map(([currency, days]) => ({
        currency,
        days: days.map((d, i) => ({ day: new Date(starts['30d'] + i * DAY_MS).toISOString().slice(0, 10), ...d })),
      })),
    ),
  };
}
