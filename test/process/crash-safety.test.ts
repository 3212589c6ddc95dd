import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import {
  apiRequest,
  delay,
  freePort,
  gatewayEnv,
  gatewayFiles,
  listenLocal,
  PROCESS_WEBHOOK_SECRET,
  ProcessGroup,
  readBody,
  waitFor,
  waitForGateway,
  type GatewayFiles,
  type LocalServer,
  type ReceivedWebhook,
} from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

/**
 * The outbox promise, tested with real processes: an event stored with its state change is delivered
 * even when the gateway that should have sent it is killed with SIGKILL (no shutdown hook runs).
 */

const WEBHOOK_TIMEOUT_MS = 2000;
// The gateway raises OUTBOX_LEASE to WEBHOOK_TIMEOUT + 5 s (src/notify/notifications.ts).
const EFFECTIVE_LEASE_MS = WEBHOOK_TIMEOUT_MS + 5000;

/** A merchant endpoint that either hangs (accepts, never answers) or answers 200, switchable. */
class Receiver {
  mode: 'hang' | 'ok' = 'ok';
  /** Requests whose headers arrived while hanging: the gateway had claimed the delivery and was mid-try. */
  readonly started: Array<{ eventId: string; type: string; at: number }> = [];
  /** Requests answered 200, with their raw bodies. */
  readonly delivered: ReceivedWebhook[] = [];
  private readonly hanging: ServerResponse[] = [];
  local!: LocalServer;

