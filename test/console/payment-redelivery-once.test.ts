import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { addConsoleUser, signIn } from '../support/console.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway, storeOfKind } from '../support/gateway.js';

const auth = { Authorization: `Bearer ${API_KEY}` };
const decoded = (html: string) => html.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

/**
 * The payment page's "redeliver an event to one target" has no Idempotency-Key of its own: its form
 * key goes through SingleSubmission, as the deliveries page's redeliveries do, so a double submit or a
 * resent form queues the event once, on one process as on a shared Redis.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`console: a payment's redelivery form acts once (${kind} store)`, () => {
    let gw: TestGateway;
    let operator: ReturnType<typeof request.agent>;

    beforeEach(async function () {
      const storeFor = await storeOfKind(kind, this);
      // Two email targets (written as files): a key taken for one target is refused for the other.
      gw = await testGateway({ env: { MERCHANT_EMAIL: 'orders@shop.example' }, ...(storeFor ? { store: storeFor } : {}) });
      await addConsoleUser(gw, 'operator@shop.example', 'operator');
      operator = request.agent(gw.app);
      await signIn(operator, 'operator@shop.example');
    });
    afterEach(() => gw.close());

    /** A payment paid at the bank, its events delivered once. */
    async function paid(): Promise<string> {
      const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment());
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: created.body.amount as number, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
      const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
      expect(notified.body).to.deep.equal({ status: 'accepted' });
      await outboxDrained(gw);
      return created.body.id as string;
    }

    /** The hidden fields of the confirmation page the payment page's redelivery form leads to. */
    async function confirmedForm(id: string, event: string, target: string): Promise<Record<string, string>> {
      const page = await operator.get(`/console/payments/${id}`);
      const formKey = /name="formKey" value="([^"]+-redeliver)"/.exec(page.text)?.[1];
      expect(formKey, 'no redelivery form').to.be.a('string');
      const confirm = await operator.get(`/console/payments/${id}/redeliver`).query({ formKey, event, target });
      expect(confirm.status).to.equal(200);
      const form = /<form method="post" action="\/console\/payments\/[^"]+" class="confirm">([\s\S]*?)<\/form>/.exec(confirm.text)![1]!;
      return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decoded(m[2]!)]));
    }

    it('redelivers once for two posts at once and for a resend after the worker ran; the same key with another target is a 422', async () => {
      const id = await paid();
      const succeeded = (await gw.app.gateway.service.events(id)).find((e) => e.type === 'payment.succeeded')!;
      // The other target may have no delivery of this event yet (a redelivery to it would make one).
      const triesOf = async (target: string) => (await gw.app.gateway.store.outbox.getEvent(succeeded.id))!.deliveries.find((d) => d.target === target)?.attempts.length ?? 0;
      const other = 'email:merchant';
      expect(gw.app.gateway.store.outbox.targets).to.include(other);
      const [buyerBefore, otherBefore] = [await triesOf('email:buyer'), await triesOf(other)];
      const fields = await confirmedForm(id, succeeded.id, 'email:buyer');
      expect(fields.formKey).to.match(/-redeliver$/);
      const post = (body: Record<string, string>) => operator.post(`/console/payments/${id}/redeliver`).type('form').send(body);

      const [one, twice] = await Promise.all([post(fields), post(fields)]);
      expect([one.status, twice.status]).to.deep.equal([303, 303]);
      expect([one.headers.location, twice.headers.location].sort()).to.deep.equal([`/console/payments/${id}?already=1`, `/console/payments/${id}?done=1`]);
      await outboxDrained(gw);
      expect(await triesOf('email:buyer')).to.equal(buyerBefore + 1);

      const resent = await post(fields);
      expect(resent.status).to.equal(303);
      expect(resent.headers.location).to.equal(`/console/payments/${id}?already=1`);
      await outboxDrained(gw);
      expect(await triesOf('email:buyer')).to.equal(buyerBefore + 1);
      // The replay is answered with the deliveries page's words, in the user's language.
      expect((await operator.get(resent.headers.location!)).text).to.contain('This form had already been sent: nothing more was queued.');
      expect((await operator.get(resent.headers.location!).set('Accept-Language', 'fr')).text).to.contain('Ce formulaire avait déjà été envoyé : rien de plus n’a été remis en file.');

      const mismatch = await post({ ...fields, target: other });
      expect(mismatch.status).to.equal(422);
      expect(decoded(mismatch.text)).to.contain('This form was already sent with other values.');
      await outboxDrained(gw);
      expect(await triesOf(other)).to.equal(otherBefore);

      const audit = await gw.app.gateway.audit.list({ limit: 50 });
      expect(audit.items.filter((e) => e.action === 'console.redeliver' && e.paymentId === id).map((e) => e.detail)).to.deep.equal([{ event: succeeded.id, target: 'email:buyer' }]);
    });

    it('gives the confirmation page a key of its own when it was reached without one, so its form acts once too', async () => {
      const id = await paid();
      const succeeded = (await gw.app.gateway.service.events(id)).find((e) => e.type === 'payment.succeeded')!;
      const triesOf = async () => (await gw.app.gateway.store.outbox.getEvent(succeeded.id))!.deliveries.find((d) => d.target === 'email:buyer')!.attempts.length;
      const before = await triesOf();
      const confirm = await operator.get(`/console/payments/${id}/redeliver`).query({ event: succeeded.id, target: 'email:buyer' });
      expect(confirm.status).to.equal(200);
      const form = /<form method="post" action="\/console\/payments\/[^"]+" class="confirm">([\s\S]*?)<\/form>/.exec(confirm.text)![1]!;
      const fields = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decoded(m[2]!)]));
      expect(fields.formKey).to.match(/^[A-Za-z0-9_-]{16,64}$/);
      const post = () => operator.post(`/console/payments/${id}/redeliver`).type('form').send(fields);
      expect((await post()).headers.location).to.equal(`/console/payments/${id}?done=1`);
      expect((await post()).headers.location).to.equal(`/console/payments/${id}?already=1`);
      await outboxDrained(gw);
      expect(await triesOf()).to.equal(before + 1);
    });
  });
}
