import { expect } from 'chai';
import type { Express } from 'express';
import nock from 'nock';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { createDemoShop } from '../../demo/shop/app.js';
import { eventBody, hmacHeaders, VISA_4242, type EventInit } from './webhook-fixtures.js';

/*
 * The shop's staff side after the payment: "Pay now, ship later", Ship (capture) and Refund, against
 * the gateway's merchant API mocked with the shapes of the API (a refund is
 * { id: "re_…", paymentId, amount, currency, status, reason, bankReference, failureReason, createdAt, updatedAt }).
 */

const GATEWAY = 'http://gateway.test';
const SHOP = 'http://shop.test';
const API_KEY = 'sk_test_demo_123';
const SECRET = 'whsec_demo_shop_tests_0123456789';
const PAYMENT_ID = 'pay_abc123';
const PROBLEM = { 'Content-Type': 'application/problem+json' };

function shop(): Express {
  return createDemoShop({ publicUrl: SHOP, gatewayUrl: GATEWAY, apiKey: API_KEY, webhookSecret: SECRET });
}

function gatewayPayment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: PAYMENT_ID,
    status: 'created',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-abcdefghij',
    description: 'T-shirt',
    customer: { locale: 'en' },
    checkoutUrl: `${GATEWAY}/checkout/${PAYMENT_ID}`,
    returnUrl: `${SHOP}/orders/order-abcdefghij`,
    expiresAt: '2030-01-01T00:30:00.000Z',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    version: 1,
    metadata: { productId: 'tshirt' },
    connector: 'native',
    anomalies: [],
    attempts: [],
    ...overrides,
  };
}

function refund(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 're_5TnB1kW7qZrX3mVc8yPd2H',
    paymentId: PAYMENT_ID,
    amount: 500,
    currency: 'EUR',
    status: 'pending',
    reason: 'Returned',
    bankReference: null,
    failureReason: null,
    createdAt: '2030-01-02T09:00:00.000Z',
    updatedAt: '2030-01-02T09:00:00.000Z',
    ...overrides,
  };
}

const AUTHORISED = [{ ref: 'A1', status: 'authorised', card: VISA_4242 }];

/** Buys a T-shirt, manual capture unless told; returns the reference and what the gateway was sent. */
async function buy(app: Express, fields: Record<string, string> = { capture: 'manual' }): Promise<{ reference: string; sent: Record<string, unknown> }> {
  let sent: Record<string, unknown> = {};
  nock(GATEWAY)
    .post('/api/v1/payments')
    .reply(201, (_uri, body) => {
      sent = body as Record<string, unknown>;
      return gatewayPayment({ reference: sent.reference, ...(sent.capture ? { capture: sent.capture } : {}) });
    });
  await request(app).post('/buy').type('form').send({ productId: 'tshirt', ...fields }).expect(303);
  return { reference: sent.reference as string, sent };
}

async function deliver(app: Express, init: EventInit): Promise<void> {
  const body = eventBody({ paymentId: PAYMENT_ID, attempts: AUTHORISED, ...init });
  await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);
}

const authorized = (reference: string) => ({ type: 'payment.authorized', reference, version: 3, status: 'authorized', attemptRef: 'A1', payment: { capture: 'manual', amountCapturable: 2480, amountCaptured: 0, amountRefunded: 0 }, data: { amount: 2480 } });
const captured = (reference: string, amount = 2480) => ({ type: 'payment.captured', reference, version: 4, status: 'succeeded', payment: { capture: 'manual', amountCapturable: 0, amountCaptured: amount, amountRefunded: 0 }, data: { amount } });

/** The order page, with the gateway's view of the payment answered by `payment`. */
async function orderPage(app: Express, reference: string, payment: Record<string, unknown> = gatewayPayment({ reference })) {
  nock(GATEWAY).get('/api/v1/payments').query({ reference }).reply(200, { items: [{ ...payment, reference }], nextCursor: null });
  const res = await request(app).get(`/orders/${reference}`).expect(200);
  const doc = parse(res.text);
  return {
    doc,
    html: res.text,
    text: doc.textContent.replace(/\s+/g, ' '),
    state: doc.querySelector('[data-order-state]')?.getAttribute('data-order-state'),
    token: (form: string) => doc.querySelector(`${form} input[name="token"]`)?.getAttribute('value'),
  };
}

