import { createServer } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { BankUnavailableError, GatewayError } from '../../../src/core/errors.js';
import { STRIPE_API_VERSION, StripeApiError } from '../../../src/connectors/stripe/stripe-client.js';
import { API, ATTEMPT_REF, attempt, buildInput, checkoutUrl, connector, payment, SECRET_KEY, SESSION_ID } from './fixtures.js';

interface Captured {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Records each create request the mocked API receives. */
function recorder(): { requests: Captured[]; reply: (status: number, body: unknown, headers?: Record<string, string>) => (this: nock.ReplyFnContext, uri: string, body: nock.Body) => nock.ReplyFnResult } {
  const requests: Captured[] = [];
  return {
    requests,
    reply(status, body, headers = {}) {
      return function (this: nock.ReplyFnContext, _uri: string, requestBody: nock.Body) {
        requests.push({ body: String(requestBody), headers: { ...this.req.headers } });
        return [status, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers }];
      };
    },
  };
}

const created = { id: SESSION_ID, object: 'checkout.session', url: checkoutUrl(), status: 'open', payment_status: 'unpaid' };

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Stripe connector: creating the Checkout Session', () => {
  beforeEach(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('POSTs the exact form body with the secret key, the pinned version and the attempt idempotency key, and redirects by GET to the session URL', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').reply(reply(200, created));
    const p = payment();
    const a = attempt();
    const redirect = await connector().buildRequest(buildInput(p, a, 'fr'));

    expect(redirect).to.deep.equal({ url: checkoutUrl(), method: 'GET', fields: {} });
    expect(requests).to.have.length(1);
    const { body, headers } = requests[0]!;
    expect(headers.authorization).to.equal(`Bearer ${SECRET_KEY}`);
    expect(headers['idempotency-key']).to.equal(`hpp-checkout-session-${ATTEMPT_REF}`);
    expect(headers['content-type']).to.equal('application/x-www-form-urlencoded');
    expect(headers['stripe-version']).to.equal(STRIPE_API_VERSION);
    expect(Object.fromEntries(new URLSearchParams(body))).to.deep.equal({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '2480',
      'line_items[0][price_data][product_data][name]': 'A T-shirt',
      'line_items[0][quantity]': '1',
      'payment_method_types[0]': 'card',
      client_reference_id: ATTEMPT_REF,
      'metadata[attempt_ref]': ATTEMPT_REF,
      'metadata[payment_id]': p.id,
      success_url: 'http://gateway.test/bank/stripe/return?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://gateway.test/bank/stripe/return?session_id={CHECKOUT_SESSION_ID}&cancelled=1',
      expires_at: String(Math.floor(Date.parse(p.expiresAt) / 1000)),
      locale: 'fr',
      customer_email: 'buyer@example.com',
    });
    // Every key appears once (no duplicate array encodings).
    expect([...new URLSearchParams(body).keys()]).to.have.length(14);
  });

  it('names the line item after the reference without a description, leaves out an unknown email, and lists the configured payment methods', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').reply(reply(200, created));
    await connector({ paymentMethodTypes: ['card', 'sepa_debit'] }).buildRequest(buildInput(payment({ description: null, customer: null }), attempt(), 'en'));
    const fields = Object.fromEntries(new URLSearchParams(requests[0]!.body));
    expect(fields['line_items[0][price_data][product_data][name]']).to.equal('order-42');
    expect(fields).not.to.have.property('customer_email');
    expect(fields.locale).to.equal('en');
    expect(fields['payment_method_types[0]']).to.equal('card');
    expect(fields['payment_method_types[1]']).to.equal('sepa_debit');
  });

  it('keeps expires_at within what Stripe accepts (30 min to 24 h) and derives it from the attempt, not the clock', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').times(4).reply(reply(200, created));
    const start = Date.now();
    const a = attempt({ createdAt: new Date(start).toISOString() });
    const startS = Math.floor(start / 1000);
    const expiresAt = async (ms: number) => {
      await connector().buildRequest(buildInput(payment({ expiresAt: new Date(start + ms).toISOString() }), a));
      return Number(new URLSearchParams(requests.at(-1)!.body).get('expires_at'));
    };
    expect(await expiresAt(5 * 60_000)).to.equal(startS + 35 * 60);
    expect(await expiresAt(3 * 24 * 3600_000)).to.equal(startS + 24 * 3600 - 5 * 60);
    expect(await expiresAt(2 * 3600_000)).to.equal(startS + 2 * 3600);
    // The same attempt built again later (a second click on "Pay") sends the very same parameters.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await expiresAt(2 * 3600_000)).to.equal(startS + 2 * 3600);
    expect(requests[2]!.body).to.equal(requests[3]!.body);
    expect(requests[2]!.headers['idempotency-key']).to.equal(requests[3]!.headers['idempotency-key']);
  });

  it('sends amounts in Stripe units: JPY whole yen, ISK in hundredths, KWD in fils', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').times(3).reply(reply(200, created));
    const unitAmount = async (amount: number, currency: string) => {
      await connector().buildRequest(buildInput(payment({ amount, currency })));
      const fields = new URLSearchParams(requests.at(-1)!.body);
      return [fields.get('line_items[0][price_data][unit_amount]'), fields.get('line_items[0][price_data][currency]')];
    };
    expect(await unitAmount(1500, 'JPY')).to.deep.equal(['1500', 'jpy']);
    expect(await unitAmount(500, 'ISK')).to.deep.equal(['50000', 'isk']);
    expect(await unitAmount(5120, 'KWD')).to.deep.equal(['5120', 'kwd']);
  });

  it('refuses, before calling Stripe, an amount Stripe cannot charge exactly', async () => {
    for (const [amount, currency] of [
      [5125, 'KWD'],
      [150, 'MGA'],
    ] as const) {
      const err = await rejection(connector().buildRequest(buildInput(payment({ amount, currency }))));
      expect(err).to.be.instanceOf(GatewayError);
      expect((err as GatewayError).status).to.equal(502);
      expect((err as GatewayError).message).to.contain(currency);
    }
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('retries after a timeout with the same idempotency key, and succeeds', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').delay(2000).reply(reply(200, created));
    nock(API).post('/v1/checkout/sessions').reply(reply(200, created));
    const redirect = await connector({ timeoutMs: 200 }).buildRequest(buildInput());
    expect(redirect.url).to.equal(checkoutUrl());
    expect(requests).to.have.length(2);
    expect(requests.map((r) => r.headers['idempotency-key'])).to.deep.equal([`hpp-checkout-session-${ATTEMPT_REF}`, `hpp-checkout-session-${ATTEMPT_REF}`]);
    expect(requests[0]!.body).to.equal(requests[1]!.body);
  });

  it('retries network errors, 429 and 409 (same key still running) with the same key', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    nock(API).post('/v1/checkout/sessions').reply(reply(429, { error: { type: 'invalid_request_error', code: 'rate_limit' } }));
    nock(API).post('/v1/checkout/sessions').reply(reply(409, { error: { type: 'idempotency_error' } }));
    nock(API).post('/v1/checkout/sessions').reply(reply(200, created));
    const redirect = await connector({ retryDelaysMs: [1, 1, 1] }).buildRequest(buildInput());
    expect(redirect.url).to.equal(checkoutUrl());
    expect(nock.isDone()).to.equal(true);
    expect(requests).to.have.length(3);
    expect(new Set(requests.map((r) => r.headers['idempotency-key']))).to.deep.equal(new Set([`hpp-checkout-session-${ATTEMPT_REF}`]));
  });

  it('gives up after three tries on 5xx with a retryable "bank unavailable" error', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').times(4).reply(reply(500, { error: { type: 'api_error' } }));
    const err = await rejection(connector().buildRequest(buildInput()));
    expect(err).to.be.instanceOf(BankUnavailableError);
    expect(requests).to.have.length(3);
    expect(nock.pendingMocks()).to.have.length(1);
    expect(new Set(requests.map((r) => r.headers['idempotency-key'])).size).to.equal(1);
  });

  it('does not retry when Stripe says so (Stripe-Should-Retry: false)', async () => {
    const { requests, reply } = recorder();
    nock(API).post('/v1/checkout/sessions').times(2).reply(reply(500, { error: { type: 'api_error' } }, { 'Stripe-Should-Retry': 'false' }));
    const err = await rejection(connector().buildRequest(buildInput()));
    expect(err).to.be.instanceOf(StripeApiError);
    expect(requests).to.have.length(1);
  });

  it('turns a 4xx into one friendly gateway error, without retrying or quoting Stripe or the key', async () => {
    const { requests, reply } = recorder();
    nock(API)
      .post('/v1/checkout/sessions')
      .times(2)
      .reply(reply(400, { error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'line_items[0][price_data][unit_amount]', message: `Invalid integer: customer buyer@example.com key ${SECRET_KEY}` } }));
    const err = await rejection(connector().buildRequest(buildInput()));
    expect(err).to.be.instanceOf(StripeApiError);
    const error = err as StripeApiError;
    expect(error).to.be.instanceOf(GatewayError);
    expect(error.code).to.equal('bank_error');
    expect(error.status).to.equal(502);
    expect(error.expose).to.equal(false);
    expect(error.httpStatus).to.equal(400);
    expect(error.message).to.contain('parameter_invalid_integer').and.contain('line_items[0][price_data][unit_amount]');
    expect(error.message).not.to.contain('buyer@example.com');
    expect(error.message).not.to.contain(SECRET_KEY);
    expect(requests).to.have.length(1);
  });

  it('refuses a session URL outside the Checkout origin, and accepts a configured custom domain', async () => {
    nock(API).post('/v1/checkout/sessions').reply(200, { ...created, url: 'https://evil.example/c/pay/cs_test_x' });
    const err = await rejection(connector().buildRequest(buildInput()));
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).message).to.contain('outside https://checkout.stripe.com');

    nock(API).post('/v1/checkout/sessions').reply(200, { ...created, url: 'https://pay.shop.example/c/pay/cs_test_x#frag' });
    const custom = connector({ checkoutOrigin: 'https://pay.shop.example' });
    expect(custom.bankOrigin).to.equal('https://pay.shop.example');
    expect((await custom.buildRequest(buildInput())).url).to.equal('https://pay.shop.example/c/pay/cs_test_x#frag');
  });

  it('keeps the secret key out of every error, including a refused connection (retried, then "unavailable")', async () => {
    nock.enableNetConnect(/127\.0\.0\.1/);
    const port = await closedPort();
    const started = Date.now();
    const err = await rejection(connector({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).buildRequest(buildInput()));
    expect(err).to.be.instanceOf(BankUnavailableError);
    expect(Date.now() - started).to.be.below(1500);
    expect(JSON.stringify(err)).not.to.contain(SECRET_KEY);
    expect(String((err as Error).stack)).not.to.contain(SECRET_KEY);
    expect(Object.values(err as object).join(' ')).not.to.contain(SECRET_KEY);
  });
});
