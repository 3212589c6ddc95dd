import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { ResponseTransaction } from '../../../src/protocols/native.js';
import { RESPONSE_FIELD } from '../../../src/protocols/native.js';
import { GatewayKeystore } from '../../../src/keys/keystore.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../../src/store/redis-store.js';
import { refusalReason } from '../refusal-reason.js';
import { FakeBank } from './fake-bank.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type StoreFor, type TestGateway } from '../../support/gateway.js';
import { logEntries } from '../../support/log-lines.js';
import { randomPrefix, requireRedis } from '../../support/redis-server.js';

/**
 * A native response's single-use `jti` is remembered for as long as the response can still verify,
 * clock tolerance included: sent again one second before that, it is a replay, never a fresh message.
 */
describe('replay window (native): a jti is remembered until the response stops verifying', () => {
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
      let attemptRef: string;
      let token: string;

      beforeEach(async function () {
        gw = await testGateway({ store: await make(this) });
        const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
        paymentId = res.body.id;
        const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'native');
        attemptRef = attempt!.ref;
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
        await outboxDrained(gw);
        const replayLogged = gw.logs.length;
        const replay = await notify();
        expect(replay.status).to.equal(400);
        expect(replay.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
        expect(logEntries(gw.logs, replayLogged)).to.deep.equal([{ level: 40, service: 'hpp-gateway', connector: 'native', reason: 'replay', attempt: attemptRef, msg: 'bank notification refused' }]);
        const returnLogged = gw.logs.length;
        const page = await browserReturn();
        expect(page.status).to.equal(303);
        expect(logEntries(gw.logs, returnLogged)).to.deep.equal([{ level: 40, service: 'hpp-gateway', connector: 'native', attempt: attemptRef, msg: 'replayed bank return refused' }]);
        expect(await succeededEvents()).to.have.length(1);
      });

      it('refuses the notification of a token first brought back by the browser after its exp', async () => {
        expect((await browserReturn()).status).to.equal(303);
        await outboxDrained(gw);
        const replayLogged = gw.logs.length;
        const replay = await notify();
        expect(replay.status).to.equal(400);
        expect(replay.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
        expect(logEntries(gw.logs, replayLogged)).to.deep.equal([{ level: 40, service: 'hpp-gateway', connector: 'native', reason: 'replay', attempt: attemptRef, msg: 'bank notification refused' }]);
        expect(await succeededEvents()).to.have.length(1);
      });
    });
  }
});
