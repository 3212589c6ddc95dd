import { expect } from 'chai';
import { Redis } from 'ioredis';
import nock from 'nock';
import request from 'supertest';
import { apiKeyName } from '../../src/http/middleware/api-key-auth.js';
import { signWebhookHmac, WEBHOOK_HMAC_HEADER } from '../../src/notify/webhook-signature.js';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { addConsoleUser, signIn } from '../support/console.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type StoreFor, type TestGateway } from '../support/gateway.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const auth = { Authorization: `Bearer ${API_KEY}` };
const HOOKS = 'https://archive.shop.example';
const SECRET = 'whsec_audit_archive_0123456789';

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The audit log reaches the merchant as audit.recorded webhooks, signed and queued like the payment
 * events: a console refund names the user, an API capture the key's name, and neither the key.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`audit log as webhooks (${kind} store)`, () => {
    let gw: TestGateway;
    let bank: ScriptedOperations;
    let received: Received[];

    beforeEach(async function () {
      let storeFor: StoreFor | undefined;
      if (kind === 'redis') {
        const url = await requireRedis(this);
        const prefix = randomPrefix();
        storeFor = (outboxTargets, auditTargets, eventTargets) => new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true, outboxTargets, ...(auditTargets ? { auditTargets } : {}), ...(eventTargets ? { eventTargets } : {}) });
      }
      received = [];
      nock(HOOKS)
        .post('/hooks')
        .reply(function (_uri, body) {
          received.push({ body: typeof body === 'string' ? body : JSON.stringify(body), headers: { ...this.req.headers } });
          return [204, ''];
        })
        .persist();
      bank = new ScriptedOperations();
      gw = await testGateway({
        ...(storeFor ? { store: storeFor } : {}),
        env: { MERCHANT_WEBHOOK_URL: `${HOOKS}/hooks`, MERCHANT_WEBHOOK_SECRET: SECRET, BUYER_RECEIPTS: 'off', MERCHANT_EMAIL: 'orders@shop.example' },
        connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)],
      });
    });
    afterEach(async () => {
      nock.cleanAll();
      await gw.close();
    });

    async function authorised(capture: 'manual' | 'automatic'): Promise<string> {
      const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment(capture === 'manual' ? { capture: 'manual' } : {}));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      const txn = {
        ref: attempt!.ref, status: 'authorised' as const, amount: created.body.amount, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`,
        auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' }, ...(capture === 'manual' ? { capture: 'manual' as const } : {}),
      };
      const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
      expect(notified.body).to.deep.equal({ status: 'accepted' });
      return created.body.id as string;
    }

    /** The audit.recorded bodies received, each verified by its HMAC signature first. */
    async function auditWebhooks(): Promise<Array<{ id: string; data: { audit: Record<string, unknown> } }>> {
      await outboxDrained(gw);
      const audits = [];
      for (const { body, headers } of received) {
        const parsed = JSON.parse(body) as { id: string; type: string; data: { audit: Record<string, unknown> } };
        if (parsed.type !== 'audit.recorded') continue;
        expect(headers['hpp-event-type']).to.equal('audit.recorded');
        expect(headers['hpp-signature-jws']).to.be.a('string');
        const verified = await verifyWebhook({ body, headers: { [WEBHOOK_HMAC_HEADER]: headers[WEBHOOK_HMAC_HEADER.toLowerCase()] as string }, secret: SECRET });
        expect(verified.verifiedBy).to.equal('hmac');
        expect(body).to.not.contain(API_KEY);
        audits.push(parsed);
      }
      return audits;
    }

    it('sends a console refund as audit.recorded with the user, and an API capture with the key\'s name, never the key', async () => {
      const paid = await authorised('automatic');
      const held = await authorised('manual');
      await addConsoleUser(gw, 'operator@shop.example', 'operator');
      const operator = request.agent(gw.app);
      await signIn(operator, 'operator@shop.example');

      const page = await operator.get(`/console/payments/${paid}`);
      const formKey = /name="formKey" value="([^"]+-refund)"/.exec(page.text)?.[1];
      const confirm = await operator.get(`/console/payments/${paid}/refund`).query({ formKey, amount: '1000', reason: 'damaged' });
      const form = /<form method="post" action="\/console\/payments\/[^"]+" class="confirm">([\s\S]*?)<\/form>/.exec(confirm.text)![1]!;
      const fields = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
      expect((await operator.post(`/console/payments/${paid}/refund`).type('form').send(fields)).status).to.equal(303);
      expect((await request(gw.app).post(`/api/v1/payments/${held}/capture`).set(auth).send({ amount: 1500 })).status).to.equal(200);

      const audits = await auditWebhooks();
      const refund = audits.filter((e) => e.data.audit.action === 'console.refund');
      expect(refund).to.have.length(1);
      expect(refund[0]!.data.audit).to.include({ paymentId: paid });
      expect(refund[0]!.data.audit.actor).to.deep.equal({ kind: 'console_user', email: 'operator@shop.example' });
      expect(refund[0]!.data.audit.detail).to.include({ amount: 1000 });
      const capture = audits.filter((e) => e.data.audit.action === 'api.payment.capture');
      expect(capture).to.have.length(1);
      expect(capture[0]!.data.audit).to.include({ paymentId: held });
      expect(capture[0]!.data.audit.actor).to.deep.equal({ kind: 'api_key', name: apiKeyName(API_KEY) });

      // Each webhook is the entry the console's audit log keeps, under an id of its own.
      const kept = (await gw.app.gateway.audit.list({ limit: 100 })).items;
      expect(audits.map((e) => e.data.audit)).to.have.deep.members(kept);
      expect(new Set(audits.map((e) => e.id)).size).to.equal(audits.length);
      // Queued for the webhook only: the merchant's email channel sends nothing for them, so it is
      // owed nothing (a payment's events go to the email target when it mails them).
      expect(gw.app.gateway.store.outbox.targets).to.deep.equal(['webhook:0', 'email:merchant']);
      for (const e of audits) expect((await gw.app.gateway.store.outbox.getEvent(e.id))!.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0']);
      const paymentEvents = (await gw.app.gateway.store.outbox.listEventsWithDeliveries({ paymentId: paid, limit: 10 })).items;
      const targetsOf = (type: string) => paymentEvents.find((e) => e.event.type === type)!.deliveries.map((d) => d.target);
      // The merchant is mailed the success, not the payment's start at the bank.
      expect(targetsOf('payment.succeeded')).to.deep.equal(['webhook:0', 'email:merchant']);
      expect(targetsOf('payment.pending')).to.deep.equal(['webhook:0']);
    });
  });
}
