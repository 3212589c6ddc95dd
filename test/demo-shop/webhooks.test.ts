import { expect } from 'chai';
import type { Express } from 'express';
import nock from 'nock';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { createDemoShop, type DemoShopOptions } from '../../demo/shop/app.js';
import { eventBody, eventId, GatewaySigner, hmacHeaders, succeeded } from './webhook-fixtures.js';

// A host of its own: the verifier caches each JWKS URL's keys for the whole process.
const GATEWAY = 'http://gateway.shop-webhooks.test';
const SHOP = 'http://shop.test';
const SECRET = 'whsec_demo_shop_0123456789abcdef';

interface Logged {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function shop(extra: Partial<DemoShopOptions> = {}): { app: Express; logs: Logged[] } {
  const logs: Logged[] = [];
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, obj: obj as Record<string, unknown>, msg });
  const app = createDemoShop({ publicUrl: SHOP, gatewayUrl: GATEWAY, apiKey: 'sk_test_demo_123', logger: { info: log('info'), warn: log('warn'), error: log('error') }, ...extra });
  return { app, logs };
}

/** Buys a T-shirt; the gateway's answer is intercepted. Returns the order reference. */
async function buy(app: Express, paymentId = 'pay_abc123'): Promise<string> {
  let reference = '';
  nock(GATEWAY)
    .post('/api/v1/payments')
    .reply(201, (_uri, body) => {
      reference = (body as { reference: string }).reference;
      return { id: paymentId, status: 'created', amount: 2480, currency: 'EUR', reference, checkoutUrl: `${GATEWAY}/checkout/${paymentId}`, expiresAt: '2030-01-01T00:30:00.000Z', createdAt: '2030-01-01T00:00:00.000Z', attempts: [] };
    });
  await request(app).post('/buy').type('form').send({ productId: 'tshirt' }).expect(303);
  return reference;
}

/** The shop's own state of an order, read from its order list (which never asks the gateway). */
async function stateOf(app: Express, reference: string): Promise<string | undefined> {
  const res = await request(app).get('/orders').expect(200);
  const row = parse(res.text)
    .querySelectorAll('tbody tr')
    .find((tr) => tr.querySelector('a')?.textContent.trim() === reference);
  return row?.getAttribute('data-order-state');
}

/** The order page, with the gateway's lookup answered `status`. */
async function orderPage(app: Express, reference: string, status = 'created') {
  nock(GATEWAY)
    .get('/api/v1/payments')
    .query({ reference })
    .reply(200, {
      items: [{ id: 'pay_abc123', status, amount: 2480, currency: 'EUR', reference, checkoutUrl: `${GATEWAY}/checkout/pay_abc123`, expiresAt: '2030-01-01T00:30:00.000Z', createdAt: '2030-01-01T00:00:00.000Z', attempts: [] }],
      nextCursor: null,
    });
  const res = await request(app).get(`/orders/${reference}`).expect(200);
  return parse(res.text);
}

function outcomes(logs: Logged[]): unknown[] {
  return logs.filter((l) => l.obj.outcome !== undefined).map((l) => l.obj.outcome);
}