describe('demo shop: ship and refund', () => {
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it('offers "Pay now, ship later" and creates that payment with "capture": "manual"; a plain purchase sends no capture field', async () => {
    const app = shop();
    const home = parse((await request(app).get('/').expect(200)).text);
    expect(home.querySelectorAll('select[name="capture"] option').map((o) => o.getAttribute('value'))).to.deep.equal(['automatic', 'manual']);
    expect((await buy(app)).sent.capture).to.equal('manual');
    expect((await buy(app, {})).sent).not.to.have.property('capture');
    expect((await buy(app, { capture: 'automatic' })).sent).not.to.have.property('capture');
    await request(app).post('/buy').type('form').send({ productId: 'tshirt', capture: 'later' }).expect(400);
  });

  it('an authorised order shows Ship; Ship captures with the form token as Idempotency-Key, the same on a double click', async () => {
    const app = shop();
    const { reference } = await buy(app);
    await deliver(app, authorized(reference));
    const page = await orderPage(app, reference, gatewayPayment({ status: 'authorized', capture: 'manual', captureBefore: '2030-01-08T00:02:00.000Z', amountCapturable: 2480, amountCaptured: 0, amountRefunded: 0, attempts: [] }));
    expect(page.state).to.equal('authorized');
    expect(page.text).to.contain('Your payment is authorised');
    expect(page.doc.querySelector('#refund-form')).to.equal(null);
    const token = page.token('#ship-form');
    expect(token).to.match(/^[A-Za-z0-9_-]{24}$/);

    const keys: unknown[] = [];
    const bodies: unknown[] = [];
    nock(GATEWAY, { reqheaders: { authorization: `Bearer ${API_KEY}` } })
      .post(`/api/v1/payments/${PAYMENT_ID}/capture`)
      .times(2)
      .reply(function (_uri, body) {
        keys.push(this.req.headers['idempotency-key']);
        bodies.push(body);
        return [200, gatewayPayment({ reference, status: 'succeeded', capture: 'manual', amountCapturable: 0, amountCaptured: 2000, amountRefunded: 0, refunds: [] })];
      });
    for (let i = 0; i < 2; i += 1) {
      const res = await request(app).post(`/orders/${reference}/ship`).type('form').send({ token, amount: '20.00' }).expect(303);
      expect(res.headers.location).to.equal(`/orders/${reference}?done=ship`);
    }
    expect(keys).to.deep.equal([token, token]);
    expect(bodies).to.deep.equal([{ amount: 2000 }, { amount: 2000 }]);

    // A fresh page is a fresh request: a new token.
    const again = await orderPage(app, reference, gatewayPayment({ status: 'authorized' }));
    expect(again.token('#ship-form')).to.be.a('string').and.not.equal(token);
  });

  it('Ship with no amount captures all (an empty body)', async () => {
    const app = shop();
    const { reference } = await buy(app);
    await deliver(app, authorized(reference));
    const token = (await orderPage(app, reference)).token('#ship-form');
    let body: unknown;
    nock(GATEWAY).post(`/api/v1/payments/${PAYMENT_ID}/capture`).reply(200, (_uri, b) => {
      body = b;
      return gatewayPayment({ reference, status: 'succeeded', amountCaptured: 2480 });
    });
    await request(app).post(`/orders/${reference}/ship`).type('form').send({ token, amount: '' }).expect(303);
    expect(body).to.deep.equal({});
  });

  it('refuses a form without a token of this order and action, and a bad amount, without calling the gateway', async () => {
    const app = shop();
    const { reference } = await buy(app);
    const other = (await buy(app)).reference;
    await deliver(app, authorized(reference));
    const token = (await orderPage(app, reference)).token('#ship-form')!;
    await request(app).post(`/orders/${reference}/ship`).type('form').send({}).expect(403);
    await request(app).post(`/orders/${reference}/ship`).type('form').send({ token: 'forged-token-000000000000' }).expect(403);
    await request(app).post(`/orders/${other}/ship`).type('form').send({ token }).expect(403);
    await request(app).post(`/orders/${reference}/refund`).type('form').send({ token }).expect(403);
    for (const amount of ['abc', '0', '-1', '1.234']) await request(app).post(`/orders/${reference}/ship`).type('form').send({ token, amount }).expect(400);
    await request(app).post('/orders/order-zzzzzzzzzz/ship').type('form').send({ token }).expect(404);
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('payment.captured marks the order paid with the amount captured; Refund then refunds an amount with a reason', async () => {
    const app = shop();
    const { reference } = await buy(app);
    await deliver(app, authorized(reference));
    await deliver(app, captured(reference, 2000));
    const page = await orderPage(app, reference, gatewayPayment({ status: 'succeeded', capture: 'manual', amountCapturable: 0, amountCaptured: 2000, amountRefunded: 0, refunds: [] }));
    expect(page.state).to.equal('paid');
    expect(page.doc.querySelector('#amount-captured')?.textContent).to.equal('€20.00');
    expect(page.doc.querySelector('#ship-form')).to.equal(null);
    expect(page.text).to.contain('all that is left, €20.00');
    expect(page.text).to.contain('Gateway says: captured €20.00, refunded €0.00');
    const token = page.token('#refund-form');

    let sent: { key?: unknown; body?: unknown } = {};
    nock(GATEWAY, { reqheaders: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' } })
      .post(`/api/v1/payments/${PAYMENT_ID}/refunds`)
      .reply(function (_uri, body) {
        sent = { key: this.req.headers['idempotency-key'], body };
        return [201, refund({ reason: 'Returned the sleeve' })];
      });
    const res = await request(app).post(`/orders/${reference}/refund`).type('form').send({ token, amount: '5,00', reason: ' Returned\r\nthe sleeve ' }).expect(303);
    expect(res.headers.location).to.equal(`/orders/${reference}?done=refund`);
    expect(sent).to.deep.equal({ key: token, body: { amount: 500, reason: 'Returned the sleeve' } });
    nock(GATEWAY).get('/api/v1/payments').query({ reference }).reply(200, { items: [gatewayPayment({ reference, status: 'succeeded' })], nextCursor: null });
    const after = parse((await request(app).get(res.headers.location!).expect(200)).text);
    // The order moves on the webhook, not on the gateway's answer.
    expect(after.querySelector('[data-order-state]')?.getAttribute('data-order-state')).to.equal('paid');
    expect(after.querySelector('#action-done')?.textContent).to.contain('Refund asked');
    expect(after.querySelector('#refunds')).to.equal(null);
  });

  it('refund.* webhooks list the refunds with their status; refunding all that was captured makes the order refunded', async () => {
    const app = shop();
    const { reference } = await buy(app, { capture: 'manual', locale: 'fr' });
    await deliver(app, authorized(reference));
    await deliver(app, captured(reference, 2000));
    const money = (refunded: number, refunds: unknown[]) => ({ capture: 'manual', amountCaptured: 2000, amountRefunded: refunded, refunds });
    const first = refund({ id: 're_first', amount: 500 });
    await deliver(app, { type: 'refund.created', reference, version: 5, status: 'succeeded', payment: money(0, [first]), data: { amount: 500, refund: first } });
    let page = await orderPage(app, reference);
    expect(page.doc.querySelectorAll('#refunds tbody tr').map((r) => r.getAttribute('data-refund-status'))).to.deep.equal(['pending']);

    const firstDone = refund({ id: 're_first', amount: 500, status: 'succeeded', bankReference: 'RF-1' });
    await deliver(app, { type: 'refund.succeeded', reference, version: 6, status: 'succeeded', payment: money(500, [firstDone]), data: { amount: 500, refund: firstDone } });
    const second = refund({ id: 're_second', amount: 1500, status: 'failed', failureReason: 'card account closed' });
    await deliver(app, { type: 'refund.failed', reference, version: 8, status: 'succeeded', payment: money(500, [firstDone, second]), data: { amount: 1500, refund: second } });
    page = await orderPage(app, reference);
    expect(page.state).to.equal('paid');
    expect(page.doc.querySelector('#amount-refunded')?.textContent).to.equal('5,00\u00a0€');
    expect(page.text).to.contain('failed (card account closed)');
    expect(page.text).to.contain('Payée');
    expect(page.text).to.contain('tout ce qui reste, 15,00 €');

    const third = refund({ id: 're_third', amount: 1500, status: 'succeeded' });
    await deliver(app, { type: 'refund.succeeded', reference, version: 10, status: 'succeeded', payment: money(2000, [firstDone, second, third]), data: { amount: 1500, refund: third } });
    page = await orderPage(app, reference);
    expect(page.state).to.equal('refunded');
    expect(page.text).to.contain('Votre commande est remboursée');
    expect(page.doc.querySelector('#refund-form'), 'nothing is left to refund').to.equal(null);
    const orders = parse((await request(app).get('/orders').expect(200)).text);
    expect(orders.querySelector(`tr[data-order-state="refunded"]`)?.textContent).to.contain('Remboursée');
  });

  it('an older refund event redelivered after a newer one changes nothing', async () => {
    const app = shop();
    const { reference } = await buy(app, {});
    await deliver(app, { type: 'payment.succeeded', reference, version: 3, attemptRef: 'A1' });
    const done = refund({ status: 'succeeded' });
    await deliver(app, { type: 'refund.succeeded', reference, version: 6, status: 'succeeded', payment: { amountCaptured: 2480, amountRefunded: 500, refunds: [done] }, data: { refund: done, amount: 500 } });
    await deliver(app, { type: 'refund.created', reference, version: 5, status: 'succeeded', payment: { amountCaptured: 2480, amountRefunded: 0, refunds: [refund()] }, data: { refund: refund(), amount: 500 } });
    const page = await orderPage(app, reference);
    expect(page.doc.querySelectorAll('#refunds tbody tr').map((r) => r.getAttribute('data-refund-status'))).to.deep.equal(['succeeded']);
    expect(page.doc.querySelector('#amount-refunded')?.textContent).to.equal('€5.00');
  });

  it('a voided authorisation cancels the order; an expired one expires it; neither offers Ship or Refund', async () => {
    const app = shop();
    for (const type of ['payment.voided', 'payment.expired']) {
      const { reference } = await buy(app);
      await deliver(app, authorized(reference));
      await deliver(app, { type, reference, version: 4, status: type === 'payment.voided' ? 'cancelled' : 'expired', payment: { capture: 'manual', amountCapturable: 0, amountCaptured: 0 } });
      const page = await orderPage(app, reference, gatewayPayment({ status: type === 'payment.voided' ? 'cancelled' : 'expired' }));
      expect(page.state).to.equal(type === 'payment.voided' ? 'cancelled' : 'expired');
      expect(page.doc.querySelector('#ship-form')).to.equal(null);
      expect(page.doc.querySelector('#refund-form')).to.equal(null);
    }
  });

  it('shows the gateway’s refusal with its status, title and detail (escaped)', async () => {
    const app = shop();
    const { reference } = await buy(app, {});
    await deliver(app, { type: 'payment.succeeded', reference, version: 3, attemptRef: 'A1' });
    const token = (await orderPage(app, reference)).token('#refund-form');
    nock(GATEWAY)
      .post(`/api/v1/payments/${PAYMENT_ID}/refunds`)
      .reply(422, { type: 'https://hpp-gateway.dev/problems/amount_not_refundable', title: 'Amount not refundable', status: 422, detail: '<b>3000</b> asked, 2480 refundable' }, PROBLEM);
    const res = await request(app).post(`/orders/${reference}/refund`).type('form').send({ token, amount: '30' }).expect(422);
    expect(res.text).to.contain('We could not refund this order');
    expect(res.text).to.contain('Amount not refundable');
    expect(res.text).to.contain('&lt;b&gt;3000&lt;/b&gt; asked');
    nock(GATEWAY).post(`/api/v1/payments/${PAYMENT_ID}/refunds`).reply(503, { title: 'Service unavailable', status: 503 }, PROBLEM);
    await request(app).post(`/orders/${reference}/refund`).type('form').send({ token }).expect(502);
  });

  it('an order paid at once has no Ship, shows all of it captured, and can be refunded', async () => {
    const app = shop();
    const { reference } = await buy(app, {});
    await deliver(app, { type: 'payment.succeeded', reference, version: 3, attemptRef: 'A1' });
    const page = await orderPage(app, reference, gatewayPayment({ status: 'succeeded' }));
    expect(page.doc.querySelector('#ship-form')).to.equal(null);
    expect(page.doc.querySelector('#amount-captured')?.textContent).to.equal('€24.80');
    expect(page.token('#refund-form')).to.be.a('string');
  });
});
