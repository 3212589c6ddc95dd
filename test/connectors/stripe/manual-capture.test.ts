import { expect } from 'chai';
import nock from 'nock';
import { IgnoredBankMessage, type VerifiedRefundMessage } from '../../../src/connectors/bank-connector.js';
import { StripeConnector } from '../../../src/connectors/stripe/stripe-connector.js';
import { InvalidBankMessageError } from '../../../src/core/errors.js';
import { checkoutSessionParams } from '../../../src/connectors/stripe/session-request.js';
import { formPairs } from '../../../src/connectors/stripe/form-encoding.js';
import {
  API,
  ATTEMPT_REF,
  attempt,
  buildInput,
  connector,
  connectorOptions,
  eventPayload,
  expandedPaymentIntent,
  OTHER_WEBHOOK_SECRET,
  payment,
  PI_ID,
  returnMessage,
  session,
  SESSION_ID,
  signatureHeader,
  webhookMessage,
} from './fixtures.js';
import { listOf, recorder, REFUND_ID, refundObject } from './operation-fixtures.js';

const manualMetadata = { attempt_ref: ATTEMPT_REF, payment_id: 'pay_AbCdEfGhIjKlMnOpQrStUv', capture_method: 'manual' };

/** A manual payment's session once the buyer paid: complete, unpaid, its PaymentIntent holding the authorisation. */
const authorisedManualSession = (pi: unknown = { ...expandedPaymentIntent(), status: 'requires_capture' }) =>
  session({ payment_status: 'unpaid', metadata: manualMetadata, payment_intent: pi });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const notify = (payload: string) => connector().verifyNotification(webhookMessage(payload, signatureHeader(payload)));

describe('Stripe connector: manual capture ("Place a hold on a payment method")', () => {
  afterEach(() => {
    nock.cleanAll();
  });

  it('creates a manual payment\'s session with payment_intent_data[capture_method]=manual and marks it in metadata; an automatic one has neither', () => {
    const manual = Object.fromEntries(formPairs(checkoutSessionParams(buildInput(payment({ capture: 'manual' })), ['card'])));
    expect(manual['payment_intent_data[capture_method]']).to.equal('manual');
    expect(manual['metadata[capture_method]']).to.equal('manual');
    for (const p of [payment(), payment({ capture: 'automatic' })]) {
      const automatic = Object.fromEntries(formPairs(checkoutSessionParams(buildInput(p), ['card'])));
      expect(Object.keys(automatic).filter((k) => k.includes('capture_method'))).to.deep.equal([]);
    }
  });

  it('reads checkout.session.completed of a manual session (unpaid) as authorised once its PaymentIntent is requires_capture', async () => {
    const scope = nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query({ 'expand[0]': 'payment_intent.latest_charge' }).reply(200, authorisedManualSession());
    const verified = await notify(eventPayload('checkout.session.completed', session({ payment_status: 'unpaid', metadata: manualMetadata })));
    expect(scope.isDone()).to.equal(true);
    expect(verified.outcome).to.deep.include({ attemptRef: ATTEMPT_REF, status: 'authorised', amount: 2480, currency: 'EUR', bankTransactionId: PI_ID, responseCode: 'complete:unpaid' });
    expect(verified.outcome.card).to.deep.equal({ brand: 'visa', last4: '4242' });
  });

  it('keeps a manual session pending while its PaymentIntent holds nothing, and answers "retry" when Stripe cannot be asked', async () => {
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(true).reply(200, authorisedManualSession({ ...expandedPaymentIntent(), status: 'processing' }));
    const pending = await notify(eventPayload('checkout.session.completed', session({ payment_status: 'unpaid', metadata: manualMetadata })));
    expect(pending.outcome.status).to.equal('pending');

    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(true).times(3).reply(500, { error: { type: 'api_error' } });
    const err = await rejection(notify(eventPayload('checkout.session.completed', session({ payment_status: 'unpaid', metadata: manualMetadata }))));
    expect((err as { code?: string }).code).to.equal('bank_unavailable');
  });

  it('reads the browser return of an authorised manual session as authorised', async () => {
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(true).reply(200, authorisedManualSession());
    const verified = await connector().verifyReturn(returnMessage({ session_id: SESSION_ID }));
    expect(verified.outcome).to.deep.include({ status: 'authorised', bankTransactionId: PI_ID });
  });
});

