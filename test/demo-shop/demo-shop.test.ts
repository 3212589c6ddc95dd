import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import nock from 'nock';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { createDemoShop, type DemoShopOptions } from '../../demo/shop/app.js';
import { eventBody, hmacHeaders, succeeded, VISA_4242 } from './webhook-fixtures.js';

const GATEWAY = 'http://gateway.test';
const SHOP = 'http://shop.test';
const API_KEY = 'sk_test_demo_123';
const CHECKOUT = `${GATEWAY}/checkout/pay_abc123`;
const SECRET = 'whsec_demo_shop_tests_0123456789';

interface Logged {
  level: string;
  obj: object;
  msg: string | undefined;
}

function shop(extra: Partial<DemoShopOptions> = {}): { app: Express; logs: Logged[] } {
  const logs: Logged[] = [];
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, obj, msg });
  const app = createDemoShop({ publicUrl: SHOP, gatewayUrl: GATEWAY, apiKey: API_KEY, logger: { info: log('info'), warn: log('warn'), error: log('error') }, ...extra });
  return { app, logs };
}

function gatewayPayment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'pay_abc123',
    status: 'created',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-abcdefghij',
    description: 'T-shirt',
    customer: { locale: 'en' },
    checkoutUrl: CHECKOUT,
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

function attempt(status: string, card: { brand: string; last4: string } | null = null, createdAt = '2030-01-01T00:01:00.000Z'): Record<string, unknown> {
  return { ref: `A${status.toUpperCase()}`, status, createdAt, updatedAt: createdAt, bankTransactionId: null, authorisationCode: null, card, responseCode: null };
}

const PROBLEM = { 'Content-Type': 'application/problem+json' };

/** Intercepts a create-payment call and keeps what the shop sent. */
function expectCreate(reply: (body: Record<string, unknown>) => [number, unknown, Record<string, string>?]) {
  const seen: { body?: Record<string, unknown>; headers?: Record<string, string | string[] | undefined> } = {};
  const scope = nock(GATEWAY)
    .post('/api/v1/payments')
    .reply(function (_uri, body) {
      seen.body = body as Record<string, unknown>;
      seen.headers = this.req.headers;
      return reply(seen.body);
    });
  return { scope, seen };
}

/** A local port nobody listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function text(html: string): string {
  return parse(html).textContent.replace(/\s+/g, ' ');
}

/** Buys a product through the shop (the gateway's answer intercepted); returns the order reference. */
async function buy(app: Express, productId = 'tshirt'): Promise<string> {
  const { seen } = expectCreate((body) => [201, gatewayPayment({ reference: body.reference, amount: body.amount })]);
  await request(app).post('/buy').type('form').send({ productId }).expect(303);
  return seen.body?.reference as string;
}

