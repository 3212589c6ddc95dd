import { expect } from 'chai';
import nock from 'nock';
import request from 'supertest';
import { StripeConnector } from '../../../src/connectors/stripe/stripe-connector.js';
import type { Payment } from '../../../src/core/payment.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { failingCommits } from '../../support/failing-commits.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { API, connectorOptions, eventPayload, expandedPaymentIntent, nowSeconds, PI_ID, session, SESSION_ID, signatureHeader } from './fixtures.js';
import { listOf, refundObject } from './operation-fixtures.js';

const auth = { Authorization: `Bearer ${API_KEY}` };
const EXPAND = { 'expand[0]': 'payment_intent.latest_charge' };
const DASHBOARD_REFUND = 're_3PdashboardRefund01';

/** A Charge as "The Charge object" shows it in a `charge.refunded` event (no `refunds` list since API 2022-11-15). */
const charge = (overrides: Record<string, unknown> = {}) => ({
  id: 'ch_3PgatewayTests0001',
  object: 'charge',
  amount: 2480,
  amount_captured: 2480,
  amount_refunded: 1000,
  captured: true,
  currency: 'eur',
  livemode: false,
  payment_intent: PI_ID,
  refunded: false,
  status: 'succeeded',
  ...overrides,
});

/**
 * Stripe's refund webhooks through the whole gateway, the Stripe API mocked with nock and every body
 * signed as Stripe signs it (the official library's test header): each moves our refund once, through
 * the same state machine as the API's answer and the reconciler's, and a refund made in the dashboard
 * is recorded as a refund of its own.
 */
