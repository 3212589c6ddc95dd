import { expect } from 'chai';
import request from 'supertest';
import { REFUSED_MESSAGES_KEPT } from '../../src/core/refused-bank-message.js';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { addConsoleUser, signIn } from '../support/console.js';
import { API_KEY, testGateway, validPayment, type TestGateway, storeOfKind } from '../support/gateway.js';

const auth = { Authorization: `Bearer ${API_KEY}` };

/**
 * A bank message refused after verification (a mismatch, a replay) is kept beside the payment it
 * named and shown in its console timeline; one that fails verification writes nothing to the payment
 * it claims, whatever attempt it names.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`refused bank messages in the payment's timeline (${kind} store)`, () => {
    let gw: TestGateway;
    let viewer: ReturnType<typeof request.agent>;

    beforeEach(async function () {
      const storeFor = await storeOfKind(kind, this);
      gw = await testGateway(storeFor ? { store: storeFor } : {});
      await addConsoleUser(gw, 'viewer@shop.example', 'viewer');
      viewer = request.agent(gw.app);
      await signIn(viewer, 'viewer@shop.example');
    });
    afterEach(() => gw.close());

    /** A payment at the bank, and the answer the bank would sign for its attempt. */
    async function atTheBank() {
      const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment());
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: created.body.amount as number, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
      return { id: created.body.id as string, txn };
    }
    const notify = (token: string) => request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: token });
    const timeline = async (id: string) => {
      const page = await viewer.get(`/console/payments/${id}`);
      expect(page.status).to.equal(200);
      return [...page.text.matchAll(/<li class="timeline-[a-z_]+">([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
    };

    it('shows a verified notification with another amount as "bank message refused: amount_mismatch", and a replay of a verified one', async () => {
      const { id, txn } = await atTheBank();
      const wrong = await gw.bank.sign({ ...txn, amount: txn.amount + 100 });
      expect((await notify(wrong)).status).to.equal(400);
      const lines = (await timeline(id)).filter((l) => l.includes('bank message refused'));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain('bank message refused: amount_mismatch').and.contain('native').and.contain('notify');
      // Nothing of the message itself is kept: not its token, not the bank's reference.
      const kept = await gw.app.gateway.store.refusedMessages(id);
      expect(kept).to.have.length(1);
      expect(kept[0]).to.have.all.keys('at', 'connector', 'channel', 'reason');
      expect(JSON.stringify(kept)).to.not.contain(wrong).and.not.contain('BT-');

      const right = await gw.bank.sign(txn);
      expect((await notify(right)).status).to.equal(200);
      expect((await notify(right)).status).to.equal(400);
      expect((await timeline(id)).filter((l) => l.includes('bank message refused: replay'))).to.have.length(1);
    });

    it('writes nothing for a message whose signature fails, though it names the payment\'s attempt', async () => {
      const { id, txn } = await atTheBank();
      const token = await gw.bank.sign({ ...txn, amount: txn.amount + 100 });
      const [header, payload, signature] = token.split('.');
      const forged = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      expect((await notify(forged)).status).to.equal(400);
      expect(await gw.app.gateway.store.refusedMessages(id)).to.deep.equal([]);
      expect((await timeline(id)).filter((l) => l.includes('bank message refused'))).to.deep.equal([]);
    });

    it(`keeps the newest ${REFUSED_MESSAGES_KEPT} refusals of a payment`, async () => {
      const { id } = await atTheBank();
      for (let i = 0; i < REFUSED_MESSAGES_KEPT + 5; i++) {
        await gw.app.gateway.store.recordRefusedMessage(id, { at: new Date(Date.UTC(2031, 0, 1, 0, 0, i)).toISOString(), connector: 'native', channel: 'notify', reason: `r${i}` });
      }
      const kept = await gw.app.gateway.store.refusedMessages(id);
      expect(kept.map((r) => r.reason)).to.deep.equal(Array.from({ length: REFUSED_MESSAGES_KEPT }, (_, i) => `r${REFUSED_MESSAGES_KEPT + 4 - i}`));
    });
  });
}
