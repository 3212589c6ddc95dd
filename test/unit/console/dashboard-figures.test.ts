import { expect } from 'chai';
import { dashboardFigures } from '../../../src/core/dashboard-figures.js';
import type { Payment } from '../../../src/core/payment.js';
import { dayBarsSvg } from '../../../src/console/dashboard-chart.js';
import { freshPayment } from '../../contract/fresh-payment.js';

const NOW = new Date('2031-03-30T15:00:00.000Z');

function made(daysAgo: number, overrides: Partial<Payment>): Payment {
  const at = new Date(Date.parse('2031-03-30T09:00:00.000Z') - daysAgo * 86_400_000).toISOString();
  return { ...freshPayment(), createdAt: at, updatedAt: at, ...overrides } as Payment;
}

describe('dashboard figures', () => {
  it('counts today, 7 and 30 UTC days per currency: paid, payments, success rate, refusals by reason, refunds', () => {
    const refunded = made(0, { status: 'succeeded', amount: 2480, currency: 'EUR', refunds: [{ id: 're_1', paymentId: 'p', amount: 480, currency: 'EUR', status: 'succeeded', reason: null, bankReference: null, failureReason: null, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() }] } as Partial<Payment>);
    const refused = made(3, { status: 'failed', amount: 1000, currency: 'EUR', attempts: [{ ref: 'a', connector: 'native', status: 'refused', responseCode: '05', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() }] });
    const yen = made(10, { status: 'succeeded', amount: 500, currency: 'JPY' });
    const old = made(30, { status: 'succeeded', amount: 99_999, currency: 'EUR' });
    const open = made(0, { status: 'created', amount: 700, currency: 'EUR' });
    const figures = dashboardFigures([refunded, refused, yen, old, open], NOW);
    const [today, week, month] = figures.periods;
    expect(today!.byCurrency).to.deep.equal([{ currency: 'EUR', payments: 2, succeeded: 1, decided: 1, amountPaid: 2480, refunds: 1, amountRefunded: 480, refusals: {} }]);
    expect(week!.byCurrency).to.deep.equal([{ currency: 'EUR', payments: 3, succeeded: 1, decided: 2, amountPaid: 2480, refunds: 1, amountRefunded: 480, refusals: { '05': 1 } }]);
    expect(month!.byCurrency.map((c) => [c.currency, c.payments, c.amountPaid])).to.deep.equal([['EUR', 3, 2480], ['JPY', 1, 500]]);
    const eur = figures.daily.find((d) => d.currency === 'EUR')!;
    expect(eur.days).to.have.length(30);
    expect(eur.days.at(-1)).to.deep.equal({ day: '2031-03-30', amountPaid: 2480, payments: 2 });
    expect(eur.days[0]!.day).to.equal('2031-03-01');
  });

  it('draws the chart in currentColor with a title, a description and a title per bar, escaped', () => {
    const svg = dayBarsSvg([{ day: '2031-03-29', amount: 0, label: 'a' }, { day: '2031-03-30', amount: 2480, label: '2031-03-30: <b>€24.80</b>' }], 'Paid & co', 'desc', 'c1');
    expect(svg).to.match(/^<svg [^>]*role="img" aria-labelledby="c1-title c1-desc"/);
    expect(svg).to.contain('<title id="c1-title">Paid &amp; co</title>').and.contain('&lt;b&gt;€24.80&lt;/b&gt;');
    expect(svg).to.contain('fill="currentColor"').and.not.match(/fill="#/);
    expect(svg).to.contain('height="0"').and.contain('height="140"');
  });
});
