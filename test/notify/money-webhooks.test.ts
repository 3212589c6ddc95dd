import { expect } from 'chai';
import type { PaymentEventType } from '../../src/core/events.js';
import { paymentJson, refundJson } from '../../src/core/payment-json.js';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import { webhookBody } from '../../src/notify/webhook-payload.js';
import { signWebhookHmac, signWebhookJws, WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER } from '../../src/notify/webhook-signature.js';
import { CHECKOUT_URL, SECRET } from './fixtures.js';
import { capturedThenRefunded, paidThenRefundRefused, story } from './money-fixtures.js';

describe('webhooks after the payment', () => {
  it('payment.authorized: the payment authorized, its captureBefore, and the amount reserved', () => {
    const s = story('manual', []);
    const event = s.event('payment.authorized');
    const body = JSON.parse(webhookBody(event, s.payment, CHECKOUT_URL));
    expect(Object.keys(body)).to.deep.equal(['id', 'type', 'createdAt', 'data']);
    expect(body).to.include({ id: event.id, type: 'payment.authorized', createdAt: event.occurredAt });
    expect(body.data).to.deep.equal({ payment: paymentJson(s.payment, CHECKOUT_URL), paymentVersion: event.paymentVersion, attemptRef: 'A1', amount: 2480 });
    expect(body.data.payment).to.include({ status: 'authorized', capture: 'manual', amountCapturable: 2480, amountCaptured: 0, captureBefore: '2025-03-08T10:01:00.000Z' });
  });

  it('payment.captured carries the amount captured, and the payment its amountCaptured', () => {
    const s = story('manual', [{ type: 'capture', amount: 2000, multipleCaptures: false }]);
    const event = s.event('payment.captured');
    const body = JSON.parse(webhookBody(event, s.payment, CHECKOUT_URL));
    expect(body.type).to.equal('payment.captured');
    expect(body.data.amount).to.equal(2000);
    expect(body.data).not.to.have.property('refund');
    expect(body.data.payment).to.include({ status: 'succeeded', amountCaptured: 2000, amountCapturable: 0 });
  });

  it('payment.voided: the payment cancelled with reason voided, nothing captured', () => {
    const s = story('manual', [{ type: 'void' }]);
    const body = JSON.parse(webhookBody(s.event('payment.voided'), s.payment, CHECKOUT_URL));
    expect(body.data).to.have.keys('payment', 'paymentVersion');
    expect(body.data.payment).to.include({ status: 'cancelled', cancellationReason: 'voided', amountCapturable: 0, amountCaptured: 0 });
  });

  it('refund.created and refund.succeeded carry the refund as the API shows it', () => {
    const s = capturedThenRefunded();
    const refund = s.payment.refunds![0]!;
    for (const type of ['refund.created', 'refund.succeeded'] as const) {
      const event = s.event(type);
      const body = JSON.parse(webhookBody(event, s.payment, CHECKOUT_URL));
      expect(body.type).to.equal(type);
      expect(body.data.refund).to.deep.equal(refundJson(refund));
      expect(body.data.amount).to.equal(500);
      expect(body.data.paymentVersion).to.equal(event.paymentVersion);
    }
    const body = JSON.parse(webhookBody(s.event('refund.succeeded'), s.payment, CHECKOUT_URL));
    expect(body.data.refund).to.deep.equal({
      id: 're_first',
      paymentId: 'pay_test',
      amount: 500,
      currency: 'EUR',
      status: 'succeeded',
      reason: 'Returned the mug',
      bankReference: 'RF-1001',
      failureReason: null,
      createdAt: '2025-03-01T10:03:00.000Z',
      updatedAt: '2025-03-01T10:04:00.000Z',
    });
    expect(body.data.payment).to.include({ amountCaptured: 2000, amountRefunded: 500 });
    expect(body.data.payment.refunds).to.deep.equal([refundJson(refund)]);
  });

  it('refund.failed carries the refund with the bank’s reason, its amount released', () => {
    const s = paidThenRefundRefused();
    const body = JSON.parse(webhookBody(s.event('refund.failed'), s.payment, CHECKOUT_URL));
    expect(body.data.refund).to.include({ id: 're_refused', status: 'failed', amount: 1000, failureReason: 'card account closed', bankReference: null, reason: null });
    expect(body.data.payment).to.include({ status: 'succeeded', amountCaptured: 2480, amountRefunded: 0 });
  });

  it('an anomaly raised by a refund’s answer names the refund too', () => {
    const s = story('automatic', [
      { type: 'request_refund', refundId: 're_odd', amount: 700 },
      { type: 'refund_outcome', refundId: 're_odd', status: 'succeeded', amount: 900 },
    ]);
    const body = JSON.parse(webhookBody(s.event('payment.anomaly'), s.payment, CHECKOUT_URL));
    expect(body.data).to.include({ anomaly: 'amount_mismatch', operation: 'refund' });
    expect(body.data.refund).to.include({ id: 're_odd', status: 'pending' });
  });

  it('refuses to build a body for a refund the payment does not have', () => {
    const s = capturedThenRefunded();
    expect(() => webhookBody({ ...s.event('refund.succeeded'), refundId: 're_missing' }, s.payment, CHECKOUT_URL)).to.throw(/re_missing/);
  });

  it('never carries more of a card than brand and last four digits', () => {
    const s = capturedThenRefunded();
    for (const event of s.events) expect(webhookBody(event, s.payment, CHECKOUT_URL)).not.to.match(/\d{12,}/);
  });

  it('verifyWebhook verifies every event type of these stories, by HMAC and by JWS', async () => {
    const keystore = await GatewayKeystore.ephemeral();
    const jwks = keystore.publicJwks();
    const now = new Date('2025-03-01T10:10:00.000Z');
    const stories = [capturedThenRefunded(), paidThenRefundRefused(), story('manual', [{ type: 'void' }])];
    const seen = new Set<string>();
    for (const s of stories) {
      for (const event of s.events) {
        const body = webhookBody(event, s.payment, CHECKOUT_URL);
        const byHmac = await verifyWebhook({ body, headers: { [WEBHOOK_HMAC_HEADER]: signWebhookHmac(body, [SECRET], Math.floor(now.getTime() / 1000)) }, secret: SECRET, now });
        const byJws = await verifyWebhook({ body, headers: { [WEBHOOK_JWS_HEADER]: await signWebhookJws(body, keystore, now) }, jwks, now });
        expect(byHmac.verifiedBy).to.equal('hmac');
        expect(byJws.verifiedBy).to.equal('jws');
        expect(byHmac.event).to.deep.equal(JSON.parse(body));
        expect(byJws.event).to.deep.equal(JSON.parse(body));
        seen.add(event.type);
      }
    }
    expect([...seen].sort()).to.include.members(['payment.authorized', 'payment.captured', 'payment.voided', 'refund.created', 'refund.succeeded', 'refund.failed']);
  });
});
