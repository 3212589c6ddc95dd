import { expect } from 'chai';
import nock from 'nock';
import { Browser } from '../../support/browser.js';
import { payWithVisaAtDemoBank, startTestDemo, type RunningDemo } from '../../support/demo-buyer.js';
import { waitFor } from '../../support/processes.js';

/**
 * Money after the payment end to end through Lyra: the merchant API, the Lyra connector's REST API V4
 * operations (Transaction/Get, Update, Validate, CancelOrRefund, Order/Get with Basic auth) and the
 * sandbox bank playing Lyra's back office, all real.
 */
describe('the demo with Lyra: capture, void, refunds and status sync over the REST API V4', function () {
  this.timeout(60_000);
  let running: RunningDemo;

  before(async () => {
    running = await startTestDemo('lyra');
  });
  after(async () => {
    nock.cleanAll();
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

  /** A payment paid with Visa at the sandbox bank and back at the gateway, in the state `status`. */
  async function paid(amount: number, capture: 'manual' | 'automatic', status: string): Promise<string> {
    const { demo } = running;
    const created = await api('POST', '/payments', { amount, currency: 'EUR', reference: `lyra-money-${Date.now()}-${Math.random()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: 'lyra', capture });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    const browser = new Browser();
    const back = await payWithVisaAtDemoBank(demo, browser, created.body.checkoutUrl, '/lyra/vads-payment/');
    await browser.submitForm(back, '#return-to-merchant');
    await waitFor(`the payment ${status}`, async () => ((await api('GET', `/payments/${id}`)).body.status === status ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    return id;
  }

  it('a manual payment (vads_validation_mode=1) is authorized, captured in part once (Update then Validate), refunded twice; over-refund and over-capture change nothing', async () => {
    const id = await paid(1200, 'manual', 'authorized');
    const authorized = (await api('GET', `/payments/${id}`)).body;
    expect(authorized).to.include({ amountCaptured: 0 });
    expect(Date.parse(authorized.captureBefore)).to.be.greaterThan(Date.now() + 5 * 24 * 3600_000);
    const atBank = () => running.demo.bank.transactions().filter((t) => t.protocol === 'lyra').at(-1)!;
    expect(atBank()).to.include({ captureMode: 'manual', status: 'authorised' });

    const tooMuch = await api('POST', `/payments/${id}/capture`, { amount: 1201 }, `cap0-${id}`);
    expect(tooMuch.status).to.equal(422);
    expect(tooMuch.body.type).to.match(/\/problems\/amount_not_capturable$/);
    expect(atBank().captures).to.have.length(0);

    const captured = await api('POST', `/payments/${id}/capture`, { amount: 1000 }, `cap-${id}`);
    expect(captured.status, JSON.stringify(captured.body)).to.equal(200);
    expect(captured.body).to.include({ status: 'succeeded', amountCaptured: 1000 });
    expect(atBank().captures.map((c) => c.amount)).to.deep.equal([1000]);

    const first = await api('POST', `/payments/${id}/refunds`, { amount: 300, reason: 'one mug broken' }, `re1-${id}`);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ amount: 300, currency: 'EUR', status: 'succeeded' });
    expect(first.body.bankReference).to.match(/^[0-9a-f]{32}$/);
    const second = await api('POST', `/payments/${id}/refunds`, { amount: 700 }, `re2-${id}`);
    expect(second.body).to.include({ amount: 700, status: 'succeeded' });
    const over = await api('POST', `/payments/${id}/refunds`, { amount: 1 }, `re3-${id}`);
    expect(over.status).to.equal(422);
    expect(over.body.type).to.match(/\/problems\/amount_not_refundable$/);

    expect(atBank().refunds.map((r) => [r.amount, r.status])).to.deep.equal([[300, 'succeeded'], [700, 'succeeded']]);
    expect((await api('GET', `/payments/${id}`)).body).to.include({ status: 'succeeded', amountCaptured: 1000, amountRefunded: 1000 });
    const html = await (await fetch(`${running.demo.bankUrl}/back-office`)).text();
    expect(html).to.contain('one mug broken');
  });

  it('a manual payment is voided (CancelOrRefund, CANCELLATION_ONLY): cancelled, and the bank released it', async () => {
    const id = await paid(900, 'manual', 'authorized');
    const voided = await api('POST', `/payments/${id}/cancel`, undefined, `void-${id}`);
    expect(voided.status, JSON.stringify(voided.body)).to.equal(200);
    expect(voided.body).to.include({ status: 'cancelled' });
    const atBank = running.demo.bank.transactions().filter((t) => t.protocol === 'lyra').at(-1)!;
    expect(atBank.voided).to.not.equal(undefined);
    const refund = await api('POST', `/payments/${id}/refunds`, { amount: 100 }, `re-${id}`);
    expect(refund.status).to.be.within(400, 499);
  });

  it('an automatic payment is refunded in part twice; the sync (Transaction/Get) leaves it as it is', async () => {
    const id = await paid(1500, 'automatic', 'succeeded');
    expect((await api('POST', `/payments/${id}/refunds`, { amount: 400 }, `a1-${id}`)).body).to.include({ status: 'succeeded' });
    expect((await api('POST', `/payments/${id}/refunds`, { amount: 600 }, `a2-${id}`)).body).to.include({ status: 'succeeded' });
    const synced = await api('POST', `/payments/${id}/sync`, undefined, `sync-${id}`);
    expect(synced.status, JSON.stringify(synced.body)).to.equal(200);
    expect(synced.body).to.include({ status: 'succeeded', amountCaptured: 1500, amountRefunded: 1000 });
  });

  it('a refund whose first answer timed out (test amount …52) stays pending, then its retry finds it by Order/Get: succeeded once at the bank', async () => {
    const id = await paid(2000, 'automatic', 'succeeded');
    const first = await api('POST', `/payments/${id}/refunds`, { amount: 352 }, `t-${id}`);
    expect(first.status, JSON.stringify(first.body)).to.be.within(200, 202);
    expect(first.body).to.include({ status: 'pending', amount: 352 });
    const retried = await api('POST', `/payments/${id}/refunds`, { amount: 352 }, `t-${id}`);
    expect(retried.body).to.include({ id: first.body.id, status: 'succeeded', amount: 352 });
    const atBank = running.demo.bank.transactions().filter((t) => t.protocol === 'lyra').at(-1)!;
    expect(atBank.refunds.map((r) => r.amount)).to.deep.equal([352]);
    expect((await api('GET', `/payments/${id}`)).body).to.include({ amountRefunded: 352 });
  });

  it('a refund the bank refuses (test amount …51, PSP_003) is failed, with nothing refunded at the bank', async () => {
    const id = await paid(2000, 'automatic', 'succeeded');
    const refused = await api('POST', `/payments/${id}/refunds`, { amount: 151 }, `d-${id}`);
    expect(refused.body).to.include({ status: 'failed', failureReason: 'operation_declined' });
    const atBank = running.demo.bank.transactions().filter((t) => t.protocol === 'lyra').at(-1)!;
    expect(atBank.refunds).to.have.length(0);
    expect((await api('GET', `/payments/${id}`)).body).to.include({ amountRefunded: 0 });
  });

  it('a payment whose notification was lost and whose buyer never came back is reconciled by the status query (Order/Get by vads_order_id)', async () => {
    const { demo } = running;
    // Every IPN to the gateway is lost on the way (the gateway never sees one).
    const lost = nock(demo.gatewayUrl, { allowUnmocked: true }).post('/bank/lyra/notify').reply(503, 'lost').persist();
    try {
      const created = await api('POST', '/payments', { amount: 1100, currency: 'EUR', reference: `lyra-lost-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: 'lyra' });
      const id = created.body.id as string;
      await payWithVisaAtDemoBank(demo, new Browser(), created.body.checkoutUrl, '/lyra/vads-payment/');
      await waitFor('the IPN tried', async () => (lost.isDone() ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
      expect((await api('GET', `/payments/${id}`)).body.status).to.equal('pending');

      const synced = await api('POST', `/payments/${id}/sync`, undefined, `lost-${id}`);
      expect(synced.status, JSON.stringify(synced.body)).to.equal(200);
      expect(synced.body).to.include({ status: 'succeeded' });
    } finally {
      nock.cleanAll();
    }
  });
});
