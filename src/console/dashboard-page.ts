import type { RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { dashboardFigures, dashboardSinceMs } from '../core/dashboard-figures.js';
import type { Payment } from '../core/payment.js';
import { consoleTranslator } from '../i18n/console-messages.js';
import { pickLocale } from '../i18n/locale.js';
import type { PaymentService } from '../service/payment-service.js';
import { renderConsole } from './console-pages.js';
import { dayBarsSvg } from './dashboard-chart.js';
import { moneyText } from './money-text.js';

const PAGE = 500;
/** Past this many payments in 30 days the figures say they are partial rather than read on. */
const MAX_READ = 50_000;

/**
 * The dashboard at /console: today, 7 and 30 days per currency, and a chart of the amount paid per
 * day. Read from the payments listing restricted to the last 30 days (the Redis store's creation
 * index is a sorted set by time, so only those payments are examined): one script call per 500
 * payments created in the period, and the four round trips of any console page.
 */
export function dashboardPage(options: { service: PaymentService; views: nunjucks.Environment; clock: () => Date }): RequestHandler {
  return async (req, res) => {
    const now = options.clock();
    const payments: Payment[] = [];
    let cursor: string | undefined;
    do {
      const page = await options.service.list({ limit: PAGE, filter: { createdFromMs: dashboardSinceMs(now) }, ...(cursor ? { cursor } : {}) });
      payments.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && payments.length < MAX_READ);
    const figures = dashboardFigures(payments, now);
    const locale = pickLocale(req);
    const t = consoleTranslator(locale);
    const money = (amount: number, currency: string) => moneyText(amount, currency, locale);
    const percent = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { style: 'percent', maximumFractionDigits: 1 });
    renderConsole(options.views, req, res, 'dashboard.njk', {
      partial: cursor !== undefined,
      periods: figures.periods.map((p) => ({
        name: t(`console.dashboard.period_${p.period}`),
        rows: p.byCurrency.map((c) => ({
          currency: c.currency,
          amountPaid: money(c.amountPaid, c.currency),
          payments: c.payments,
          successRate: c.decided === 0 ? '–' : percent.format(c.succeeded / c.decided),
          refusals: Object.entries(c.refusals).sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason}: ${n}`),
          refunds: c.refunds,
          amountRefunded: money(c.amountRefunded, c.currency),
        })),
      })),
      charts: figures.daily.map((d) => {
        const total = d.days.reduce((sum, day) => sum + day.amountPaid, 0);
        const title = `${t('console.dashboard.chart_title')} (${d.currency})`;
        const description = `${t('console.dashboard.chart_desc')} ${d.days[0]!.day} – ${d.days.at(-1)!.day}: ${money(total, d.currency)}.`;
        return {
          currency: d.currency,
          svg: dayBarsSvg(d.days.map((day) => ({ day: day.day, amount: day.amountPaid, label: `${day.day}: ${money(day.amountPaid, d.currency)}` })), title, description, `chart-${d.currency}`),
          days: d.days.filter((day) => day.payments > 0).map((day) => ({ day: day.day, amountPaid: money(day.amountPaid, d.currency), payments: day.payments })),
        };
      }),
    });
  };
}