describe('demo shop', () => {
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => {
    nock.cleanAll();
  });
  after(() => {
    nock.enableNetConnect();
  });

  describe('GET /', () => {
    it('lists the products with formatted prices and a buy button per product', async () => {
      const res = await request(shop().app).get('/').expect(200).expect('Content-Type', /html/);
      const doc = parse(res.text);
      const form = doc.querySelector('form[action="/buy"]');
      expect(form?.getAttribute('method')).to.equal('post');
      const buttons = doc.querySelectorAll('button[name="productId"]').map((b) => b.getAttribute('value'));
      expect(buttons).to.deep.equal(['mug', 'tshirt', 'poster']);
      const prices = doc.querySelectorAll('.price').map((p) => p.textContent.trim());
      expect(prices).to.deep.equal(['€12.90', '€24.80', '€9.90']);
      expect(doc.querySelectorAll('select[name="locale"] option').map((o) => o.getAttribute('value'))).to.deep.equal(['en', 'fr']);
      expect(doc.querySelector('input[name="email"]')?.getAttribute('type')).to.equal('email');
    });

    it('has no inline script or style and links the shop stylesheet', async () => {
      const res = await request(shop().app).get('/').expect(200);
      expect(res.text).to.not.match(/<script|<style| style=| on[a-z]+=/i);
      expect(parse(res.text).querySelector('link[rel="stylesheet"]')?.getAttribute('href')).to.equal('/shop.css');
      await request(shop().app).get('/shop.css').expect(200).expect('Content-Type', /text\/css/);
    });

    it('sends a CSP that lets the buy form be redirected to the gateway and nothing else', async () => {
      const res = await request(shop().app).get('/').expect(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).to.contain(`form-action 'self' ${GATEWAY}`);
      expect(csp).to.contain("script-src 'none'");
      expect(csp).to.contain("style-src 'self'");
      expect(csp).to.contain("frame-ancestors 'none'");
      expect(csp, 'plain-http demo: no upgrade').to.not.contain('upgrade-insecure-requests');
      expect(res.headers['x-powered-by']).to.equal(undefined);
    });
  });

  describe('POST /buy', () => {
    it('creates the payment with the Bearer key and an Idempotency-Key, then redirects 303 to checkoutUrl', async () => {
      const { scope, seen } = expectCreate((body) => [201, gatewayPayment({ reference: body.reference })]);
      const res = await request(shop().app).post('/buy').type('form').send({ productId: 'tshirt', locale: 'fr', email: ' buyer@example.com ' }).expect(303);
      expect(res.headers.location).to.equal(CHECKOUT);
      expect(scope.isDone()).to.equal(true);

      const reference = seen.body?.reference as string;
      expect(reference).to.match(/^order-[a-z0-9]{10}$/);
      expect(seen.body).to.deep.equal({
        amount: 2480,
        currency: 'EUR',
        reference,
        description: 'T-shirt',
        customer: { email: 'buyer@example.com', locale: 'fr' },
        returnUrl: `${SHOP}/orders/${reference}`,
        metadata: { productId: 'tshirt' },
      });
      expect(seen.headers?.authorization).to.equal(`Bearer ${API_KEY}`);
      expect(seen.headers?.['idempotency-key']).to.be.a('string').and.to.have.length.greaterThan(8);
      expect(String(seen.headers?.['content-type'])).to.match(/^application\/json/);
    });

    it('omits the email when none is given and defaults the language to English', async () => {
      const { seen } = expectCreate((body) => [201, gatewayPayment({ reference: body.reference })]);
      await request(shop().app).post('/buy').type('form').send({ productId: 'mug', email: '' }).expect(303);
      expect(seen.body?.customer).to.deep.equal({ locale: 'en' });
      expect(seen.body?.amount).to.equal(1290);
    });

    it('uses a new order reference and a new Idempotency-Key for every purchase', async () => {
      const { app } = shop();
      const first = expectCreate((body) => [201, gatewayPayment({ reference: body.reference })]);
      const second = expectCreate((body) => [201, gatewayPayment({ reference: body.reference })]);
      await request(app).post('/buy').type('form').send({ productId: 'poster' }).expect(303);
      await request(app).post('/buy').type('form').send({ productId: 'poster' }).expect(303);
      expect(first.seen.body?.reference).to.not.equal(second.seen.body?.reference);
      expect(first.seen.headers?.['idempotency-key']).to.not.equal(second.seen.headers?.['idempotency-key']);
    });

    it('answers 400 for an unknown or missing product without calling the gateway', async () => {
      const scope = nock(GATEWAY).post('/api/v1/payments').reply(201, gatewayPayment());
      const { app } = shop();
      const res = await request(app).post('/buy').type('form').send({ productId: 'yacht' }).expect(400).expect('Content-Type', /html/);
      expect(text(res.text)).to.contain('Unknown product');
      await request(app).post('/buy').type('form').send({}).expect(400);
      await request(app).post('/buy').type('form').send('productId=mug&productId=tshirt').expect(400);
      expect(scope.isDone()).to.equal(false);
    });

    it('answers 400 for an invalid email or language', async () => {
      const { app } = shop();
      await request(app).post('/buy').type('form').send({ productId: 'mug', email: 'not-an-email' }).expect(400);
      await request(app).post('/buy').type('form').send({ productId: 'mug', locale: 'de' }).expect(400);
    });

    it('shows the problem title and detail of a 409 from the gateway, without a stack trace', async () => {
      expectCreate(() => [
        409,
        { type: 'https://hpp-gateway.dev/problems/reference_conflict', title: 'Reference already in use', status: 409, detail: 'The reference "order-x" already has a payment that is pending.' },
        PROBLEM,
      ]);
      const { app, logs } = shop();
      const res = await request(app).post('/buy').type('form').send({ productId: 'tshirt' }).expect(502).expect('Content-Type', /html/);
      const body = text(res.text);
      expect(body).to.contain('We could not start the payment');
      expect(body).to.contain('Reference already in use');
      expect(body).to.contain('The reference "order-x" already has a payment that is pending.');
      expect(res.text).to.not.match(/at .*\.(ts|js):\d+|node_modules|AxiosError/);
      expect(logs.some((l) => l.level === 'warn')).to.equal(true);
      expect(JSON.stringify(logs), 'the API key is never logged').to.not.contain(API_KEY);
    });

    it('shows the field errors of a 400 validation problem', async () => {
      expectCreate(() => [
        400,
        { type: 'https://hpp-gateway.dev/problems/validation_failed', title: 'Invalid request', status: 400, detail: 'The request has invalid fields.', errors: [{ field: 'returnUrl', message: 'returnUrl must be on an allow-listed origin' }] },
        PROBLEM,
      ]);
      const res = await request(shop().app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      expect(text(res.text)).to.contain('returnUrl: returnUrl must be on an allow-listed origin');
    });

    it('shows a friendly page for a 500 problem and keeps serving', async () => {
      expectCreate(() => [500, { type: 'https://hpp-gateway.dev/problems/internal', title: 'Internal error', status: 500, detail: 'An internal error occurred.' }, PROBLEM]);
      const { app } = shop();
      const res = await request(app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      expect(text(res.text)).to.contain('Internal error');
      await request(app).get('/').expect(200);
    });

    it('escapes whatever the gateway puts in a problem', async () => {
      expectCreate(() => [422, { title: '<script>alert(1)</script>', detail: '<img src=x onerror=alert(1)>' }, PROBLEM]);
      const res = await request(shop().app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      expect(res.text).to.not.contain('<script>alert(1)');
      expect(res.text).to.not.contain('<img src=x');
      expect(res.text).to.contain('&lt;script&gt;');
    });

    it('copes with a non-JSON error page from a proxy in front of the gateway', async () => {
      expectCreate(() => [502, '<html><body>Bad Gateway</body></html>', { 'Content-Type': 'text/html' }]);
      const res = await request(shop().app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      expect(text(res.text)).to.contain('The payment service answered 502');
    });

    it('shows a friendly page when the gateway cannot be reached', async () => {
      const res = await request(shop({ gatewayUrl: `http://127.0.0.1:${await closedPort()}` }).app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      expect(text(res.text)).to.contain('The payment service cannot be reached');
      expect(res.text).to.not.contain('ECONNREFUSED');
    });

    it('answers 504 when the gateway is too slow', async () => {
      nock(GATEWAY).post('/api/v1/payments').delay(300).reply(201, gatewayPayment());
      const res = await request(shop({ gatewayTimeoutMs: 50 }).app).post('/buy').type('form').send({ productId: 'mug' }).expect(504);
      expect(text(res.text)).to.contain('did not answer in time');
    });

    it('refuses a 201 whose checkoutUrl is not an http(s) URL', async () => {
      expectCreate((body) => [201, gatewayPayment({ reference: body.reference, checkoutUrl: 'javascript:alert(1)' })]);
      const res = await request(shop().app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      expect(res.headers.location).to.equal(undefined);
    });
  });

  describe('GET /orders/:reference', () => {
    function lookup(reference: string, items: unknown[]) {
      return nock(GATEWAY, { reqheaders: { authorization: `Bearer ${API_KEY}` } })
        .get('/api/v1/payments')
        .query({ reference })
        .reply(200, { items, nextCursor: null });
    }
    const stateOn = (html: string) => parse(html).querySelector('[data-order-state]')?.getAttribute('data-order-state');
    const gatewaySays = (html: string) => parse(html).querySelector('[data-gateway-status]')?.getAttribute('data-gateway-status');
    const refreshOf = (html: string) => parse(html).querySelector('meta[http-equiv="refresh"]')?.getAttribute('content') ?? null;

    describe('an order of this shop: its own state, and what the gateway says beside it', () => {
      it('before any payment: awaiting payment, with the link to the checkout page', async () => {
        const { app } = shop();
        const reference = await buy(app);
        const scope = lookup(reference, [gatewayPayment({ reference })]);
        const res = await request(app).get(`/orders/${reference}`).expect(200).expect('Cache-Control', 'no-store');
        expect(scope.isDone()).to.equal(true);
        expect(stateOn(res.text)).to.equal('awaiting_payment');
        expect(gatewaySays(res.text)).to.equal('created');
        const body = text(res.text);
        expect(body).to.contain('Waiting for your payment');
        expect(body).to.contain('Gateway says: created');
        expect(body).to.contain('€24.80');
        expect(body).to.contain('T-shirt');
        expect(parse(res.text).querySelector('a.button')?.getAttribute('href')).to.equal(CHECKOUT);
        expect(refreshOf(res.text)).to.equal(null);
        expect(res.text).to.not.match(/<script|<style| style=| on[a-z]+=/i);
      });

      it('the buyer is back and the gateway says succeeded, but no webhook yet: NOT paid, waiting for the confirmation, refreshing', async () => {
        const { app } = shop();
        const reference = await buy(app);
        lookup(reference, [gatewayPayment({ reference, status: 'succeeded', attempts: [attempt('authorised', VISA_4242)] })]);
        const res = await request(app).get(`/orders/${reference}`).expect(200);
        expect(stateOn(res.text)).to.equal('awaiting_payment');
        expect(gatewaySays(res.text)).to.equal('succeeded');
        const body = text(res.text);
        expect(body).to.contain('Waiting for the payment confirmation…');
        expect(parse(res.text).querySelector('#awaiting-confirmation')).to.not.equal(null);
        expect(body).to.not.contain('Thank you');
        expect(parse(res.text).querySelector('#order-state')?.textContent).to.equal('Awaiting payment');
        expect(refreshOf(res.text)).to.equal('3');
        expect(parse(res.text).querySelector('a.button'), 'nothing to pay while the gateway says succeeded').to.equal(null);
      });

      it('paid once the verified webhook has arrived, with the card it names', async () => {
        const { app } = shop({ webhookSecret: SECRET });
        const reference = await buy(app);
        const body = succeeded(reference);
        await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);
        lookup(reference, [gatewayPayment({ reference, status: 'succeeded' })]);
        const res = await request(app).get(`/orders/${reference}`).expect(200);
        expect(stateOn(res.text)).to.equal('paid');
        const page = text(res.text);
        expect(page).to.contain('Thank you, your order is paid!');
        expect(page).to.contain('Visa ending in 4242');
        expect(page).to.contain('Gateway says: succeeded');
        expect(refreshOf(res.text)).to.equal(null);
        expect(parse(res.text).querySelector('#awaiting-confirmation')).to.equal(null);
      });

      it('still shows its own state when the gateway cannot be asked', async () => {
        const { app } = shop({ webhookSecret: SECRET });
        const reference = await buy(app);
        const body = succeeded(reference);
        await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);
        nock(GATEWAY).get('/api/v1/payments').query({ reference }).reply(503, { title: 'Service unavailable', status: 503 }, PROBLEM);
        const res = await request(app).get(`/orders/${reference}`).expect(200);
        expect(stateOn(res.text)).to.equal('paid');
        expect(gatewaySays(res.text)).to.equal('unavailable');
        expect(text(res.text)).to.contain('status unavailable right now');
      });

      it('refreshes itself every 3 s while the payment is pending at the bank', async () => {
        const { app } = shop();
        const reference = await buy(app);
        lookup(reference, [gatewayPayment({ reference, status: 'pending', attempts: [attempt('pending')] })]);
        const res = await request(app).get(`/orders/${reference}`).expect(200);
        expect(refreshOf(res.text)).to.equal('3');
        expect(text(res.text)).to.contain('Your payment is being processed');
        expect(stateOn(res.text)).to.equal('awaiting_payment');
      });

      it('after a refusal (webhook): try again, with the card that was refused', async () => {
        const { app } = shop({ webhookSecret: SECRET });
        const reference = await buy(app);
        const body = eventBody({ type: 'payment.failed', reference, version: 3, attempts: [{ ref: 'A1', status: 'refused', card: { brand: 'mastercard', last4: '0002' } }], attemptRef: 'A1' });
        await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);
        lookup(reference, [gatewayPayment({ reference, status: 'failed', attempts: [attempt('refused', { brand: 'mastercard', last4: '0002' })] })]);
        const res = await request(app).get(`/orders/${reference}`).expect(200);
        const doc = parse(res.text);
        expect(stateOn(res.text)).to.equal('payment_failed');
        expect(text(res.text)).to.contain('did not go through');
        expect(text(res.text)).to.contain('Mastercard ending in 0002');
        expect(doc.querySelector('a.button')?.textContent).to.equal('Try again');
        expect(doc.querySelector('a.button')?.getAttribute('href')).to.equal(CHECKOUT);
        expect(refreshOf(res.text)).to.equal(null);
      });

      for (const [status, words] of [
        ['cancelled', 'Payment cancelled'],
        ['expired', 'This payment has expired'],
      ] as const) {
        it(`explains an order that is ${status}`, async () => {
          const { app } = shop({ webhookSecret: SECRET });
          const reference = await buy(app);
          const body = eventBody({ type: `payment.${status}`, reference, version: 2 });
          await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);
          lookup(reference, [gatewayPayment({ reference, status })]);
          const res = await request(app).get(`/orders/${reference}`).expect(200);
          expect(text(res.text)).to.contain(words);
          expect(stateOn(res.text)).to.equal(status);
          expect(parse(res.text).querySelector('a.button')).to.equal(null);
        });
      }

      it('a webhook that does not verify changes nothing the page shows', async () => {
        const { app } = shop({ webhookSecret: SECRET });
        const reference = await buy(app);
        const body = succeeded(reference);
        await request(app).post('/webhooks').set(hmacHeaders(body, 'whsec_not_the_shop_secret_000')).send(body).expect(400);
        lookup(reference, [gatewayPayment({ reference })]);
        const res = await request(app).get(`/orders/${reference}`).expect(200);
        expect(stateOn(res.text)).to.equal('awaiting_payment');
      });
    });

    describe('an order this shop has no record of (made elsewhere, or forgotten on restart)', () => {
      const reference = 'order-abcdefghij';

      it('says so, shows what the gateway says, and offers no payment', async () => {
        const scope = lookup(reference, [gatewayPayment({ status: 'succeeded', attempts: [attempt('authorised', VISA_4242)] })]);
        const res = await request(shop().app).get(`/orders/${reference}`).expect(200);
        expect(scope.isDone()).to.equal(true);
        expect(stateOn(res.text)).to.equal('unknown');
        expect(gatewaySays(res.text)).to.equal('succeeded');
        const body = text(res.text);
        expect(body).to.contain('This shop has no record of this order');
        expect(body).to.contain('Gateway says: succeeded');
        expect(body).to.not.contain('Thank you');
        expect(body).to.contain('T-shirt');
        expect(parse(res.text).querySelector('a.button')).to.equal(null);
      });

      it('reads the newest payment when the reference has several', async () => {
        lookup(reference, [
          gatewayPayment({ id: 'pay_old', status: 'expired', createdAt: '2030-01-01T00:00:00.000Z' }),
          gatewayPayment({ id: 'pay_new', status: 'succeeded', createdAt: '2030-01-01T01:00:00.000Z' }),
          gatewayPayment({ id: 'pay_mid', status: 'cancelled', createdAt: '2030-01-01T00:30:00.000Z' }),
        ]);
        const res = await request(shop().app).get(`/orders/${reference}`).expect(200);
        expect(gatewaySays(res.text)).to.equal('succeeded');
      });

      it('answers 404 when the gateway does not know it either', async () => {
        lookup(reference, []);
        const res = await request(shop().app).get(`/orders/${reference}`).expect(404);
        expect(text(res.text)).to.contain('No such order');
      });

      it('shows a friendly page when the gateway fails', async () => {
        nock(GATEWAY).get('/api/v1/payments').query({ reference }).reply(503, { title: 'Service unavailable', status: 503 }, PROBLEM);
        const res = await request(shop().app).get(`/orders/${reference}`).expect(502);
        expect(text(res.text)).to.contain('We could not check this order');
      });

      it('shows a friendly page when the gateway answers something unexpected', async () => {
        lookup(reference, [{ id: 'pay_x', status: 'teleported' }]);
        const res = await request(shop().app).get(`/orders/${reference}`).expect(502);
        expect(text(res.text)).to.contain('Unexpected answer');
      });
    });

    it('answers 404 for a malformed reference without asking the gateway', async () => {
      const scope = nock(GATEWAY).get('/api/v1/payments').query(true).reply(200, { items: [], nextCursor: null });
      await request(shop().app).get('/orders/..%2Fadmin').expect(404);
      await request(shop().app).get('/orders/ORDER-ABCDEFGHIJ').expect(404);
      expect(scope.isDone()).to.equal(false);
    });
  });

  describe('GET /orders', () => {
    it('lists the orders this shop created, newest first, with their own state, without asking the gateway', async () => {
      const { app } = shop({ webhookSecret: SECRET });
      const mugRef = await buy(app, 'mug');
      const posterRef = await buy(app, 'poster');
      const body = succeeded(mugRef, 3, { amount: 1290 });
      await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);

      const lookups = nock(GATEWAY).get('/api/v1/payments').query(true).reply(200, { items: [], nextCursor: null });
      const res = await request(app).get('/orders').expect(200).expect('Cache-Control', 'no-store');
      expect(lookups.isDone()).to.equal(false);
      const doc = parse(res.text);
      const cells = doc.querySelectorAll('tbody tr').map((tr) => tr.querySelectorAll('td').map((td) => td.textContent.trim()));
      // The second column is when the order was made, for people ("1 March 2025 at 10:02", UTC by default).
      for (const row of cells) expect(row[1]).to.match(/^\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}$/);
      const rows = cells.map((row) => row.filter((_, i) => i !== 1));
      expect(rows).to.deep.equal([
        [posterRef, 'Poster', '€9.90', 'Awaiting payment'],
        [mugRef, 'Enamel mug', '€12.90', 'Paid'],
      ]);
      expect(doc.querySelectorAll('tbody tr').map((tr) => tr.getAttribute('data-order-state'))).to.deep.equal(['awaiting_payment', 'paid']);
    });

    it('does not list an order whose payment the gateway refused to create', async () => {
      const { app } = shop();
      expectCreate(() => [500, { title: 'Internal error' }, PROBLEM]);
      await request(app).post('/buy').type('form').send({ productId: 'mug' }).expect(502);
      const res = await request(app).get('/orders').expect(200);
      expect(text(res.text)).to.contain('No orders yet');
    });

    it('says so when there are no orders yet', async () => {
      const res = await request(shop().app).get('/orders').expect(200);
      expect(text(res.text)).to.contain('No orders yet');
    });
  });

  it('answers unknown pages with a 404 page', async () => {
    const res = await request(shop().app).get('/nope').expect(404).expect('Content-Type', /html/);
    expect(text(res.text)).to.contain('Page not found');
  });
});