  async start(): Promise<this> {
    this.local = await listenLocal((req, res) => {
      const eventId = String(req.headers['hpp-event-id'] ?? '');
      const type = String(req.headers['hpp-event-type'] ?? '');
      if (this.mode === 'hang') {
        this.started.push({ eventId, type, at: Date.now() });
        this.hanging.push(res);
        req.resume();
        return;
      }
      void readBody(req).then((body) => {
        this.delivered.push({ path: req.url ?? '', headers: req.headers, body, receivedAt: Date.now() });
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
    return this;
  }

  get url(): string {
    return `${this.local.url}/webhooks`;
  }

  deliveredOf(paymentId: string, type: string): ReceivedWebhook[] {
    return this.delivered.filter((w) => {
      const body = JSON.parse(w.body.toString('utf8')) as { type: string; data: { payment: { id: string } } };
      return body.type === type && body.data.payment.id === paymentId;
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await this.local?.close();
  }
}

interface DeliveryView {
  target: string;
  state: string;
  attemptCount: number;
}

async function createdEventDelivery(baseUrl: string, paymentId: string): Promise<{ eventId: string; webhook: DeliveryView | undefined }> {
  const list = await apiRequest(baseUrl, 'GET', `/api/v1/events?payment=${paymentId}`);
  expect(list.status).to.equal(200);
  const created = (list.json.items as Array<{ id: string; type: string; deliveries: DeliveryView[] }>).find((e) => e.type === 'payment.created');
  expect(created, 'payment.created is listed').to.not.equal(undefined);
  return { eventId: created!.id, webhook: created!.deliveries.find((d) => d.target === 'webhook:0') };
}

async function assertGenuine(webhook: ReceivedWebhook, jwks: JSONWebKeySet): Promise<void> {
  const byHmac = await verifyWebhook({ body: webhook.body, headers: webhook.headers, secret: PROCESS_WEBHOOK_SECRET });
  expect(byHmac.verifiedBy).to.equal('hmac');
  const byJws = await verifyWebhook({ body: webhook.body, headers: webhook.headers, jwks });
  expect(byJws.verifiedBy).to.equal('jws');
}

describe('processes: crash safety of the outbox (SIGKILL)', function () {
  this.timeout(60_000);

  let redisUrl: string;
  let files: GatewayFiles;
  let receiver: Receiver;
  let cleanup: Array<() => Promise<void>> = [];
  const processes = new ProcessGroup();

  beforeEach(async function () {
    redisUrl = await requireRedis(this);
    files = await gatewayFiles();
    cleanup.push(files.remove);
    receiver = await new Receiver().start();
    cleanup.push(() => receiver.close());
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  async function startGateway(name: string, prefix: string, extra: Record<string, string> = {}) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const handle = processes.start(
      name,
      'src/main.ts',
      gatewayEnv({
        port,
        redisUrl,
        prefix,
        files,
        webhookUrl: receiver.url,
        extra: { WEBHOOK_TIMEOUT: `${WEBHOOK_TIMEOUT_MS / 1000}s`, OUTBOX_LEASE: '2s', ...extra },
      }),
    );
    const jwks = await waitForGateway(handle, baseUrl);
    return { handle, baseUrl, jwks };
  }

  it('a gateway killed (SIGKILL) between a state change and the delivery delivers the event after restart', async function () {
    const prefix = randomPrefix();
    receiver.mode = 'hang';
    const a = await startGateway('gateway A', prefix);

    const created = await apiRequest(a.baseUrl, 'POST', '/api/v1/payments', { amount: 2480, currency: 'EUR', reference: 'crash-1' });
    expect(created.status, JSON.stringify(created.json)).to.equal(201);
    const paymentId = created.json.id as string;

    // Gateway A has claimed the delivery and is waiting for the merchant's answer.
    const mid = await waitFor('gateway A starting to send payment.created', () => receiver.started.find((s) => s.type === 'payment.created'), {
      timeoutMs: 10_000,
      abortIf: () => (a.handle.running ? null : 'gateway A exited'),
    });
    await a.handle.kill('SIGKILL');
    const killedAt = Date.now();
    expect(a.handle.child.signalCode).to.equal('SIGKILL');

    receiver.mode = 'ok';
    const b = await startGateway('gateway B', prefix);
    const bReadyMs = Date.now() - killedAt;

    const margin = 8000;
    const webhook = await waitFor('gateway B delivering payment.created', () => receiver.deliveredOf(paymentId, 'payment.created')[0], {
      timeoutMs: EFFECTIVE_LEASE_MS + margin,
      abortIf: () => (b.handle.running ? null : 'gateway B exited'),
    });
    const afterClaimMs = webhook.receivedAt - mid.at;
    console.log(`      gateway B ready ${bReadyMs} ms after the kill; delivered ${afterClaimMs} ms after A's try began (lease ${EFFECTIVE_LEASE_MS} ms)`);
    // B waited for A's lease to run out: it did not take a delivery another worker still held.
    expect(afterClaimMs).to.be.greaterThan(EFFECTIVE_LEASE_MS - 1500);

    const body = JSON.parse(webhook.body.toString('utf8')) as { id: string; type: string; data: { payment: { id: string }; paymentVersion: number } };
    expect(body.id).to.equal(mid.eventId);
    expect(body.data.paymentVersion).to.equal(1);
    expect(webhook.headers['user-agent']).to.equal('hpp-gateway-webhooks/1');
    await assertGenuine(webhook, b.jwks);

    const delivery = await waitFor(
      'the delivery shown delivered on B',
      async () => {
        const { webhook: d } = await createdEventDelivery(b.baseUrl, paymentId);
        return d?.state === 'delivered' ? d : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(delivery.attemptCount).to.be.at.least(1);
    const detail = await apiRequest(b.baseUrl, 'GET', `/api/v1/events/${body.id}`);
    expect(detail.status).to.equal(200);
    const attempts = (detail.json.deliveries as Array<{ target: string; attempts: Array<{ status?: number }> }>).find((d) => d.target === 'webhook:0')!.attempts;
    expect(attempts.at(-1)?.status).to.equal(200);

    // Delivered once after the restart: nothing else was sent for it.
    await delay(300);
    expect(receiver.deliveredOf(paymentId, 'payment.created')).to.have.length(1);
  });

  it('a gateway without a delivery worker, killed right after the create: another gateway delivers the event', async function () {
    const prefix = randomPrefix();
    receiver.mode = 'ok';
    const a = await startGateway('gateway A (DELIVERY_WORKER=off)', prefix, { DELIVERY_WORKER: 'off' });

    const created = await apiRequest(a.baseUrl, 'POST', '/api/v1/payments', { amount: 2480, currency: 'EUR', reference: 'crash-2' });
    expect(created.status, JSON.stringify(created.json)).to.equal(201);
    const paymentId = created.json.id as string;
    await a.handle.kill('SIGKILL');
    const killedAt = Date.now();
    expect(receiver.delivered, 'gateway A sends nothing with its worker off').to.have.length(0);

    const b = await startGateway('gateway B', prefix);
    const webhook = await waitFor('gateway B delivering payment.created', () => receiver.deliveredOf(paymentId, 'payment.created')[0], {
      timeoutMs: 10_000,
      abortIf: () => (b.handle.running ? null : 'gateway B exited'),
    });
    console.log(`      delivered by gateway B ${webhook.receivedAt - killedAt} ms after gateway A was killed`);
    await assertGenuine(webhook, b.jwks);

    const delivery = await waitFor(
      'the delivery shown delivered on B',
      async () => {
        const { webhook: d } = await createdEventDelivery(b.baseUrl, paymentId);
        return d?.state === 'delivered' ? d : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(delivery.attemptCount).to.equal(1);
    await delay(300);
    expect(receiver.deliveredOf(paymentId, 'payment.created')).to.have.length(1);
  });
});