describe('Stripe connector: status query ("List all Checkout Sessions")', () => {
  afterEach(() => {
    nock.cleanAll();
  });

  it('finds the session by the attempt\'s PaymentIntent and reads it as the return does', async () => {
    const { requests, reply } = recorder();
    nock(API).get('/v1/checkout/sessions').query(true).reply(reply(200, listOf([authorisedManualSession()], false, '/v1/checkout/sessions')));
    const outcome = await connector().operations.status!({ payment: payment({ capture: 'manual' }), attempt: attempt({ bankTransactionId: PI_ID }) });
    expect(outcome).to.deep.include({ attemptRef: ATTEMPT_REF, status: 'authorised', amount: 2480, currency: 'EUR', bankTransactionId: PI_ID });
    expect(Object.fromEntries(new URL(requests[0]!.path, API).searchParams)).to.deep.equal({
      payment_intent: PI_ID,
      'expand[0]': 'data.payment_intent.latest_charge',
      limit: '100',
    });
  });

  it('without a PaymentIntent, looks among the sessions created around the attempt, skipping other integrations\' sessions; null when none is the attempt\'s', async () => {
    const a = attempt();
    const created = Math.floor(Date.parse(a.createdAt) / 1000);
    const { requests, reply } = recorder();
    const foreign = session({ id: 'cs_test_someoneElse', client_reference_id: null, metadata: {} });
    const subscription = { id: 'cs_test_subscription', object: 'checkout.session', mode: 'subscription' };
    const lost = session({ status: 'complete', payment_status: 'paid', payment_intent: expandedPaymentIntent() });
    nock(API).get('/v1/checkout/sessions').query(true).reply(reply(200, listOf([foreign, subscription, lost])));
    const outcome = await connector().operations.status!({ payment: payment(), attempt: a });
    expect(outcome).to.deep.include({ status: 'authorised', bankTransactionId: PI_ID });
    const query = Object.fromEntries(new URL(requests[0]!.path, API).searchParams);
    expect(query).to.deep.include({ 'created[gte]': String(created - 300), 'created[lte]': String(created + 3600), limit: '100' });

    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([foreign]));
    expect(await connector().operations.status!({ payment: payment(), attempt: a })).to.equal(null);
  });

  it('an open session is pending and an expired one cancelled', async () => {
    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([session({ status: 'expired', payment_status: 'unpaid', payment_intent: null })]));
    expect(await connector().operations.status!({ payment: payment(), attempt: attempt() })).to.deep.include({ status: 'cancelled' });
    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([session({ status: 'open', payment_status: 'unpaid', payment_intent: null })]));
    expect(await connector().operations.status!({ payment: payment(), attempt: attempt() })).to.deep.include({ status: 'pending' });
  });

  it('a refund of an attempt with no PaymentIntent recorded takes it from the attempt\'s session', async () => {
    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([session()]));
    const { requests, reply } = recorder();
    nock(API).post('/v1/refunds').reply(reply(200, refundObject()));
    const answer = await connector().operations.refund!({ payment: payment({ status: 'succeeded' }), attempt: attempt({ status: 'authorised' }), operationId: 'op_x' }, 2480, null);
    expect(answer).to.deep.include({ outcome: 'succeeded' });
    expect(requests[0]!.body.payment_intent).to.equal(PI_ID);
  });

  it('a capture whose PaymentIntent cannot be found is refused without a call to capture', async () => {
    nock(API).get('/v1/checkout/sessions').query(true).reply(200, listOf([]));
    expect(await connector().operations.capture!({ payment: payment({ capture: 'manual' }), attempt: attempt(), operationId: 'op_x' }, 2480)).to.deep.equal({
      outcome: 'refused',
      reason: 'no_payment_intent',
    });
  });
});

describe('Stripe connector: refund webhooks ("Types of events": charge.refunded, refund.created, refund.updated, refund.failed)', () => {
  afterEach(() => {
    nock.cleanAll();
  });

  const refundNotice = (payload: string) => new StripeConnector(connectorOptions()).verifyNotification(webhookMessage(payload, signatureHeader(payload)));

  it('verifies them like every event: a body signed with another secret is refused', async () => {
    const charge = { id: 'ch_3PgatewayTests0001', object: 'charge', amount: 2480, amount_refunded: 2480, refunded: true, currency: 'eur', payment_intent: PI_ID, livemode: false };
    for (const [type, object] of [
      ['charge.refunded', charge],
      ['refund.updated', refundObject({ status: 'succeeded' })],
      ['refund.failed', refundObject({ status: 'failed', failure_reason: 'lost_or_stolen_card' })],
    ] as const) {
      const payload = eventPayload(type, object as Record<string, unknown>);
      const forged = await rejection(connector().verifyNotification(webhookMessage(payload, signatureHeader(payload, OTHER_WEBHOOK_SECRET))));
      expect(forged).to.be.instanceOf(InvalidBankMessageError);
      expect((forged as InvalidBankMessageError).reason).to.equal('bad_signature');
    }
  });

  it('reads a Refund object ("The Refund object") as a report: our refund by the operation id in metadata, Stripe\'s id as bankReference, amounts in our units', async () => {
    const ours = 're_AbCdEfGhIjKlMnOpQrStUv';
    const verified = await refundNotice(eventPayload('refund.failed', refundObject({ status: 'failed', failure_reason: 'lost_or_stolen_card', amount: 1000, metadata: { hpp_operation_id: ours } })));
    expect(verified).to.deep.include({
      kind: 'refunds',
      refunds: [{ refundId: ours, bankReference: REFUND_ID, status: 'failed', amount: 1000, currency: 'EUR', failureReason: 'refund_failed:lost_or_stolen_card' }],
    });
    for (const [status, expected] of [['pending', 'pending'], ['requires_action', 'pending'], ['succeeded', 'succeeded'], ['canceled', 'failed']] as const) {
      const read = await refundNotice(eventPayload('refund.updated', refundObject({ status, metadata: { hpp_operation_id: ours } })));
      expect((read as VerifiedRefundMessage).refunds[0]!.status, status).to.equal(expected);
    }
  });

  it('a refund without our metadata (made in the dashboard) names the attempt whose Checkout Session holds its PaymentIntent ("List all Checkout Sessions")', async () => {
    nock(API).get('/v1/checkout/sessions').query({ payment_intent: PI_ID, limit: '100' }).reply(200, listOf([session()], false, '/v1/checkout/sessions'));
    const verified = await refundNotice(eventPayload('refund.created', refundObject({ metadata: {} })));
    expect(verified).to.deep.include({ kind: 'refunds', attemptRef: ATTEMPT_REF, refunds: [{ bankReference: REFUND_ID, status: 'succeeded', amount: 2480, currency: 'EUR' }] });
  });

  it('other event types are still acknowledged without effect', async () => {
    const err = await rejection(refundNotice(eventPayload('charge.dispute.created', { id: 'dp_1', object: 'dispute' })));
    expect(err).to.be.instanceOf(IgnoredBankMessage);
    expect((err as IgnoredBankMessage).reason).to.equal('event_type:charge.dispute.created');
  });
});
