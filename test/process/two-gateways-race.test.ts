import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import { PaymentService } from '../../src/service/payment-service.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import {
  apiRequest,
  delay,
  freePort,
  gatewayEnv,
  logLines,
  gatewayFiles,
  listenLocal,
  PROCESS_WEBHOOK_SECRET,
  ProcessGroup,
  readBody,
  waitFor,
  waitForGateway,
  type ChildHandle,
  type GatewayFiles,
  type LocalServer,
  type ReceivedWebhook,
} from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { connectorsNamed } from '../support/payment-connectors.js';

const ROUNDS = 20;

interface EventView {
  id: string;
  type: string;
  deliveries: Array<{ target: string; state: string; attemptCount: number }>;
}

/** Answers every webhook 200 at once and keeps it, with the gateway (by path) that sent it. */
async function startReceiver(): Promise<{ local: LocalServer; received: ReceivedWebhook[] }> {
  const received: ReceivedWebhook[] = [];
  const local = await listenLocal((req, res) => {
    void readBody(req).then((body) => {
      received.push({ path: req.url ?? '', headers: req.headers, body, receivedAt: Date.now() });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  return { local, received };
}

function parsed(webhook: ReceivedWebhook): { id: string; type: string; data: { payment: { id: string }; paymentVersion: number } } {
  return JSON.parse(webhook.body.toString('utf8')) as never;
}

describe('processes: two gateways receive the bank return and the notification at the same instant', function () {
  this.timeout(120_000);

  let files: GatewayFiles | undefined;
  let receiver: { local: LocalServer; received: ReceivedWebhook[] } | undefined;
  let store: RedisPaymentStore | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await receiver?.local.close();
    await store?.close();
    await files?.remove();
    receiver = undefined;
    store = undefined;
    files = undefined;
  });

  it(`one transition, one payment.succeeded event, one webhook and one receipt per payment (${ROUNDS} rounds)`, async function () {
    const redisUrl = await requireRedis(this);
    const prefix = randomPrefix();
    files = await gatewayFiles();
    receiver = await startReceiver();

    const gateways: Array<{ name: string; baseUrl: string; jwks: JSONWebKeySet; handle: ChildHandle }> = [];
    for (const name of ['g1', 'g2']) {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const handle = processes.start(`gateway ${name}`, 'src/main.ts', gatewayEnv({ port, redisUrl, prefix, files, webhookUrl: `${receiver.local.url}/${name}`, extra: { LOG_LEVEL: 'info' } }));
      gateways.push({ name, baseUrl, handle, jwks: await waitForGateway(handle, baseUrl) });
    }
    const [g1, g2] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];

    // A third party on the same Redis starts the attempts (as the checkout "Pay" would), with the
    // gateways' own outbox targets so its events are owed to the same webhook and mailbox.
    store = new RedisPaymentStore(new Redis(redisUrl), { prefix, ownsConnection: true, outboxTargets: ['webhook:0', 'email:buyer'] });
    const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });

    const payments: string[] = [];
    const attemptRefs: string[] = [];
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const created = await apiRequest(g1.baseUrl, 'POST', '/api/v1/payments', {
        amount: 2480,
        currency: 'EUR',
        reference: `race-${round}`,
        customer: { email: 'buyer@example.com', locale: 'en' },
      });
      expect(created.status, JSON.stringify(created.json)).to.equal(201);
      const paymentId = created.json.id as string;
      payments.push(paymentId);
      const { attempt } = await service.startAttempt(paymentId, 'native');
      attemptRefs.push(attempt!.ref);
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: `BT-${round}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
      // Even rounds: the bank signs the return and the notification separately (two message ids).
      // Odd rounds: the very same signed message arrives at both (one of them is a replay).
      const sameMessage = round % 2 === 1;
      const returnToken = await files.bank.sign(txn);
      const notifyToken = sameMessage ? returnToken : await files.bank.sign(txn);
      const form = (token: string) => new URLSearchParams({ [RESPONSE_FIELD]: token }).toString();
      const post = (url: string, token: string) =>
        fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(token), redirect: 'manual', signal: AbortSignal.timeout(10_000) });

      const [back, notified] = await Promise.all([post(`${g1.baseUrl}/bank/native/return`, returnToken), post(`${g2.baseUrl}/bank/native/notify`, notifyToken)]);
      const ack = (await notified.json()) as { status: string; reason?: string };
      await back.arrayBuffer();
      expect(back.status, 'the return answers 303 to the result page').to.equal(303);
      expect(back.headers.get('location')).to.equal(`${g1.baseUrl}/checkout/${paymentId}/result`);
      if (sameMessage) {
        // Whichever lost the race saw a replay: the notification is then refused, never applied twice.
        expect([200, 400]).to.include(notified.status);
        if (notified.status === 400) expect(ack).to.deep.equal({ status: 'rejected', reason: 'replay' });
        else expect(ack).to.deep.equal({ status: 'accepted' });
      } else {
        expect(notified.status, JSON.stringify(ack)).to.equal(200);
        expect(ack).to.deep.equal({ status: 'accepted' });
      }
      outcomes.push(`${sameMessage ? 'same' : 'two'}:${notified.status}`);
    }

    // Every event of every payment delivered to the webhook (either gateway's worker may send it).
    const eventsOf = async (paymentId: string): Promise<EventView[]> => {
      const res = await apiRequest(g2.baseUrl, 'GET', `/api/v1/events?payment=${paymentId}&limit=100`);
      expect(res.status).to.equal(200);
      return res.json.items as EventView[];
    };
    await waitFor(
      'every event delivered to the webhook',
      async () => {
        for (const paymentId of payments) {
          const events = await eventsOf(paymentId);
          if (!events.every((e) => e.deliveries.every((d) => d.state === 'delivered'))) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    // Time for a second delivery to show up, if one were (wrongly) on its way.
    await delay(1500);

    const received = receiver.received;
    const mails = (await readdir(files.mailDir).catch(() => [] as string[])).filter((f) => f.endsWith('-buyer-receipt.eml'));
    for (const paymentId of payments) {
      const payment = await apiRequest(g1.baseUrl, 'GET', `/api/v1/payments/${paymentId}`);
      expect(payment.json.status).to.equal('succeeded');
      expect(payment.json.version, 'created, pending, succeeded: one transition to succeeded').to.equal(3);
      expect(payment.json.anomalies).to.deep.equal([]);

      const events = await eventsOf(paymentId);
      const succeeded = events.filter((e) => e.type === 'payment.succeeded');
      expect(succeeded, `${paymentId}: payment.succeeded events`).to.have.length(1);
      expect(events.map((e) => e.type).sort()).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
      const webhookDelivery = succeeded[0]!.deliveries.find((d) => d.target === 'webhook:0')!;
      expect(webhookDelivery.state).to.equal('delivered');
      expect(webhookDelivery.attemptCount).to.equal(1);

      const hooks = received.filter((w) => parsed(w).type === 'payment.succeeded' && parsed(w).data.payment.id === paymentId);
      expect(hooks, `${paymentId}: payment.succeeded webhooks received`).to.have.length(1);
      expect(parsed(hooks[0]!).id).to.equal(succeeded[0]!.id);
      expect(parsed(hooks[0]!).data.paymentVersion).to.equal(3);
      const verified = await verifyWebhook({ body: hooks[0]!.body, headers: hooks[0]!.headers, secret: PROCESS_WEBHOOK_SECRET, jwks: g1.jwks });
      expect(verified.verifiedBy).to.equal('hmac');
      expect(mails.filter((f) => f.includes(`-${succeeded[0]!.id}-`)), `${paymentId}: buyer receipts`).to.have.length(1);
    }
    // The gateways' own account: per attempt, exactly one message applied the outcome; the other one
    // met it already recorded (duplicate) or was refused as a replay.
    const verdicts = gateways.flatMap((g) =>
      logLines(g.handle)
        .filter((l) => l.msg === 'bank return' || l.msg === 'bank notification')
        .map((l) => ({ gateway: g.name, route: l.msg as string, attempt: l.attempt as string, verdict: l.verdict as string })),
    );
    let notificationWon = 0;
    for (const ref of attemptRefs) {
      const mine = verdicts.filter((v) => v.attempt === ref);
      const applied = mine.filter((v) => v.verdict === 'applied');
      expect(applied, `${ref}: messages that applied the outcome (${JSON.stringify(mine)})`).to.have.length(1);
      expect(mine.filter((v) => v.verdict !== 'applied').every((v) => v.verdict === 'duplicate'), JSON.stringify(mine)).to.equal(true);
      if (applied[0]!.route === 'bank notification') notificationWon += 1;
    }

    // No event of any kind reached the webhook twice.
    const ids = received.map((w) => parsed(w).id);
    expect(ids.length - new Set(ids).size, 'webhooks received more than once').to.equal(0);
    // Three events a payment; the audit.recorded of each API create comes in a queue of its own.
    const isAudit = (w: ReceivedWebhook) => parsed(w).type === 'audit.recorded';
    expect(received.filter((w) => !isAudit(w))).to.have.length(ROUNDS * 3);
    await waitFor('the audit.recorded webhooks', async () => received.filter(isAudit).length >= ROUNDS, { timeoutMs: 30_000, intervalMs: 250 });
    expect(received.filter(isAudit)).to.have.length(ROUNDS);
    expect(new Set(received.map((w) => parsed(w).id)).size, 'webhooks received more than once').to.equal(received.length);
    const byGateway = { g1: received.filter((w) => w.path === '/g1').length, g2: received.filter((w) => w.path === '/g2').length };
    const replayRounds = outcomes.filter((o) => o === 'same:400').length;
    console.log(
      `      ${ROUNDS} rounds; ${ids.length} webhooks (sent by g1 ${byGateway.g1}, g2 ${byGateway.g2}); ` +
        `the notification (gateway g2) applied the outcome in ${notificationWon} rounds, the return (g1) in ${ROUNDS - notificationWon}; ` +
        `same-message rounds where the notification was refused as a replay: ${replayRounds} of ${ROUNDS / 2}`,
    );
  });
});
