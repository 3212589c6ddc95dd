import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { ResponseTransaction } from '../../src/protocols/native.js';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { InvalidBankMessageError } from '../../src/core/errors.js';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { connector as stripeConnector, eventPayload, session, signatureHeader, WEBHOOK_SECRET, webhookMessage } from '../connectors/stripe/fixtures.js';
import { FakeBank } from '../support/fake-bank.js';
import { API_KEY, testGateway, validPayment, type StoreFor, type TestGateway } from '../support/gateway.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

/**
 * A single-use message id is remembered for as long as the message can still verify, clock tolerance
 * included: sent again one second before that, it is a replay, never a fresh message.
 */

async function refusalReason(verifying: Promise<unknown>): Promise<string> {
  try {
    await verifying;
  } catch (err) {
    if (err instanceof InvalidBankMessageError) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('replay window: a message id is remembered until the message stops verifying', () => {
  it('native: messageExpiresAt is the first instant the same response is refused as expired (whole and fractional exp)', async () => {
    const bank = await FakeBank.create();
    let now = new Date();
    const connector = bank.connector(await GatewayKeystore.ephemeral(), () => now);
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const exp of [nowSeconds + 60, nowSeconds + 60.4]) {
      now = new Date();
      const txn: ResponseTransaction = { ref: 'ANATIVEATTEMPT1', status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1' };
      const message = { method: 'POST', fields: { [RESPONSE_FIELD]: await bank.sign(txn, { exp }) }, rawBody: Buffer.alloc(0), headers: {} };
      const { messageExpiresAt } = await connector.verifyNotification(message);
      now = new Date(messageExpiresAt!.getTime() - 1);
      expect(await refusalReason(connector.verifyNotification(message)), `exp ${exp}, 1 ms before`).to.equal('accepted');
      now = messageExpiresAt!;
      expect(await refusalReason(connector.verifyNotification(message)), `exp ${exp}, at messageExpiresAt`).to.equal('expired');
    }
  });

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

  const stores: Array<{ kind: string; make: (ctx: Mocha.Context) => Promise<StoreFor> }> = [
    { kind: 'memory', make: async () => (outboxTargets) => new MemoryPaymentStore({ outboxTargets }) },
    {
      kind: 'redis',
      make: async (ctx) => {
        const url = await requireRedis(ctx);
        return (outboxTargets) => new RedisPaymentStore(new Redis(url), { prefix: randomPrefix(), ownsConnection: true, outboxTargets });
      },
    },
  ];

  for (const { kind, make } of stores) {
    describe(`native responses through the gateway, ${kind} store`, () => {
      let gw: TestGateway;
      let paymentId: string;
      let token: string;

      beforeEach(async function () {
        gw = await testGateway({ store: await make(this) });
        const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
        paymentId = res.body.id;
        const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'native');
        // Expired two seconds ago: still inside the 30 s clock tolerance, so it verifies.
        const nowSeconds = Math.floor(Date.now() / 1000);
        token = await gw.bank.sign(
          { ref: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1' },
          { iat: nowSeconds - 60, exp: nowSeconds - 2 },
        );
      });
      afterEach(() => gw?.close());

      const notify = () => request(gw.app).post('/bank/native/notify').type('form').send({ response: token });
      const browserReturn = () => request(gw.app).post('/bank/native/return').type('form').send({ response: token });
      const succeededEvents = async () => (await gw.app.gateway.store.listEvents(paymentId)).filter((e) => e.type === 'payment.succeeded');

      it('refuses a token sent again after its exp (within the clock tolerance) as a replay', async () => {
        expect((await notify()).status).to.equal(200);
        const replay = await notify();
        expect(replay.status).to.equal(400);
        expect(replay.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
        const page = await browserReturn();
        expect(page.status).to.equal(303);
        expect(gw.logs.join('')).to.contain('replayed bank return refused');
        expect(await succeededEvents()).to.have.length(1);
      });

      it('refuses the notification of a token first brought back by the browser after its exp', async () => {
        expect((await browserReturn()).status).to.equal(303);
        const replay = await notify();
        expect(replay.status).to.equal(400);
        expect(replay.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
        expect(await succeededEvents()).to.have.length(1);
      });
    });
  }

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
