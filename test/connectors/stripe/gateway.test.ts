import { expect } from 'chai';
import nock from 'nock';
import request from 'supertest';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import {
  API,
  checkoutUrl,
  connector,
  eventPayload,
  expandedPaymentIntent,
  nowSeconds,
  PI_ID,
  SECRET_KEY,
  session,
  SESSION_ID,
  signatureHeader,
  WEBHOOK_SECRET,
} from './fixtures.js';

const EXPAND = { 'expand[0]': 'payment_intent.latest_charge' };

/**
 * The whole gateway with the Stripe connector only and the Stripe API mocked: what Stripe's webhooks and
 * the buyer's return do to payments, through the shared routes and state machine.
 */
describe('Stripe Checkout through the gateway', () => {
  let gw: TestGateway;
  let paymentId: string;
  let attemptRef: string;

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    gw = await testGateway({ connectors: () => [connector()] });
    const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    expect(res.status).to.equal(201);
    paymentId = res.body.id;
    const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'stripe');
    attemptRef = attempt!.ref;
  });
  afterEach(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await gw.close();
  });

  it('refuses at create an amount Stripe cannot charge exactly, naming the amount, and creates nothing', async () => {
    const before = (await gw.app.gateway.store.listPayments({ limit: 100 })).items.length;
    for (const [amount, currency] of [[150, 'MGA'], [5125, 'KWD']] as const) {
      const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ amount, currency }));
      expect(res.status, `${amount} ${currency}`).to.equal(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['amount']);
    }
    expect((await gw.app.gateway.store.listPayments({ limit: 100 })).items.length).to.equal(before);
    const ok = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ amount: 5120, currency: 'KWD' }));
    expect(ok.status).to.equal(201);
  });

  /** Our session for the current attempt, as Stripe reports it. */
  const ours = (overrides: Record<string, unknown> = {}) =>
    session({ client_reference_id: attemptRef, metadata: { attempt_ref: attemptRef, payment_id: paymentId }, ...overrides });

  const webhook = (payload: string, header = signatureHeader(payload)) =>
    request(gw.app).post('/bank/stripe/notify').set('Content-Type', 'application/json; charset=utf-8').set('Stripe-Signature', header).send(payload);

  /** The card lookup that follows a paid event. */
  const cardLookup = (body: Record<string, unknown>) => nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(EXPAND).reply(200, body);

  const snapshot = async () => ({
    payment: await gw.app.gateway.store.getPayment(paymentId),
    events: (await gw.app.gateway.store.listEvents(paymentId)).map((e) => e.type),
  });

  it('"Pay" creates the Checkout Session and answers 303 to its URL, fragment included, allowed by the CSP', async () => {
    // A fresh payment: the buyer opens the checkout page and clicks "Pay".
    const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    let form = '';
    const api = nock(API, { reqheaders: { authorization: `Bearer ${SECRET_KEY}` } })
      .post('/v1/checkout/sessions', (body: Record<string, unknown>) => {
        form = JSON.stringify(body);
        return true;
      })
      .reply(200, { id: SESSION_ID, object: 'checkout.session', url: checkoutUrl() });
    const agent = request.agent(gw.app);
    const page = await agent.get(`/checkout/${created.body.id}`);
    expect(page.headers['content-security-policy']).to.contain('form-action').and.contain('https://checkout.stripe.com');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await agent.post(`/checkout/${created.body.id}/pay`).type('form').send({ _csrf: token });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(checkoutUrl());
    expect(api.isDone()).to.equal(true);
    const payment = await gw.app.gateway.store.getPayment(created.body.id);
    expect(payment!.status).to.equal('pending');
    expect(form).to.contain(payment!.attempts[0]!.ref).and.contain(created.body.id);
  });

  it('checkout.session.completed → succeeded, with the PaymentIntent and the card; Stripe gets {"received":true}', async () => {
    cardLookup(ours({ payment_intent: expandedPaymentIntent() }));
    const res = await webhook(eventPayload('checkout.session.completed', ours()));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ received: true });
    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('succeeded');
    expect(payment!.attempts[0]).to.include({ status: 'authorised', bankTransactionId: PI_ID, responseCode: 'complete:paid' });
    expect(payment!.attempts[0]!.card).to.deep.equal({ brand: 'visa', last4: '4242' });
    expect(events).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
  });

  it('a duplicate webhook (the same event delivered again, freshly signed) is acknowledged with one transition; the same signed bytes again are a replay', async () => {
    cardLookup(ours({ payment_intent: expandedPaymentIntent() }));
    const payload = eventPayload('checkout.session.completed', ours());
    const first = signatureHeader(payload, WEBHOOK_SECRET, nowSeconds() - 20);
    expect((await webhook(payload, first)).status).to.equal(200);
    const after = await snapshot();

    cardLookup(ours({ payment_intent: expandedPaymentIntent() }));
    const again = await webhook(payload, signatureHeader(payload, WEBHOOK_SECRET, nowSeconds() - 10));
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ received: true });

    const replay = await webhook(payload, first);
    expect(replay.status).to.equal(400);
    expect(replay.body).to.deep.equal({ received: false, reason: 'replay' });
    expect(await snapshot()).to.deep.equal(after);
    expect(after.events.filter((e) => e === 'payment.succeeded')).to.have.length(1);
  });

  it('an amount or a currency other than asked is refused and recorded as an anomaly, nothing else changes', async () => {
    const before = await snapshot();
    const amount = await webhook(eventPayload('checkout.session.expired', ours({ status: 'expired', payment_status: 'unpaid', amount_total: 1 })));
    expect(amount.status).to.equal(400);
    expect(amount.body).to.deep.equal({ received: false, reason: 'amount_mismatch' });
    cardLookup(ours({ currency: 'usd', payment_intent: expandedPaymentIntent() }));
    const currency = await webhook(eventPayload('checkout.session.completed', ours({ currency: 'usd' })));
    expect(currency.status).to.equal(400);
    expect(currency.body).to.deep.equal({ received: false, reason: 'currency_mismatch' });

    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('pending');
    expect(payment!.attempts).to.deep.equal(before.payment!.attempts);
    expect(payment!.anomalies).to.have.members(['amount_mismatch', 'currency_mismatch']);
    expect(events).to.deep.equal([...before.events, 'payment.anomaly', 'payment.anomaly']);
  });

  it('a session for an attempt we do not have is refused and changes nothing', async () => {
    const before = await snapshot();
    cardLookup(session({ payment_intent: expandedPaymentIntent() }));
    const res = await webhook(eventPayload('checkout.session.completed', session({ client_reference_id: 'ANOTHERATTEMPT1', metadata: { attempt_ref: 'ANOTHERATTEMPT1' } })));
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ received: false, reason: 'unknown_attempt' });
    expect(await snapshot()).to.deep.equal(before);
  });

  it('async_payment_failed after success: recorded as an anomaly only, the payment stays succeeded', async () => {
    cardLookup(ours({ payment_intent: expandedPaymentIntent() }));
    expect((await webhook(eventPayload('checkout.session.completed', ours()))).status).to.equal(200);
    const res = await webhook(eventPayload('checkout.session.async_payment_failed', ours({ payment_status: 'unpaid' })));
    expect(res.status).to.equal(200);
    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('succeeded');
    expect(payment!.attempts[0]!.status).to.equal('authorised');
    expect(payment!.anomalies).to.deep.equal(['regression_after_success']);
    expect(events).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded', 'payment.anomaly']);
  });

  it('the return with a session retrieved as paid shows "succeeded" before any webhook; the webhook then changes nothing', async () => {
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(EXPAND).reply(200, ours({ payment_intent: expandedPaymentIntent({ brand: 'amex', last4: '0005' }) }));
    const back = await request(gw.app).get(`/bank/stripe/return?session_id=${SESSION_ID}`);
    expect(back.status).to.equal(303);
    expect(back.headers.location).to.equal(`http://gateway.test/checkout/${paymentId}/result`);
    const page = await request(gw.app).get(`/checkout/${paymentId}/result`);
    expect(page.text).to.contain('data-status="succeeded"');
    expect((await snapshot()).payment!.attempts[0]!.card).to.deep.equal({ brand: 'amex', last4: '0005' });

    const res = await webhook(eventPayload('checkout.session.completed', ours({ payment_intent: expandedPaymentIntent({ brand: 'amex', last4: '0005' }) })));
    expect(res.status).to.equal(200);
    expect((await snapshot()).events.filter((e) => e === 'payment.succeeded')).to.have.length(1);
  });

  it('the buyer cancelling on Checkout: the session is expired at Stripe and the payment cancelled', async () => {
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(EXPAND).reply(200, ours({ status: 'open', payment_status: 'unpaid', payment_intent: null }));
    const expire = nock(API).post(`/v1/checkout/sessions/${SESSION_ID}/expire`).reply(200, ours({ status: 'expired', payment_status: 'unpaid', payment_intent: null }));
    const back = await request(gw.app).get(`/bank/stripe/return?session_id=${SESSION_ID}&cancelled=1`);
    expect(back.status).to.equal(303);
    expect(expire.isDone()).to.equal(true);
    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('cancelled');
    expect(events).to.deep.equal(['payment.created', 'payment.pending', 'payment.cancelled']);
    // Stripe's checkout.session.expired webhook that follows changes nothing.
    expect((await webhook(eventPayload('checkout.session.expired', ours({ status: 'expired', payment_status: 'unpaid', payment_intent: null })))).status).to.equal(200);
    expect((await snapshot()).events).to.deep.equal(events);
  });

  it('a return Stripe cannot confirm: a friendly page, nothing changed', async () => {
    const before = await snapshot();
    const forged = await request(gw.app).get('/bank/stripe/return?session_id=cs_test_../../v1/charges');
    expect(forged.status).to.equal(400);
    expect(forged.text).to.contain('could not confirm');
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(EXPAND).times(3).reply(503, {});
    const down = await request(gw.app).get(`/bank/stripe/return?session_id=${SESSION_ID}`);
    expect(down.status).to.equal(503);
    expect(down.headers['content-type']).to.contain('text/html');
    expect(await snapshot()).to.deep.equal(before);
  });

  it('other event types are acknowledged without effect; a bad signature gets a 400 Stripe shows in its dashboard', async () => {
    const before = await snapshot();
    const other = await webhook(eventPayload('payment_intent.succeeded', { id: PI_ID, object: 'payment_intent' }));
    expect(other.status).to.equal(200);
    expect(other.body).to.deep.equal({ received: true });
    const payload = eventPayload('checkout.session.completed', ours());
    const forged = await webhook(payload, signatureHeader(payload, 'whsec_notTheEndpointSecret000000000'));
    expect(forged.status).to.equal(400);
    expect(forged.body).to.deep.equal({ received: false, reason: 'bad_signature' });
    const unsigned = await request(gw.app).post('/bank/stripe/notify').set('Content-Type', 'application/json').send(payload);
    expect(unsigned.status).to.equal(400);
    expect(await snapshot()).to.deep.equal(before);
    expect(gw.logs.join('')).not.to.contain(SECRET_KEY);
  });
});
