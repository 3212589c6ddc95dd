import { expect } from 'chai';
import nock from 'nock';
import { STRIPE_CAPABILITIES, STRIPE_CAPTURE_WINDOW_MS } from '../../../src/connectors/stripe/stripe-operations.js';
import { API, attempt, connector, PI_ID, payment } from './fixtures.js';
import { listOf, manualTarget, OPERATION_ID, paymentIntentObject, recorder, REFUND_ID, refundObject, stripeError } from './operation-fixtures.js';

const ops = (overrides: Parameters<typeof connector>[0] = {}) => connector(overrides).operations;

/** An automatic payment Stripe charged: refunds are taken from it. */
const paidTarget = () => ({
  payment: payment({ status: 'succeeded' }),
  attempt: attempt({ status: 'authorised', bankTransactionId: PI_ID }),
  operationId: OPERATION_ID,
});

describe('Stripe connector: operations after the payment', () => {
  afterEach(() => {
    nock.cleanAll();
  });

  it('declares manual capture with a 7-day window ("Place a hold on a payment method"), one capture per authorisation, and every operation', () => {
    expect(ops().capabilities).to.deep.equal(STRIPE_CAPABILITIES);
    expect(STRIPE_CAPABILITIES).to.deep.equal({
      manualCapture: true,
      captureWindowMs: 7 * 24 * 3600 * 1000,
      multipleCaptures: false,
      capture: true,
      void: true,
      refund: true,
      status: true,
    });
    expect(STRIPE_CAPTURE_WINDOW_MS).to.equal(604_800_000);
  });

  describe('capture (API reference "Capture a PaymentIntent")', () => {
    it('captures in full with amount_to_capture and the operation id as Idempotency-Key', async () => {
      const { requests, reply } = recorder();
      const scope = nock(API).post(`/v1/payment_intents/${PI_ID}/capture`).reply(reply(200, paymentIntentObject()));
      const answer = await ops().capture!(manualTarget(), 2480);
      expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR', bankReference: PI_ID });
      expect(scope.isDone()).to.equal(true);
      expect(requests[0]!.body).to.deep.equal({ amount_to_capture: '2480' });
      expect(requests[0]!.headers['idempotency-key']).to.equal(OPERATION_ID);
    });

    it('captures part: Stripe reports amount_received, which is what the answer says', async () => {
      const { requests, reply } = recorder();
      nock(API).post(`/v1/payment_intents/${PI_ID}/capture`).reply(reply(200, paymentIntentObject({ amount_received: 1000 })));
      const answer = await ops().capture!(manualTarget(), 1000);
      expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 1000, currency: 'EUR', bankReference: PI_ID });
      expect(requests[0]!.body).to.deep.equal({ amount_to_capture: '1000' });
    });

    it('sends amounts in Stripe units ("Supported currencies": ISK is two-decimal at Stripe) and reads them back in ours', async () => {
      const { requests, reply } = recorder();
      nock(API).post(`/v1/payment_intents/${PI_ID}/capture`).reply(reply(200, paymentIntentObject({ amount: 50000, amount_received: 50000, currency: 'isk' })));
      const target = manualTarget({ payment: payment({ status: 'authorized', capture: 'manual', amount: 500, currency: 'ISK' }) });
      expect(await ops().capture!(target, 500)).to.deep.equal({ outcome: 'succeeded', amount: 500, currency: 'ISK', bankReference: PI_ID });
      expect(requests[0]!.body).to.deep.equal({ amount_to_capture: '50000' });
    });

    it('refuses without a call an amount Stripe cannot charge exactly (MGA in fractions of an ariary)', async () => {
      const target = manualTarget({ payment: payment({ status: 'authorized', capture: 'manual', amount: 1050, currency: 'MGA' }) });
      expect(await ops().capture!(target, 1050)).to.deep.equal({ outcome: 'refused', reason: 'amount_not_chargeable_at_stripe' });
    });

    it('refuses a capture after the authorisation lapsed with Stripe\'s code ("Error codes": charge_expired_for_capture)', async () => {
      nock(API).post(`/v1/payment_intents/${PI_ID}/capture`).reply(400, stripeError('invalid_request_error', 'charge_expired_for_capture'));
      expect(await ops().capture!(manualTarget(), 2480)).to.deep.equal({ outcome: 'refused', reason: 'charge_expired_for_capture' });
    });

    it('answers with what the PaymentIntent is when it was captured already (payment_intent_unexpected_state)', async () => {
      nock(API).post(`/v1/payment_intents/${PI_ID}/capture`).reply(400, stripeError('invalid_request_error', 'payment_intent_unexpected_state'));
      nock(API).get(`/v1/payment_intents/${PI_ID}`).reply(200, paymentIntentObject({ amount_received: 2000 }));
      expect(await ops().capture!(manualTarget(), 2480)).to.deep.equal({ outcome: 'succeeded', amount: 2000, currency: 'EUR', bankReference: PI_ID });

      nock(API).post(`/v1/payment_intents/${PI_ID}/capture`).reply(400, stripeError('invalid_request_error', 'payment_intent_unexpected_state'));
      nock(API).get(`/v1/payment_intents/${PI_ID}`).reply(200, paymentIntentObject({ status: 'canceled', amount_received: 0 }));
      expect(await ops().capture!(manualTarget(), 2480)).to.deep.equal({ outcome: 'refused', reason: 'payment_intent_canceled' });
    });
  });

  describe('void (API reference "Cancel a PaymentIntent")', () => {
    it('cancels the PaymentIntent with the operation id as Idempotency-Key and reports the released authorisation', async () => {
      const { requests, reply } = recorder();
      const scope = nock(API).post(`/v1/payment_intents/${PI_ID}/cancel`).reply(reply(200, paymentIntentObject({ status: 'canceled', amount_received: 0, cancellation_reason: null })));
      expect(await ops().void!(manualTarget())).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR', bankReference: PI_ID });
      expect(scope.isDone()).to.equal(true);
      expect(requests[0]!.headers['idempotency-key']).to.equal(OPERATION_ID);
    });

    it('refuses a void of a PaymentIntent captured meanwhile, and accepts one cancelled already', async () => {
      nock(API).post(`/v1/payment_intents/${PI_ID}/cancel`).reply(400, stripeError('invalid_request_error', 'payment_intent_unexpected_state'));
      nock(API).get(`/v1/payment_intents/${PI_ID}`).reply(200, paymentIntentObject());
      expect(await ops().void!(manualTarget())).to.deep.equal({ outcome: 'refused', reason: 'payment_intent_status:succeeded' });

      nock(API).post(`/v1/payment_intents/${PI_ID}/cancel`).reply(400, stripeError('invalid_request_error', 'payment_intent_unexpected_state'));
      nock(API).get(`/v1/payment_intents/${PI_ID}`).reply(200, paymentIntentObject({ status: 'canceled', amount_received: 0 }));
      expect(await ops().void!(manualTarget())).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR', bankReference: PI_ID });
    });
  });

  describe('refund (API reference "Create a refund")', () => {
    it('refunds in full: payment_intent, amount, the operation in metadata, the free text in metadata and never in Stripe\'s reason enum', async () => {
      const { requests, reply } = recorder();
      const scope = nock(API).post('/v1/refunds').reply(reply(200, refundObject()));
      const answer = await ops().refund!(paidTarget(), 2480, 'Returned: wrong size');
      expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR', bankReference: REFUND_ID });
      expect(scope.isDone()).to.equal(true);
      expect(requests[0]!.headers['idempotency-key']).to.equal(OPERATION_ID);
      expect(requests[0]!.body).to.deep.equal({
        payment_intent: PI_ID,
        amount: '2480',
        'metadata[hpp_operation_id]': OPERATION_ID,
        'metadata[payment_id]': 'pay_AbCdEfGhIjKlMnOpQrStUv',
        'metadata[reason]': 'Returned: wrong size',
      });
    });

    it('refunds part, without a reason, and keeps a long reason within Stripe\'s 500-character metadata values', async () => {
      const { requests, reply } = recorder();
      nock(API).post('/v1/refunds').twice().reply(reply(200, refundObject({ amount: 500 })));
      expect(await ops().refund!(paidTarget(), 500, null)).to.deep.equal({ outcome: 'succeeded', amount: 500, currency: 'EUR', bankReference: REFUND_ID });
      expect(requests[0]!.body).to.not.have.property('metadata[reason]');
      expect(requests[0]!.body).to.not.have.property('reason');
      expect(requests[0]!.body.amount).to.equal('500');
      await ops().refund!(paidTarget(), 500, 'é'.repeat(600));
      expect(requests[1]!.body['metadata[reason]']).to.equal('é'.repeat(500));
    });

    it('a pending refund is pending; refundStatus later finds it by its metadata among the PaymentIntent\'s refunds ("List all refunds") and reads it succeeded', async () => {
      nock(API).post('/v1/refunds').reply(200, refundObject({ status: 'pending' }));
      expect(await ops().refund!(paidTarget(), 2480, null)).to.deep.equal({ outcome: 'pending', bankReference: REFUND_ID });

      const { requests, reply } = recorder();
      const other = refundObject({ id: 're_3PotherRefund0001', amount: 100, metadata: { hpp_operation_id: 'op_someOtherOne' } });
      nock(API).get('/v1/refunds').query(true).reply(reply(200, listOf([other, refundObject()])));
      expect(await ops().refundStatus!(paidTarget())).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR', bankReference: REFUND_ID });
      expect(Object.fromEntries(new URL(requests[0]!.path, API).searchParams)).to.deep.equal({ payment_intent: PI_ID, limit: '100' });
    });

    it('refundStatus pages on with starting_after, and says unknown (ask again with the same key) when Stripe has no such refund', async () => {
      const { requests, reply } = recorder();
      const first = refundObject({ id: 're_3PotherRefund0001', metadata: {} });
      nock(API).get('/v1/refunds').query({ payment_intent: PI_ID, limit: '100' }).reply(reply(200, listOf([first], true)));
      nock(API).get('/v1/refunds').query({ payment_intent: PI_ID, limit: '100', starting_after: 're_3PotherRefund0001' }).reply(reply(200, listOf([refundObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' })])));
      expect(await ops().refundStatus!(paidTarget())).to.deep.equal({ outcome: 'refused', reason: 'refund_failed:expired_or_canceled_card' });
      expect(requests).to.have.length(2);

      nock(API).get('/v1/refunds').query(true).reply(200, listOf([first]));
      expect(await ops().refundStatus!(paidTarget())).to.deep.equal({ outcome: 'unknown', reason: 'refund_not_found' });
    });

    it('maps every Refund status ("The Refund object"): requires_action waits, canceled and failed gave nothing back', async () => {
      const cases: [string, unknown][] = [
        ['requires_action', { outcome: 'pending', bankReference: REFUND_ID }],
        ['canceled', { outcome: 'refused', reason: 'refund_canceled' }],
        ['failed', { outcome: 'refused', reason: 'refund_failed:unknown' }],
      ];
      for (const [status, expected] of cases) {
        nock(API).post('/v1/refunds').reply(200, refundObject({ status }));
        expect(await ops().refund!(paidTarget(), 2480, null), status).to.deep.equal(expected);
      }
    });

    it('refuses an over-refund with Stripe\'s code ("Error codes": charge_already_refunded, amount_too_large), or its type and parameter without one', async () => {
      nock(API).post('/v1/refunds').reply(400, stripeError('invalid_request_error', 'charge_already_refunded'));
      expect(await ops().refund!(paidTarget(), 2480, null)).to.deep.equal({ outcome: 'refused', reason: 'charge_already_refunded' });
      nock(API).post('/v1/refunds').reply(400, stripeError('invalid_request_error', 'amount_too_large', 'amount'));
      expect(await ops().refund!(paidTarget(), 9999, null)).to.deep.equal({ outcome: 'refused', reason: 'amount_too_large' });
      nock(API).post('/v1/refunds').reply(400, stripeError('invalid_request_error', undefined, 'amount'));
      expect(await ops().refund!(paidTarget(), 9999, null)).to.deep.equal({ outcome: 'refused', reason: 'invalid_request_error:amount' });
      nock(API).post('/v1/refunds').reply(402, stripeError('card_error', 'expired_card'));
      expect(await ops().refund!(paidTarget(), 2480, null)).to.deep.equal({ outcome: 'refused', reason: 'expired_card' });
    });

    it('a 500 then a timeout is unknown, every try with the same Idempotency-Key, and asking again with the operation id sends it again', async () => {
      const { requests, reply } = recorder();
      nock(API).post('/v1/refunds').reply(reply(500, stripeError('api_error')));
      nock(API).post('/v1/refunds').delay(2000).reply(reply(200, refundObject()));
      const answer = await ops({ retryDelaysMs: [1], timeoutMs: 200 }).refund!(paidTarget(), 2480, null);
      expect(answer).to.deep.equal({ outcome: 'unknown', reason: 'stripe_unreachable' });
      expect(requests).to.have.length(2);

      nock(API).post('/v1/refunds').reply(reply(200, refundObject()));
      expect(await ops().refund!(paidTarget(), 2480, null)).to.deep.include({ outcome: 'succeeded' });
      expect(requests.map((r) => r.headers['idempotency-key'])).to.deep.equal([OPERATION_ID, OPERATION_ID, OPERATION_ID]);
      expect(requests[2]!.body).to.deep.equal(requests[0]!.body);
    });

    it('an idempotency_error (the key was used with other parameters) is unknown, never refused: the first request may have refunded', async () => {
      nock(API).post('/v1/refunds').reply(400, stripeError('idempotency_error'));
      expect(await ops().refund!(paidTarget(), 2480, null)).to.deep.equal({ outcome: 'unknown', reason: 'idempotency_error' });
    });

    it('an unreadable 2xx answer is unknown: the refund may have been made', async () => {
      nock(API).post('/v1/refunds').reply(200, { id: 'not-a-refund', object: 'refund' });
      expect(await ops().refund!(paidTarget(), 2480, null)).to.deep.equal({ outcome: 'unknown', reason: 'unreadable_answer' });
    });

    it('refuses an operation id that cannot be an Idempotency-Key, without a call', async () => {
      expect(await ops().refund!({ ...paidTarget(), operationId: 'op with spaces' }, 2480, null)).to.deep.equal({ outcome: 'refused', reason: 'invalid_operation_id' });
    });
  });
});