describe('Stripe refund webhooks through the gateway (API reference "Types of events": charge.refunded, refund.created, refund.updated, refund.failed)', () => {
  let gw: TestGateway;
  let paymentId: string;
  let attemptRef: string;
  const failures = { left: 0 };

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    failures.left = 0;
    gw = await testGateway({ store: (outboxTargets) => failingCommits(new MemoryPaymentStore({ outboxTargets }), failures), connectors: () => [new StripeConnector(connectorOptions())] });
    const res = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment());
    expect(res.status).to.equal(201);
    paymentId = res.body.id;
    const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'stripe');
    attemptRef = attempt!.ref;
    const ours = session({ client_reference_id: attemptRef, metadata: { attempt_ref: attemptRef, payment_id: paymentId }, payment_intent: PI_ID });
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(EXPAND).reply(200, { ...ours, payment_intent: expandedPaymentIntent() });
    expect((await webhook(eventPayload('checkout.session.completed', ours))).status).to.equal(200);
    expect((await stored()).status).to.equal('succeeded');
  });
  afterEach(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await gw.close();
  });

  const webhook = (payload: string, header = signatureHeader(payload)) =>
    request(gw.app).post('/bank/stripe/notify').set('Content-Type', 'application/json; charset=utf-8').set('Stripe-Signature', header).send(payload);

  const stored = async (): Promise<Payment> => (await gw.app.gateway.store.getPayment(paymentId))!;
  const eventTypes = async () => (await gw.app.gateway.store.listEvents(paymentId)).map((e) => e.type);

  /** Our session, as "List all Checkout Sessions" finds it by its PaymentIntent. */
  const sessionsOfPaymentIntent = (data: unknown[]) =>
    nock(API).get('/v1/checkout/sessions').query({ payment_intent: PI_ID, limit: '100' }).reply(200, listOf(data, false, '/v1/checkout/sessions'));

  /** A refund asked through the API that Stripe took as pending; its Refund object carries our operation id in metadata. */
  async function pendingRefund(amount: number, stripeId: string): Promise<{ id: string; stripe: (overrides: Record<string, unknown>) => Record<string, unknown> }> {
    let operationId = '';
    nock(API)
      .post('/v1/refunds', (body: Record<string, string>) => {
        operationId = body['metadata[hpp_operation_id]'] ?? '';
        return true;
      })
      .reply(200, () => refundObject({ id: stripeId, amount, status: 'pending', metadata: { hpp_operation_id: operationId, payment_id: paymentId } }));
    const res = await request(gw.app).post(`/api/v1/payments/${paymentId}/refunds`).set(auth).send({ amount });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('pending');
    expect(res.body.id).to.equal(operationId);
    return { id: res.body.id, stripe: (overrides) => refundObject({ id: stripeId, amount, metadata: { hpp_operation_id: res.body.id, payment_id: paymentId }, ...overrides }) as Record<string, unknown> };
  }

  it('refund.updated (succeeded) settles our pending refund, found by the operation id we sent in its metadata, once; the same event again and a late refund.created change nothing', async () => {
    const refund = await pendingRefund(1000, 're_3PourRefund000001');
    const payload = eventPayload('refund.updated', refund.stripe({ status: 'succeeded' }));
    const res = await webhook(payload, signatureHeader(payload, undefined, nowSeconds() - 20));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ received: true });
    const settled = await stored();
    expect(settled.refunds![0]).to.include({ id: refund.id, status: 'succeeded', bankReference: 're_3PourRefund000001' });
    expect(settled.amountRefunded).to.equal(1000);
    const events = await eventTypes();
    expect(events.filter((t) => t === 'refund.succeeded')).to.have.length(1);

    // Stripe delivers an event again with a fresh signature; the same signed bytes again are a replay.
    expect((await webhook(payload, signatureHeader(payload, undefined, nowSeconds() - 10))).status).to.equal(200);
    expect((await webhook(payload, signatureHeader(payload, undefined, nowSeconds() - 10))).status, 'a replay').to.equal(400);
    expect((await webhook(eventPayload('refund.created', refund.stripe({ status: 'pending' })))).status).to.equal(200);
    expect(await stored(), 'nothing moved').to.deep.equal(settled);
    expect(await eventTypes()).to.deep.equal(events);
  });

  it('a refund.updated whose write failed is answered "retry", and the same signed bytes sent again settle the refund once', async () => {
    const refund = await pendingRefund(1000, 're_3PourRefund000004');
    const payload = eventPayload('refund.updated', refund.stripe({ status: 'succeeded' }));
    const header = signatureHeader(payload, undefined, nowSeconds() - 20);
    failures.left = 1;
    const failed = await webhook(payload, header);
    expect(failed.status, JSON.stringify(failed.body)).to.equal(503);
    expect((await stored()).refunds![0]).to.include({ status: 'pending' });

    expect((await webhook(payload, header)).status, 'the same bytes, not a replay').to.equal(200);
    expect((await stored()).refunds![0]).to.include({ id: refund.id, status: 'succeeded' });
    expect((await webhook(payload, header)).status, 'now a replay').to.equal(400);
    expect((await eventTypes()).filter((t) => t === 'refund.succeeded')).to.have.length(1);
  });

  it('refund.failed (failure_reason, "Refunds: failed refunds") fails our refund and releases its amount, refundable again', async () => {
    const refund = await pendingRefund(2480, 're_3PourRefund000002');
    const res = await webhook(eventPayload('refund.failed', refund.stripe({ status: 'failed', failure_reason: 'expired_or_canceled_card' })));
    expect(res.status).to.equal(200);
    const failed = await stored();
    expect(failed.refunds![0]).to.include({ status: 'failed', failureReason: 'refund_failed:expired_or_canceled_card' });
    expect(failed.amountRefunded).to.equal(0);
    expect((await eventTypes()).filter((t) => t.startsWith('refund.'))).to.deep.equal(['refund.created', 'refund.failed']);
    // The released amount can be refunded again.
    nock(API).post('/v1/refunds').reply(200, refundObject({ id: 're_3PourRefund000003', amount: 2480, status: 'succeeded' }));
    expect((await request(gw.app).post(`/api/v1/payments/${paymentId}/refunds`).set(auth).send({ amount: 2480 })).status).to.equal(201);
  });

  it('charge.refunded carries no refunds (API 2022-11-15): the PaymentIntent\'s refunds are listed ("List all refunds") and ours settled from them, once', async () => {
    const refund = await pendingRefund(1000, 're_3PourRefund000004');
    const listed = () => nock(API).get('/v1/refunds').query({ payment_intent: PI_ID, limit: '100' }).reply(200, listOf([refund.stripe({ status: 'succeeded' })]));
    listed();
    expect((await webhook(eventPayload('charge.refunded', charge()))).status).to.equal(200);
    const settled = await stored();
    expect(settled.refunds![0]).to.include({ id: refund.id, status: 'succeeded' });
    expect(settled.amountRefunded).to.equal(1000);
    listed();
    expect((await webhook(eventPayload('charge.refunded', charge()))).status).to.equal(200);
    expect(await stored(), 'the second charge.refunded changes nothing').to.deep.equal(settled);
    expect(nock.isDone()).to.equal(true);
  });

  it('the reconciler\'s answer and the webhook about one refund apply once, whichever comes first', async () => {
    const refund = await pendingRefund(1000, 're_3PourRefund000005');
    // The reconciler asks first ("List all refunds", found by its metadata), then the webhook arrives.
    nock(API).get('/v1/refunds').query(true).reply(200, listOf([refund.stripe({ status: 'succeeded' })]));
    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([], false, '/v1/checkout/sessions'));
    await gw.app.gateway.operations.reconcile(await stored());
    const reconciled = await stored();
    expect(reconciled.refunds![0]).to.include({ status: 'succeeded' });
    expect((await webhook(eventPayload('refund.updated', refund.stripe({ status: 'succeeded' })))).status).to.equal(200);
    expect(await stored(), 'the webhook finds it done').to.deep.equal(reconciled);
    const events = await gw.app.gateway.store.listEvents(paymentId);
    expect(events.filter((e) => e.type === 'refund.succeeded').map((e) => e.source)).to.deep.equal(['status_query']);
  });

  it('a refund made in the Stripe dashboard (no metadata of ours) is recorded as a refund with source "bank", found by its PaymentIntent\'s Checkout Session; its later events change nothing', async () => {
    const ourSession = session({ client_reference_id: attemptRef, metadata: { attempt_ref: attemptRef, payment_id: paymentId }, payment_intent: PI_ID });
    sessionsOfPaymentIntent([ourSession]);
    const dashboard = refundObject({ id: DASHBOARD_REFUND, amount: 500, status: 'succeeded', metadata: {} });
    expect((await webhook(eventPayload('refund.created', dashboard))).status).to.equal(200);
    const recorded = await stored();
    expect(recorded.refunds).to.have.length(1);
    expect(recorded.refunds![0]).to.include({ amount: 500, currency: 'EUR', status: 'succeeded', bankReference: DASHBOARD_REFUND, source: 'bank', reason: null });
    expect(recorded.refunds![0]!.id).to.match(/^re_/);
    expect(recorded.amountRefunded).to.equal(500);
    expect(recorded.anomalies).to.deep.equal([]);
    expect((await eventTypes()).slice(-2)).to.deep.equal(['refund.created', 'refund.succeeded']);
    const api = await request(gw.app).get(`/api/v1/refunds/${recorded.refunds![0]!.id}`).set(auth);
    expect(api.body).to.include({ source: 'bank', bankReference: DASHBOARD_REFUND, status: 'succeeded' });

    // Its refund.updated, and a charge.refunded listing it, find it by the bank's id.
    sessionsOfPaymentIntent([ourSession]);
    expect((await webhook(eventPayload('refund.updated', dashboard))).status).to.equal(200);
    sessionsOfPaymentIntent([ourSession]);
    nock(API).get('/v1/refunds').query(true).reply(200, listOf([dashboard]));
    expect((await webhook(eventPayload('charge.refunded', charge({ amount_refunded: 500 })))).status).to.equal(200);
    expect(await stored()).to.deep.equal(recorded);

    // What is left refundable through the API accounts for it.
    const over = await request(gw.app).post(`/api/v1/payments/${paymentId}/refunds`).set(auth).send({ amount: 1981 });
    expect(over.status).to.equal(422);
    expect(over.body.type).to.contain('amount_not_refundable');
  });

  it('a dashboard refund beyond what is left refundable here (ours reserved meanwhile) is recorded all the same and flagged refunds_exceed_captured', async () => {
    await pendingRefund(2000, 're_3PourRefund000006');
    sessionsOfPaymentIntent([session({ client_reference_id: attemptRef, metadata: { attempt_ref: attemptRef, payment_id: paymentId }, payment_intent: PI_ID })]);
    expect((await webhook(eventPayload('refund.created', refundObject({ id: DASHBOARD_REFUND, amount: 1000, status: 'succeeded', metadata: {} })))).status).to.equal(200);
    const payment = await stored();
    expect(payment.refunds!.map((r) => [r.status, r.amount, r.source ?? 'api'])).to.deep.equal([['pending', 2000, 'api'], ['succeeded', 1000, 'bank']]);
    expect(payment.anomalies).to.deep.equal(['refunds_exceed_captured']);
    expect(await eventTypes()).to.include('payment.anomaly');
  });

  it('ignores a refund of a PaymentIntent no session of ours holds (another integration), and a failed dashboard refund we never saw', async () => {
    const before = await stored();
    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([], false, '/v1/checkout/sessions'));
    const foreign = await webhook(eventPayload('refund.created', refundObject({ id: DASHBOARD_REFUND, payment_intent: 'pi_3PsomeoneElses0001', metadata: {} })));
    expect(foreign.status).to.equal(200);
    sessionsOfPaymentIntent([session({ client_reference_id: attemptRef, metadata: { attempt_ref: attemptRef, payment_id: paymentId }, payment_intent: PI_ID })]);
    const failed = await webhook(eventPayload('refund.failed', refundObject({ id: DASHBOARD_REFUND, status: 'failed', metadata: {} })));
    expect(failed.status).to.equal(200);
    expect(await stored()).to.deep.equal(before);
  });

  it('refuses a refund event whose signature does not verify, and one naming a refund id we do not have, changing nothing', async () => {
    const refund = await pendingRefund(1000, 're_3PourRefund000007');
    const before = await stored();
    const payload = eventPayload('refund.updated', refund.stripe({ status: 'succeeded' }));
    const forged = await webhook(payload, signatureHeader(payload, 'whsec_notTheEndpointSecret000000000'));
    expect(forged.status).to.equal(400);
    expect(forged.body).to.deep.equal({ received: false, reason: 'bad_signature' });
    const unknown = await webhook(eventPayload('refund.updated', refund.stripe({ status: 'succeeded', metadata: { hpp_operation_id: 're_AAAAAAAAAAAAAAAAAAAAAA' } })));
    expect(unknown.status).to.equal(400);
    expect(unknown.body.reason).to.equal('unknown_refund');
    expect(await stored()).to.deep.equal(before);
  });
});
