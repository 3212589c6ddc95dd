import { expect } from 'chai';
import request from 'supertest';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { refusalReason } from '../refusal-reason.js';
import { connector as stripeConnector, eventPayload, session, signatureHeader, WEBHOOK_SECRET, webhookMessage } from './fixtures.js';

/**
 * A Stripe delivery's id (`<event id>@<t>`) is remembered for as long as its signature verifies:
 * sent again in the last second of Stripe's tolerance, it is a replay, never a fresh message.
 */
describe('replay window (Stripe): a delivery id is remembered until its signature stops verifying', () => {
  it('stripe: messageExpiresAt is the first instant the same delivery is refused as stale', async () => {
    const t = Math.floor(Date.now() / 1000);
    let now = new Date(t * 1000);
    const connector = stripeConnector({ clock: () => now });
    const payload = eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid' }));
    const message = webhookMessage(payload, signatureHeader(payload, WEBHOOK_SECRET, t));
    const { messageExpiresAt } = await connector.verifyNotification(message);
    now = new Date(messageExpiresAt!.getTime() - 1);
    expect(await refusalReason(connector.verifyNotification(message)), '1 ms before').to.equal('accepted');
    now = messageExpiresAt!;
    expect(await refusalReason(connector.verifyNotification(message)), 'at messageExpiresAt').to.equal('stale_signature');
  });

  describe('stripe webhooks through the gateway, memory store', () => {
    let gw: TestGateway;

    afterEach(() => gw?.close());

    it('refuses a delivery sent again in the last second its signature verifies', async () => {
      const t = Math.floor(Date.now() / 1000) - 300;
      // Half a second into the last second in which `t` is within Stripe's 300 s tolerance.
      const clock = () => new Date((t + 300) * 1000 + 500);
      gw = await testGateway({ store: (outboxTargets) => new MemoryPaymentStore({ clock, outboxTargets }), connectors: () => [stripeConnector({ clock })] });
      const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'stripe');
      const ref = attempt!.ref;
      const payload = eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', client_reference_id: ref, metadata: { attempt_ref: ref } }));
      const header = signatureHeader(payload, WEBHOOK_SECRET, t);
      const webhook = () => request(gw.app).post('/bank/stripe/notify').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);
      expect((await webhook()).status).to.equal(200);
      const replay = await webhook();
      expect(replay.status).to.equal(400);
      expect(replay.body).to.deep.equal({ received: false, reason: 'replay' });
    });
  });
});
