import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { BankConnector } from '../../src/connectors/bank-connector.js';
import { LyraConnector } from '../../src/connectors/lyra/lyra-connector.js';
import type { LyraCtxMode } from '../../src/connectors/lyra/settings.js';
import { SipsConnector } from '../../src/connectors/sips/sips-connector.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { lyraResponse, PAYZEN_URL, PRODUCTION_KEY, SITE_ID, TEST_KEY } from '../connectors/lyra/lyra-bank.js';
import { moneticoConnector } from '../connectors/monetico/fixtures.js';
import { formBody, paidFields, serverReturn } from '../connectors/monetico/monetico-bank.js';
import { dataOf, KEY_1, responseFields, sealedResponse, sipsSettings } from '../connectors/sips/fixtures.js';
import { connector as stripeConnector, eventPayload, session, signatureHeader } from '../connectors/stripe/fixtures.js';
import { API_KEY, servicesOf, testGateway, validPayment, type StoreFor, type TestGateway } from '../support/gateway.js';
import { logEntries } from '../support/log-lines.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

/**
 * A message one bank authenticated proves nothing about a trip the buyer made to another bank: it may
 * only touch attempts sent to the connector that verified it (and, for Lyra, in the context mode
 * configured). Anything else is refused as an unknown attempt, logged, and changes nothing.
 */

/** The fields of the vads_ form the gateway would have sent Lyra for `ref`, as lyraResponse needs them. */
function lyraRequest(ref: string, ctxMode: LyraCtxMode): Record<string, string> {
  return {
    vads_amount: '2480',
    vads_ctx_mode: ctxMode,
    vads_currency: '978',
    vads_order_id: ref,
    vads_order_info2: ref,
    vads_site_id: SITE_ID,
    vads_trans_date: '20261201083000',
    vads_trans_id: '000001',
  };
}

/** A bank message as the route receives it: form fields, or a raw body with its headers. */
type Posted = { form: Record<string, string> } | { body: string; headers: Record<string, string> };

interface Pairing {
  title: string;
  /** The connector the attempt was sent to. */
  attemptConnector: string;
  /** The connector that verifies the message, and its route. */
  messageConnector: string;
  message(ref: string, gw: TestGateway): Promise<Posted>;
  /** Whether the protocol also brings this message back through the buyer's browser. */
  viaReturn: boolean;
}

