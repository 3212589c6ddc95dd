import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { payWithVisaAtDemoBank, startTestDemo, type RunningDemo } from '../../support/demo-buyer.js';
import { waitFor } from '../../support/processes.js';

/**
 * Money after the payment end to end, as a merchant does it on the demo: the merchant API, the native
 * connector's operations (docs/protocol.md, section 11) and the sandbox bank's back office, all real.
 */
describe('the demo: manual capture, partial capture and refunds through the native operations API', function () {
  this.timeout(60_000);
  let running: RunningDemo;

  before(async () => {
    running = await startTestDemo('native');
  });
  after(async () => {
    await running?.close();
  });

  const api = async (method: string, path: string, body?: unknown, key?: string) => {
    const res = await fetch(`${running.demo.gatewayUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${running.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('a manual payment paid at the bank is authorized, captured in part once, and refunded twice; the bank keeps the same figures', async () => {
    const { demo } = running;
    const created = await api('POST', '/payments', { amount: 1200, currency: 'EUR', reference: `manual-demo-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: 'native', capture: 'manual' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;

    const browser = new Browser();
    const back = await payWithVisaAtDemoBank(demo, browser, created.body.checkoutUrl, '/pay');
    await browser.submitForm(back, '#return-to-merchant');
    const authorized = await waitFor('the payment authorized', async () => {
      const read = await api('GET', `/payments/${id}`);
      return read.body.status === 'authorized' ? read.body : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50 });
    expect(authorized).to.include({ amountCaptured: 0 });
    expect(Date.parse(authorized.captureBefore)).to.be.greaterThan(Date.now() + 6 * 24 * 3600_000);

    const captured = await api('POST', `/payments/${id}/capture`, { amount: 1000 }, `cap-${id}`);
    expect(captured.status, JSON.stringify(captured.body)).to.equal(200);
    expect(captured.body).to.include({ status: 'succeeded', amountCaptured: 1000 });
    const again = await api('POST', `/payments/${id}/capture`, { amount: 1000 }, `cap-${id}`);
    expect(again.body).to.deep.equal(captured.body);

    const first = await api('POST', `/payments/${id}/refunds`, { amount: 300, reason: 'one mug broken' }, `re1-${id}`);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ paymentId: id, amount: 300, currency: 'EUR', status: 'succeeded' });
    const second = await api('POST', `/payments/${id}/refunds`, { amount: 700 }, `re2-${id}`);
    expect(second.body).to.include({ amount: 700, status: 'succeeded' });
    const over = await api('POST', `/payments/${id}/refunds`, { amount: 1 }, `re3-${id}`);
    expect(over.status).to.equal(422);
    expect(over.body.type).to.match(/\/problems\/amount_not_refundable$/);

    const read = await api('GET', `/payments/${id}`);
    expect(read.body).to.include({ status: 'succeeded', amountCaptured: 1000, amountRefunded: 1000 });
    const listed = await api('GET', `/payments/${id}/refunds`);
    expect(listed.body.items.map((r: { amount: number }) => r.amount).sort()).to.deep.equal([300, 700]);

    const page = await fetch(`${demo.bankUrl}/back-office`);
    const html = await page.text();
    expect(page.status).to.equal(200);
    expect(html).to.contain('one mug broken');
  });
});
