import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { GatewayStore } from '../../../src/store/gateway-store.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../../src/store/redis-store.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { failingCommits } from '../../support/failing-commits.js';
import { randomPrefix, requireRedis } from '../../support/redis-server.js';

/**
 * A bank message id is kept by the commit that applies the message: when that write fails, the bank
 * is told to retry, and the same signed bytes sent again are applied (once), not refused as a replay.
 */
describe('a bank notification resent after a failed write (native)', () => {
  const stores: Array<{ kind: string; make: (ctx: Mocha.Context) => Promise<(targets: string[]) => GatewayStore> }> = [
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
    describe(`${kind} store`, () => {
      let gw: TestGateway;
      let paymentId: string;
      let token: string;
      const failures = { left: 0 };

      beforeEach(async function () {
        failures.left = 0;
        const build = await make(this);
        gw = await testGateway({ store: (targets) => failingCommits(build(targets), failures) });
        const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
        paymentId = res.body.id;
        const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'native');
        token = await gw.bank.sign({ ref: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1' });
      });
      afterEach(() => gw?.close());

      const notify = () => request(gw.app).post('/bank/native/notify').type('form').send({ response: token });
      const succeededEvents = async () => (await gw.app.gateway.store.listEvents(paymentId)).filter((e) => e.type === 'payment.succeeded');

      it('answers the retry answer when the commit fails, then applies the same bytes sent again, once', async () => {
        failures.left = 1;
        const failed = await notify();
        expect(failed.status).to.equal(503);
        expect((await gw.app.gateway.store.getPayment(paymentId))!.status).to.equal('pending');

        const resent = await notify();
        expect(resent.status, JSON.stringify(resent.body)).to.equal(200);
        expect((await gw.app.gateway.store.getPayment(paymentId))!.status).to.equal('succeeded');
        await outboxDrained(gw);

        const replay = await notify();
        expect(replay.status).to.equal(400);
        expect(replay.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
        expect(await succeededEvents()).to.have.length(1);
      });

      it('gives one transition to two copies racing, and refuses the other as a replay', async () => {
        const answers = await Promise.all([notify(), notify()]);
        expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 400]);
        expect(answers.find((a) => a.status === 400)!.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
        expect(await succeededEvents()).to.have.length(1);
      });
    });
  }
});