const PAIRINGS: Pairing[] = [
  {
    title: 'a native-signed success for an attempt sent to Sips',
    attemptConnector: 'sips',
    messageConnector: 'native',
    viaReturn: true,
    message: async (ref, gw) => ({ form: { response: await gw.bank.sign({ ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1' }) } }),
  },
  {
    title: 'a Sips-sealed success for a native attempt',
    attemptConnector: 'native',
    messageConnector: 'sips',
    viaReturn: true,
    message: async (ref) => ({ form: await sealedResponse(dataOf(responseFields({ transactionReference: ref })), KEY_1) }),
  },
  {
    title: 'a Lyra TEST-context success for a native attempt',
    attemptConnector: 'native',
    messageConnector: 'lyra',
    viaReturn: true,
    message: async (ref) => ({ form: lyraResponse(lyraRequest(ref, 'TEST'), { status: 'AUTHORISED', key: TEST_KEY }) }),
  },
  {
    title: 'a Monetico server return (paid) for a native attempt',
    attemptConnector: 'native',
    messageConnector: 'monetico',
    viaReturn: false,
    message: async (ref) => ({ body: formBody(serverReturn(paidFields(ref))), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  },
  {
    title: 'a Stripe webhook (session expired) for a native attempt',
    attemptConnector: 'native',
    messageConnector: 'stripe',
    viaReturn: false,
    message: async (ref) => {
      const payload = eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', client_reference_id: ref, metadata: { attempt_ref: ref } }));
      return { body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(payload) } };
    },
  },
];

const STORES: Array<{ kind: string; make: (ctx: Mocha.Context) => Promise<StoreFor> }> = [
  { kind: 'memory', make: async () => (outboxTargets) => new MemoryPaymentStore({ outboxTargets }) },
  {
    kind: 'redis',
    make: async (ctx) => {
      const url = await requireRedis(ctx);
      return (outboxTargets) => new RedisPaymentStore(new Redis(url), { prefix: randomPrefix(), ownsConnection: true, outboxTargets });
    },
  },
];

function lyraConnector(store: () => GatewayStore | undefined, ctxMode: LyraCtxMode): LyraConnector {
  return new LyraConnector({
    siteId: SITE_ID,
    ctxMode,
    key: ctxMode === 'TEST' ? TEST_KEY : PRODUCTION_KEY,
    paymentUrl: PAYZEN_URL,
    signatureAlgorithm: 'HMAC-SHA-256',
    services: servicesOf(store),
  });
}

/** Whether a refusal was logged with its route, connector and reason (and the attempt it named, once verified). */
function refusalLogged(logs: string[], what: 'notification' | 'return', connector: string, reason: string, attempt?: string): boolean {
  return logEntries(logs).some((entry) => entry.msg === `bank ${what} refused` && entry.connector === connector && entry.reason === reason && (attempt === undefined || entry.attempt === attempt));
}

for (const { kind, make } of STORES) {
  describe(`bank messages for another connector's attempt (${kind} store)`, () => {
    let gw: TestGateway;
    let connectors: BankConnector[];

    beforeEach(async function () {
      const storeFor = await make(this);
      let store: GatewayStore | undefined;
      gw = await testGateway({
        store: (outboxTargets) => (store = storeFor(outboxTargets)),
        connectors: (keystore, bank) => {
          connectors = [bank.connector(keystore), new SipsConnector(sipsSettings()), lyraConnector(() => store, 'TEST'), moneticoConnector(), stripeConnector()];
          return connectors;
        },
      });
    });
    afterEach(() => gw?.close());

    const send = (path: string, posted: Posted) => {
      const req = request(gw.app).post(path);
      if ('form' in posted) return req.type('form').send(new URLSearchParams(posted.form).toString());
      return req.set(posted.headers).send(posted.body);
    };

    for (const pairing of PAIRINGS) {
      it(`refuses ${pairing.title} as an unknown attempt, logs it and changes nothing`, async () => {
        const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ connector: pairing.attemptConnector }));
        expect(created.status).to.equal(201);
        const paymentId = created.body.id as string;
        const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, pairing.attemptConnector);
        const ref = attempt!.ref;
        const snapshot = async () => ({ payment: await gw.app.gateway.store.getPayment(paymentId), events: await gw.app.gateway.store.listEvents(paymentId) });
        const before = await snapshot();
        const connector = connectors.find((c) => c.name === pairing.messageConnector)!;

        const notified = await send(`/bank/${pairing.messageConnector}/notify`, await pairing.message(ref, gw));
        const ack = connector.acknowledge('rejected', 'unknown_attempt');
        expect(notified.status, 'notification ack status').to.equal(ack.status);
        expect(notified.text, 'notification ack body').to.equal(ack.body);
        expect(refusalLogged(gw.logs, 'notification', pairing.messageConnector, 'unknown_attempt', ref), 'notification refusal logged').to.equal(true);

        if (pairing.viaReturn) {
          const page = await send(`/bank/${pairing.messageConnector}/return`, await pairing.message(ref, gw));
          expect(page.status, 'browser return').to.equal(400);
          expect(page.text).to.contain('could not confirm');
          expect(refusalLogged(gw.logs, 'return', pairing.messageConnector, 'unknown_attempt', ref), 'return refusal logged').to.equal(true);
        }

        expect(await snapshot()).to.deep.equal(before);
      });
    }

    it('still applies a message for an attempt sent to the connector that verified it', async () => {
      const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ connector: 'lyra' }));
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'lyra');
      const res = await send('/bank/lyra/notify', { form: lyraResponse(lyraRequest(attempt!.ref, 'TEST'), { status: 'AUTHORISED', key: TEST_KEY }) });
      expect(res.status).to.equal(200);
      expect((await gw.app.gateway.store.getPayment(created.body.id))!.status).to.equal('succeeded');
    });
  });

  describe(`Lyra messages of the other context mode (${kind} store, LYRA_CTX_MODE=PRODUCTION)`, () => {
    let gw: TestGateway;

    beforeEach(async function () {
      const storeFor = await make(this);
      let store: GatewayStore | undefined;
      gw = await testGateway({ store: (outboxTargets) => (store = storeFor(outboxTargets)), connectors: () => [lyraConnector(() => store, 'PRODUCTION')] });
    });
    afterEach(() => gw?.close());

    it('refuses a TEST-context success for a Lyra attempt, by return and by IPN, and changes nothing', async () => {
      const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ connector: 'lyra' }));
      const paymentId = created.body.id as string;
      const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'lyra');
      const snapshot = async () => ({ payment: await gw.app.gateway.store.getPayment(paymentId), events: await gw.app.gateway.store.listEvents(paymentId) });
      const before = await snapshot();
      const post = (path: string, fields: Record<string, string>) => request(gw.app).post(path).type('form').send(new URLSearchParams(fields).toString());
      // Signed with the TEST key (what a TEST context really sends), and, were the keys ever confused, with the PRODUCTION one.
      for (const [key, reason] of [[TEST_KEY, 'bad_signature'], [PRODUCTION_KEY, 'ctx_mode_mismatch']] as const) {
        const fields = lyraResponse(lyraRequest(attempt!.ref, 'TEST'), { status: 'AUTHORISED', key });
        const ipn = await post('/bank/lyra/notify', fields);
        expect(ipn.status).to.equal(400);
        expect(ipn.text).to.equal(`KO ${reason}`);
        const page = await post('/bank/lyra/return', fields);
        expect(page.status).to.equal(400);
        expect(refusalLogged(gw.logs, 'notification', 'lyra', reason), `IPN refusal (${reason}) logged`).to.equal(true);
        expect(refusalLogged(gw.logs, 'return', 'lyra', reason), `return refusal (${reason}) logged`).to.equal(true);
      }
      expect(await snapshot()).to.deep.equal(before);
    });
  });
}