describe('demo shop: POST /webhooks', () => {
  let signer: GatewaySigner;
  /** How often the shop fetched the gateway's JWKS (the verifier caches it, so once is enough). */
  let jwksFetches = 0;

  before(async () => {
    signer = await GatewaySigner.create();
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  beforeEach(() => {
    nock(GATEWAY)
      .get('/.well-known/jwks.json')
      .reply(200, () => {
        jwksFetches += 1;
        return signer.jwks();
      })
      .persist();
  });
  afterEach(() => {
    nock.cleanAll();
  });
  after(() => {
    nock.enableNetConnect();
  });

  function post(app: Express, body: string, headers: Record<string, string>) {
    return request(app).post('/webhooks').set(headers).send(body);
  }

  describe('a webhook signed like the gateway signs it', () => {
    it('marks the order paid, with the card, checked with the gateway JWKS only (the shop holds no secret)', async () => {
      const { app, logs } = shop();
      const reference = await buy(app);
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');

      const body = succeeded(reference);
      const res = await post(app, body, await signer.headers(body));
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ received: true });
      expect(jwksFetches, 'the keys come from {gateway}/.well-known/jwks.json').to.be.at.least(1);

      expect(await stateOf(app, reference)).to.equal('paid');
      const doc = await orderPage(app, reference, 'succeeded');
      expect(doc.querySelector('[data-order-state]')?.getAttribute('data-order-state')).to.equal('paid');
      expect(doc.querySelector('h1')?.textContent).to.equal('Thank you, your order is paid!');
      expect(doc.querySelector('.card')?.textContent).to.equal('Visa ending in 4242');
      expect(logs.find((l) => l.obj.outcome === 'applied')?.obj).to.include({ type: 'payment.succeeded', reference, verifiedBy: 'jws' });
    });

    it('with a webhook secret, accepts the HMAC signature alone', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = succeeded(reference);
      await post(app, body, hmacHeaders(body, SECRET)).expect(200, { received: true });
      expect(await stateOf(app, reference)).to.equal('paid');
    });

    it('with a webhook secret, accepts either signature: a valid JWS beside an HMAC made with another secret passes', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = succeeded(reference);
      await post(app, body, await signer.headers(body, { secrets: ['whsec_some_other_secret_000000'] })).expect(200);
      expect(await stateOf(app, reference)).to.equal('paid');
    });

    it('applies the events of a refused attempt, a retry and a success in turn', async () => {
      const { app } = shop();
      const reference = await buy(app);
      const send = async (body: string) => post(app, body, await signer.headers(body)).expect(200);

      await send(eventBody({ type: 'payment.created', reference, version: 1 }));
      await send(eventBody({ type: 'payment.pending', reference, version: 2, attempts: [{ ref: 'A1', status: 'pending' }], attemptRef: 'A1' }));
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
      await send(eventBody({ type: 'payment.failed', reference, version: 3, attempts: [{ ref: 'A1', status: 'refused', card: { brand: 'mastercard', last4: '0002' } }], attemptRef: 'A1' }));
      expect(await stateOf(app, reference)).to.equal('payment_failed');

      const failed = await orderPage(app, reference, 'failed');
      expect(failed.querySelector('h1')?.textContent).to.equal('Your payment did not go through');
      expect(failed.querySelector('a.button')?.textContent).to.equal('Try again');
      expect(failed.querySelector('a.button')?.getAttribute('href')).to.equal(`${GATEWAY}/checkout/pay_abc123`);
      expect(failed.querySelector('.card')?.textContent).to.equal('Mastercard ending in 0002');

      await send(eventBody({ type: 'payment.pending', reference, version: 4, attempts: [{ ref: 'A1', status: 'refused' }, { ref: 'A2', status: 'pending' }], attemptRef: 'A2' }));
      expect(await stateOf(app, reference), 'trying again').to.equal('awaiting_payment');
      await send(
        eventBody({
          type: 'payment.succeeded',
          reference,
          version: 5,
          attempts: [
            { ref: 'A1', status: 'refused', card: { brand: 'mastercard', last4: '0002' } },
            { ref: 'A2', status: 'authorised', card: { brand: 'visa', last4: '4242' } },
          ],
          attemptRef: 'A2',
        }),
      );
      expect(await stateOf(app, reference)).to.equal('paid');
      expect((await orderPage(app, reference, 'succeeded')).querySelector('.card')?.textContent).to.equal('Visa ending in 4242');
    });

    for (const [type, state] of [
      ['payment.cancelled', 'cancelled'],
      ['payment.expired', 'expired'],
    ] as const) {
      it(`maps ${type} to ${state}, and the order takes no payment any more`, async () => {
        const { app } = shop();
        const reference = await buy(app);
        const body = eventBody({ type, reference, version: 2 });
        await post(app, body, await signer.headers(body)).expect(200);
        expect(await stateOf(app, reference)).to.equal(state);
        expect((await orderPage(app, reference, state)).querySelector('a.button')).to.equal(null);
      });
    }

    it('records a success after expiry (money taken is never dropped) and flags its anomaly, which shares its version', async () => {
      const { app } = shop();
      const reference = await buy(app);
      const send = async (body: string) => post(app, body, await signer.headers(body)).expect(200);
      await send(eventBody({ type: 'payment.expired', reference, version: 3 }));
      await send(succeeded(reference, 4));
      await send(eventBody({ type: 'payment.anomaly', reference, version: 4, status: 'succeeded', anomaly: 'succeeded_after_expiry' }));
      expect(await stateOf(app, reference)).to.equal('paid');
      const doc = await orderPage(app, reference, 'succeeded');
      expect(doc.querySelector('#order-flags')?.textContent).to.contain('succeeded_after_expiry');
      const list = await request(app).get('/orders').expect(200);
      expect(parse(list.text).querySelector('tbody tr .flag')).to.not.equal(null);
    });

    it('flags a payment whose amount is not the order amount, and still records it as paid', async () => {
      const { app } = shop();
      const reference = await buy(app);
      const body = succeeded(reference, 3, { amount: 100 });
      await post(app, body, await signer.headers(body)).expect(200);
      expect(await stateOf(app, reference)).to.equal('paid');
      expect((await orderPage(app, reference, 'succeeded')).querySelector('#order-flags')?.textContent).to.contain('paid 100 EUR, expected 2480 EUR');
    });

    it('takes a webhook that arrives before the gateway has answered the create call', async () => {
      const { app } = shop();
      let reference = '';
      nock(GATEWAY)
        .post('/api/v1/payments')
        .delay(300)
        .reply(201, (_uri, body) => {
          reference = (body as { reference: string }).reference;
          return { id: 'pay_early', status: 'created', amount: 2480, currency: 'EUR', reference, checkoutUrl: `${GATEWAY}/checkout/pay_early`, expiresAt: '2030-01-01T00:30:00.000Z', createdAt: '2030-01-01T00:00:00.000Z', attempts: [] };
        });
      const buying = request(app).post('/buy').type('form').send({ productId: 'tshirt' }).then((r) => r);
      for (let i = 0; i < 100 && !reference; i++) await new Promise((r) => setTimeout(r, 5));
      expect(reference, 'the create call reached the gateway').to.match(/^order-/);
      const body = eventBody({ type: 'payment.created', reference, paymentId: 'pay_early', version: 1 });
      await post(app, body, await signer.headers(body)).expect(200);
      expect((await buying).status).to.equal(303);
      // The order knows its payment: a later event for it applies.
      const paid = succeeded(reference, 3, { paymentId: 'pay_early' });
      await post(app, paid, await signer.headers(paid)).expect(200);
      expect(await stateOf(app, reference)).to.equal('paid');
    });
  });

  describe('a webhook that does not verify: 400, and nothing changes', () => {
    it('a tampered body (the signatures are over other bytes)', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const signed = succeeded(reference);
      const headers = await signer.headers(signed, { secrets: [SECRET] });
      const tampered = signed.replace('"amount":2480', '"amount":1');
      expect(tampered).to.not.equal(signed);
      const res = await post(app, tampered, headers).expect(400);
      expect(res.body).to.deep.equal({ error: 'bad_signature' });
      // Re-serialising the JSON (a space added) is a different body too.
      await post(app, JSON.stringify(JSON.parse(signed), null, 1), headers).expect(400);
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('an HMAC made with a wrong secret', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = succeeded(reference);
      const res = await post(app, body, hmacHeaders(body, 'whsec_wrong_secret_0123456789')).expect(400);
      expect(res.body).to.deep.equal({ error: 'bad_signature' });
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('an HMAC, even a right one, when the shop has no secret (only the JWS is checked then)', async () => {
      const { app } = shop();
      const reference = await buy(app);
      const body = succeeded(reference);
      const res = await post(app, body, hmacHeaders(body, SECRET)).expect(400);
      expect(res.body).to.deep.equal({ error: 'missing_signature' });
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('no signature at all', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const res = await post(app, succeeded(reference), { 'Content-Type': 'application/json' }).expect(400);
      expect(res.body).to.deep.equal({ error: 'missing_signature' });
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('a JWS signed by a key that is not the gateway’s', async () => {
      const { app } = shop();
      const reference = await buy(app);
      const body = succeeded(reference);
      const forger = await GatewaySigner.create();
      await post(app, body, await forger.headers(body)).expect(400);
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('a genuine signature made more than 5 minutes ago (a replay)', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = succeeded(reference);
      const res = await post(app, body, await signer.headers(body, { secrets: [SECRET], now: new Date(Date.now() - 10 * 60_000) })).expect(400);
      expect(res.body).to.deep.equal({ error: 'stale_timestamp' });
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('a body that is not JSON is not read (415), a huge one is refused (413)', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = succeeded(reference);
      await post(app, body, { ...hmacHeaders(body, SECRET), 'Content-Type': 'text/plain' }).expect(415);
      const huge = JSON.stringify({ padding: 'x'.repeat(200_000) });
      const res = await post(app, huge, hmacHeaders(huge, SECRET)).expect(413).expect('Content-Type', /json/);
      expect(res.body).to.deep.equal({ error: 'too_large' });
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('acknowledges a signed audit.recorded event (the gateway\'s audit log) without touching any order, and refuses one unsigned', async () => {
      const { app, logs } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = JSON.stringify({
        id: 'evt_Qw8mZr2LxT5vN1cB7dKs0A',
        type: 'audit.recorded',
        createdAt: '2031-03-02T09:15:00.000Z',
        data: { audit: { id: 'aud_Qw8mZr2LxT5vN1cB7dKs0A', at: '2031-03-02T09:15:00.000Z', actor: { kind: 'api_key', name: 'key-1' }, action: 'api.payment.create', detail: {} } },
      });
      await post(app, body, hmacHeaders(body, SECRET)).expect(200, { received: true });
      expect(logs.find((l) => l.obj.type === 'audit.recorded')?.obj).to.include({ eventId: 'evt_Qw8mZr2LxT5vN1cB7dKs0A', verifiedBy: 'hmac' });
      await post(app, body, hmacHeaders(body, 'whsec_another_secret_0123456789')).expect(400);
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('a signed body that is not an event is refused without touching any order', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = JSON.stringify({ id: 'evt_x', type: 'payment.succeeded', data: { reference } });
      await post(app, body, hmacHeaders(body, SECRET)).expect(400, { error: 'unreadable_event' });
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });
  });

  describe('delivered more than once, or out of order', () => {
    it('the same event twice is applied once and acknowledged twice', async () => {
      const { app, logs } = shop();
      const reference = await buy(app);
      const body = succeeded(reference);
      const first = await signer.headers(body);
      await post(app, body, first).expect(200, { received: true });
      // A retry is signed afresh: same body and event id, new signature.
      await post(app, body, await signer.headers(body, { now: new Date(Date.now() + 1000) })).expect(200, { received: true });
      expect(outcomes(logs)).to.deep.equal(['applied', 'duplicate']);
      expect(await stateOf(app, reference)).to.equal('paid');
    });

    it('a duplicate changes nothing even when the order has moved on since', async () => {
      const { app, logs } = shop();
      const reference = await buy(app);
      const failed = eventBody({ type: 'payment.failed', reference, version: 3, attempts: [{ ref: 'A1', status: 'refused' }], attemptRef: 'A1' });
      await post(app, failed, await signer.headers(failed)).expect(200);
      const pending = eventBody({ type: 'payment.pending', reference, version: 4, attempts: [{ ref: 'A2', status: 'pending' }], attemptRef: 'A2' });
      await post(app, pending, await signer.headers(pending)).expect(200);
      await post(app, failed, await signer.headers(failed)).expect(200);
      expect(outcomes(logs)).to.deep.equal(['applied', 'applied', 'duplicate']);
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });

    it('an event older than what the order has seen is ignored', async () => {
      const { app, logs } = shop();
      const reference = await buy(app);
      const pending = eventBody({ type: 'payment.pending', reference, version: 4, attempts: [{ ref: 'A2', status: 'pending' }], attemptRef: 'A2' });
      const olderFailure = eventBody({ type: 'payment.failed', reference, version: 3, attempts: [{ ref: 'A1', status: 'refused' }], attemptRef: 'A1' });
      await post(app, pending, await signer.headers(pending)).expect(200);
      await post(app, olderFailure, await signer.headers(olderFailure)).expect(200, { received: true });
      expect(outcomes(logs)).to.deep.equal(['applied', 'stale']);
      expect(await stateOf(app, reference), 'not failed: the buyer is trying again').to.equal('awaiting_payment');

      const paid = succeeded(reference, 5);
      await post(app, paid, await signer.headers(paid)).expect(200);
      const olderCancel = eventBody({ type: 'payment.cancelled', reference, version: 2 });
      await post(app, olderCancel, await signer.headers(olderCancel)).expect(200);
      expect(await stateOf(app, reference)).to.equal('paid');
    });
  });

  describe('events the shop has no order for', () => {
    it('an unknown reference (an order this shop did not make, or forgot on restart) is acknowledged with 200 and logged', async () => {
      const { app, logs } = shop();
      const body = succeeded('order-zzzzzzzzzz');
      await post(app, body, await signer.headers(body)).expect(200, { received: true });
      expect(logs.find((l) => l.obj.outcome === 'unknown_order')).to.include({ level: 'warn' });
      const list = await request(app).get('/orders').expect(200);
      expect(parse(list.text).querySelectorAll('tbody tr')).to.have.length(0);
    });

    it('an event for another payment with the order’s reference changes nothing', async () => {
      const { app, logs } = shop();
      const reference = await buy(app, 'pay_mine');
      const body = succeeded(reference, 3, { paymentId: 'pay_someone_else' });
      await post(app, body, await signer.headers(body)).expect(200);
      expect(outcomes(logs)).to.deep.equal(['other_payment']);
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
    });
  });

  describe('when the shop cannot take it now', () => {
    it('answers 503 while switched off, without reading it, and takes the retry once back', async () => {
      let available = false;
      const { app } = shop({ webhookAvailable: () => available });
      const reference = await buy(app);
      const body = succeeded(reference);
      const res = await post(app, body, await signer.headers(body)).expect(503);
      expect(res.headers['retry-after']).to.equal('10');
      expect(await stateOf(app, reference)).to.equal('awaiting_payment');
      available = true;
      await post(app, body, await signer.headers(body)).expect(200);
      expect(await stateOf(app, reference)).to.equal('paid');
    });

    it('answers 503 (try again later), not 400, when the gateway keys cannot be fetched', async () => {
      const down = 'http://gateway-down.shop-webhooks.test';
      nock(down).get('/.well-known/jwks.json').reply(500);
      const { app, logs } = shop({ gatewayUrl: down });
      const body = succeeded('order-abcdefghij');
      await post(app, body, await signer.headers(body)).expect(503, { error: 'verification_unavailable' });
      expect(logs.find((l) => l.level === 'error')?.msg).to.match(/keys are unavailable/);
    });
  });

  describe('logs', () => {
    it('never logs the body or the signatures', async () => {
      const { app, logs } = shop({ webhookSecret: SECRET });
      const reference = await buy(app);
      const body = succeeded(reference, 3, { id: eventId() });
      const headers = await signer.headers(body, { secrets: [SECRET] });
      await post(app, body, headers).expect(200);
      await post(app, body.replace('4242', '4243'), headers).expect(400);
      const text = JSON.stringify(logs);
      expect(text).to.not.contain(headers['Hpp-Signature-JWS']!.split('..')[1]);
      expect(text).to.not.contain(headers['Hpp-Signature']!);
      expect(text).to.not.contain('4242');
      expect(text).to.not.contain(SECRET);
    });
  });
});
