import { expect } from 'chai';
import { auditQueueOf } from '../../src/core/audit-event.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
} from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

const PAYMENTS = 40;
// A payment's created and cancelled, and the audit.recorded of each of the two API calls.
const EVENTS = PAYMENTS * 4;
// Long enough that every queue has failed two or three times: its next try is then up to 20-40 s away.
const OUTAGE_MS = 12_000;
// Each queue waiting out its own back-off takes up to tens of seconds after the endpoint is back;
// brought forward by the first success, the whole backlog needs a few seconds at most.
const CATCH_UP_BOUND_MS = 10_000;

/** The merchant endpoint: answers 503 while down; when up, verifies, records and answers 204. */
class FlakyEndpoint {
  up = false;
  refused = 0;
  readonly delivered = new Map<string, number>();
  readonly orderByPayment = new Map<string, number[]>();
  readonly inFlight = new Set<string>();
  readonly concurrentDuplicates: string[] = [];
  readonly badSignatures: string[] = [];
  /** The audit.recorded events' actions, in the order received. */
  readonly auditActions: string[] = [];
  /** Each audit queue's entries' times, in the order received: each queue keeps the order of the log. */
  readonly auditTimesByQueue = new Map<string, number[]>();
  local!: LocalServer;

  async start(): Promise<this> {
    this.local = await listenLocal((req, res) => void this.handle(req, res));
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const eventId = String(req.headers['hpp-event-id'] ?? '');
    if (this.inFlight.has(eventId)) this.concurrentDuplicates.push(eventId);
    this.inFlight.add(eventId);
    const body = await readBody(req);
    if (!this.up) {
      this.refused += 1;
      this.inFlight.delete(eventId);
      res.writeHead(503).end();
      return;
    }
    try {
      const { event } = await verifyWebhook({ body, headers: req.headers, secret: PROCESS_WEBHOOK_SECRET });
      const e = event as { id: string; type: string; data: { payment: { id: string }; paymentVersion: number; audit: { id: string; action: string; at: string } } };
      this.delivered.set(e.id, (this.delivered.get(e.id) ?? 0) + 1);
      if (e.type === 'audit.recorded') {
        this.auditActions.push(e.data.audit.action);
        const queue = auditQueueOf(e.data.audit.id);
        this.auditTimesByQueue.set(queue, [...(this.auditTimesByQueue.get(queue) ?? []), Date.parse(e.data.audit.at)]);
      } else {
        const order = this.orderByPayment.get(e.data.payment.id) ?? [];
        order.push(e.data.paymentVersion);
        this.orderByPayment.set(e.data.payment.id, order);
      }
    } catch (err) {
      this.badSignatures.push(`${eventId}: ${(err as Error).message}`);
    }
    await delay(5);
    this.inFlight.delete(eventId);
    res.writeHead(204).end();
  }
}

describe('processes: a webhook endpoint back after an outage gets its backlog at once', function () {
  this.timeout(120_000);

  let files: GatewayFiles | undefined;
  let endpoint: FlakyEndpoint | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await endpoint?.local.close();
    await files?.remove();
    endpoint = undefined;
    files = undefined;
  });

  it(`${PAYMENTS} payments made during a ${OUTAGE_MS / 1000} s outage: all ${EVENTS} events within ${CATCH_UP_BOUND_MS / 1000} s of the endpoint's return, in order, none twice at once`, async function () {
    const redisUrl = await requireRedis(this);
    files = await gatewayFiles();
    endpoint = await new FlakyEndpoint().start();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const gateway = processes.start('gateway', 'src/main.ts', gatewayEnv({ port, redisUrl, prefix: randomPrefix(), files, webhookUrl: `${endpoint.local.url}/hooks` }));
    await waitForGateway(gateway, baseUrl);

    const outageStarted = Date.now();
    for (let i = 0; i < PAYMENTS; i += 1) {
      const created = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 1000 + i, currency: 'EUR', reference: `outage-${i}` });
      expect(created.status, JSON.stringify(created.json)).to.equal(201);
      const cancelled = await apiRequest(baseUrl, 'POST', `/api/v1/payments/${created.json.id}/cancel`);
      expect(cancelled.status, JSON.stringify(cancelled.json)).to.equal(200);
    }
    await waitFor('every payment tried at least once during the outage', () => endpoint!.refused >= PAYMENTS, { timeoutMs: OUTAGE_MS, intervalMs: 100 });
    await delay(Math.max(0, outageStarted + OUTAGE_MS - Date.now()));
    expect(endpoint.delivered.size, 'nothing delivered during the outage').to.equal(0);

    endpoint.up = true;
    const backAt = Date.now();
    await waitFor(`all ${EVENTS} events delivered after the endpoint came back`, () => endpoint!.delivered.size >= EVENTS, {
      timeoutMs: CATCH_UP_BOUND_MS,
      intervalMs: 100,
      abortIf: () => (gateway.running ? null : gateway.describe()),
    });
    console.log(`      ${endpoint.refused} tries refused during the outage; backlog of ${EVENTS} delivered ${Date.now() - backAt} ms after the endpoint came back`);

    expect(endpoint.badSignatures).to.deep.equal([]);
    expect(endpoint.concurrentDuplicates, 'an event in flight twice at once').to.deep.equal([]);
    expect([...endpoint.delivered.values()].filter((n) => n !== 1), 'events delivered more than once').to.deep.equal([]);
    expect(endpoint.orderByPayment.size).to.equal(PAYMENTS);
    for (const [paymentId, order] of endpoint.orderByPayment) expect(order, paymentId).to.deep.equal([1, 2]);
    // Every API call's entry once; the audit events spread over queues, each of which keeps the
    // order the entries were recorded in.
    expect([...endpoint.auditActions].sort()).to.deep.equal([...Array(PAYMENTS).fill('api.payment.cancel'), ...Array(PAYMENTS).fill('api.payment.create')]);
    expect(endpoint.auditTimesByQueue.size, 'spread over several queues').to.be.above(1);
    for (const [queue, times] of endpoint.auditTimesByQueue) expect(times, queue).to.deep.equal([...times].sort((a, b) => a - b));
  });
});
