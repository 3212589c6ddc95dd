import { expect } from 'chai';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { addConsoleUser, signIn } from '../support/console.js';

const LAST_SECOND = new Date('2031-03-01T23:59:59.000Z');
const MIDNIGHT = new Date('2031-03-02T00:00:00.000Z');

/** The EUR row of one period's table: amount paid and number of payments, or null when the period has none. */
function eurRow(html: string, heading: string): { paid: string; payments: number } | null {
  const start = html.indexOf(`<h2>${heading}</h2>`);
  expect(start, heading).to.be.greaterThan(-1);
  const section = html.slice(start, html.indexOf('<h2>', start + 4));
  const row = /<th scope="row">EUR<\/th><td>([^<]+)<\/td><td>(\d+)<\/td>/.exec(section);
  return row ? { paid: row[1]!, payments: Number(row[2]) } : null;
}

/** The chart's text alternative: day → [amount paid, payments], for the days that had payments. */
function chartDays(html: string): Record<string, [string, number]> {
  const days: Record<string, [string, number]> = {};
  for (const [, day, paid, payments] of html.matchAll(/<tr><td>(\d{4}-\d\d-\d\d)<\/td><td>([^<]+)<\/td><td>(\d+)<\/td><\/tr>/g)) days[day!] = [paid!, Number(payments)];
  return days;
}

/**
 * The dashboard on a gateway whose clock stands still: payments made at 23:59:59 UTC and at 00:00:00
 * the next day land on their own days whatever day the tests run on.
 */
describe('console dashboard', () => {
  let gw: TestGateway;

  before(async () => {
    gw = await testGateway({ fixedClock: LAST_SECOND, env: { BUYER_RECEIPTS: 'off' } });
    await addConsoleUser(gw, 'viewer@shop.example', 'viewer');
  });
  after(() => gw.close());

  /** A payment created through the API at the gateway's clock and, with `paid`, paid by the bank's signed notification. */
  async function payment(amount: number, paid: boolean): Promise<string> {
    const created = await request(gw.app).post('/api/v1/payments').set({ Authorization: `Bearer ${API_KEY}` }).send(validPayment({ amount }));
    expect(created.status).to.equal(201);
    if (paid) {
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id as string, 'native');
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
      const iat = Math.floor(gw.clock.now.getTime() / 1000);
      const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn, { iat, exp: iat + 300 }) });
      expect(notified.body).to.deep.equal({ status: 'accepted' });
    }
    return created.body.id as string;
  }

  /** The dashboard as a viewer signed in at `at` sees it. */
  async function dashboardAt(at: Date): Promise<string> {
    gw.clock.now = at;
    const viewer = request.agent(gw.app);
    expect((await signIn(viewer, 'viewer@shop.example')).status).to.equal(303);
    const page = await viewer.get('/console');
    expect(page.status).to.equal(200);
    return page.text;
  }

  it('counts a payment of 23:59:59 UTC on its day and one of 00:00:00 on the next, with the chart in SVG and its text alternative', async () => {
    gw.clock.now = LAST_SECOND;
    const late = await payment(4990, true);
    gw.clock.now = MIDNIGHT;
    await payment(1250, true);
    await payment(700, false);
    expect((await gw.app.gateway.service.get(late)).createdAt).to.equal(LAST_SECOND.toISOString());

    const nextDay = await dashboardAt(MIDNIGHT);
    expect(nextDay).to.contain('<h2>Today (UTC)</h2>');
    expect(nextDay).to.match(/<svg [^>]*role="img" aria-labelledby="chart-EUR-title chart-EUR-desc"/);
    expect(nextDay).to.contain('The same figures as a table');
    expect(eurRow(nextDay, 'Today (UTC)')).to.deep.equal({ paid: '€12.50', payments: 2 });
    expect(eurRow(nextDay, 'Last 7 days')).to.deep.equal({ paid: '€62.40', payments: 3 });
    expect(chartDays(nextDay)).to.deep.equal({ '2031-03-01': ['€49.90', 1], '2031-03-02': ['€12.50', 2] });

    // The last instant of that next day still counts it as today; the instant after, it is yesterday.
    expect(eurRow(await dashboardAt(new Date('2031-03-02T23:59:59.999Z')), 'Today (UTC)')).to.deep.equal({ paid: '€12.50', payments: 2 });
    const dayAfter = await dashboardAt(new Date('2031-03-03T00:00:00.000Z'));
    expect(eurRow(dayAfter, 'Today (UTC)')).to.equal(null);
    expect(dayAfter).to.contain('No payment in this period.');
    expect(eurRow(dayAfter, 'Last 7 days')).to.deep.equal({ paid: '€62.40', payments: 3 });

    // Seen at 23:59:59 itself: today is the late payment's day, and the payments after it are not counted yet.
    const lastSecond = await dashboardAt(LAST_SECOND);
    expect(eurRow(lastSecond, 'Today (UTC)')).to.deep.equal({ paid: '€49.90', payments: 1 });
    expect(chartDays(lastSecond)).to.deep.equal({ '2031-03-01': ['€49.90', 1] });

    // Thirty days on, the late payment's day has left the last 30 days; the next day's has not.
    const month = await dashboardAt(new Date('2031-03-31T00:00:00.000Z'));
    expect(eurRow(month, 'Last 30 days')).to.deep.equal({ paid: '€12.50', payments: 2 });
  });
});
