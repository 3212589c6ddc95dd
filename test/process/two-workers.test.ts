import { expect } from 'chai';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../src/core/events.js';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import { PaymentService } from '../../src/service/payment-service.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import {
  delay,
  gatewayFiles,
  listenLocal,
  PROCESS_WEBHOOK_SECRET,
  ProcessGroup,
  readBody,
  waitFor,
  waitForLog,
  type GatewayFiles,
  type LocalServer,
} from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { connectorsNamed } from '../support/payment-connectors.js';

const PAYMENTS = 250;
const EVENTS_PER_PAYMENT = 4;
const TOTAL = PAYMENTS * EVENTS_PER_PAYMENT;
const WORKERS = ['w1', 'w2'] as const;
type WorkerName = (typeof WORKERS)[number];

/**
 * The merchant endpoint for the two workers. Each worker is configured with its own path (the same
 * `webhook:0` target), so the receiver knows which process sent a request. It holds each request
 * 5–20 ms and watches for any event, or any two events of one payment, in flight twice at once.
 *
 * Start gate: the workers start a second or so after spawning, not together, and a head start can be
 * enough for one of them to drain a 1 000-event outbox alone. So the first requests are held until
 * both workers have sent one (at most GATE_MS, well under the 10 s webhook timeout); after that every
 * request is answered after its short hold. The first worker's held batch is claimed under its
 * lease, so the second one claims other queues meanwhile.
 */
const GATE_MS = 8000;

class TwoWorkerReceiver {
  readonly inFlight = new Set<string>();
  readonly paymentsInFlight = new Set<string>();
  readonly concurrentDuplicates: string[] = [];
  readonly concurrentPaymentRequests: string[] = [];
  readonly deliveries = new Map<string, number>();
  readonly versionsByPayment = new Map<string, number[]>();
  readonly byWorker: Record<WorkerName, number> = { w1: 0, w2: 0 };
  readonly badSignatures: string[] = [];
  readonly unexpected: string[] = [];
  private readonly seenWorkers = new Set<WorkerName>();
  private gateOpen!: Promise<void>;
  private openGate!: () => void;
  local!: LocalServer;

  async start(): Promise<this> {
    this.gateOpen = new Promise((resolve) => {
      this.openGate = resolve;
    });
    this.local = await listenLocal((req, res) => void this.handle(req, res));
    return this;
  }

  /** Starts the gate's deadline: from here on the gate opens after GATE_MS at the latest. */
  armGate(): void {
    setTimeout(() => this.openGate(), GATE_MS).unref();
  }

  urlFor(worker: WorkerName): string {
    return `${this.local.url}/${worker}`;
  }

  get received(): number {
    return this.deliveries.size;
  }

  get sequentialDuplicates(): number {
    let extra = 0;
    for (const count of this.deliveries.values()) extra += count - 1;
    return extra;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const worker = req.url?.slice(1) as WorkerName;
    const eventId = String(req.headers['hpp-event-id'] ?? '');
    if (!WORKERS.includes(worker) || !eventId) {
      this.unexpected.push(`${req.method} ${req.url} ${eventId}`);
      res.writeHead(404).end();
      return;
    }
    // Checked the moment the request arrives, before anything is awaited.
    if (this.inFlight.has(eventId)) this.concurrentDuplicates.push(eventId);
    this.inFlight.add(eventId);
    const body = await readBody(req);
    let paymentId = '';
    try {
      const verified = await verifyWebhook({ body, headers: req.headers, secret: PROCESS_WEBHOOK_SECRET });
      const event = verified.event as { id: string; data: { payment: { id: string }; paymentVersion: number } };
      if (event.id !== eventId) throw new Error(`body id ${event.id} is not the header's ${eventId}`);
      paymentId = event.data.payment.id;
      if (this.paymentsInFlight.has(paymentId)) this.concurrentPaymentRequests.push(`${paymentId} (${eventId})`);
      this.paymentsInFlight.add(paymentId);
      const versions = this.versionsByPayment.get(paymentId) ?? [];
      versions.push(event.data.paymentVersion);
      this.versionsByPayment.set(paymentId, versions);
      this.deliveries.set(eventId, (this.deliveries.get(eventId) ?? 0) + 1);
      this.byWorker[worker] += 1;
    } catch (err) {
      this.badSignatures.push(`${eventId}: ${(err as Error).message}`);
    }
    if (!this.seenWorkers.has(worker)) {
      this.seenWorkers.add(worker);
      if (this.seenWorkers.size === WORKERS.length) this.openGate();
    }
    await this.gateOpen;
    await delay(5 + Math.floor(Math.random() * 16));
    // Out of flight before the answer leaves: the worker cannot settle and re-claim before this.
    this.inFlight.delete(eventId);
    if (paymentId) this.paymentsInFlight.delete(paymentId);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
  }

  close(): Promise<void> {
    this.openGate?.();
    return this.local?.close() ?? Promise.resolve();
  }
}

/** One payment's four events through the real service: created, pending, failed (refused), pending. */
async function paymentWithFourEvents(service: PaymentService, index: number): Promise<PaymentEvent[]> {
  const { payment } = await service.create({
    amount: 1000 + index,
    currency: 'EUR',
    reference: `workers-${index}`,
    description: null,
    customer: null,
    returnUrl: null,
    metadata: {},
    connector: 'native',
  });
  const events: PaymentEvent[] = [{ id: '', type: 'payment.created', paymentId: payment.id, paymentVersion: 1, occurredAt: payment.createdAt }];
  const first = await service.startAttempt(payment.id, 'native');
  const { transition: refused } = await service.receiveBankMessage('native', { outcome: { attemptRef: first.attempt!.ref, status: 'refused', amount: payment.amount, currency: payment.currency, responseCode: '05' } });
  const second = await service.startAttempt(payment.id, 'native');
  events.push(...first.events, ...refused.events, ...second.events);
  return events;
}

describe('processes: two delivery workers on one Redis', function () {
  this.timeout(120_000);

  let files: GatewayFiles | undefined;
  let receiver: TwoWorkerReceiver | undefined;
  let store: RedisPaymentStore | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await receiver?.close();
    await store?.close();
    await files?.remove();
    receiver = undefined;
    store = undefined;
    files = undefined;
  });

  it('two worker processes on one Redis deliver 1 000 events with no event delivered twice concurrently and none missing', async function () {
    const redisUrl = await requireRedis(this);
    const prefix = randomPrefix();
    files = await gatewayFiles();
    receiver = await new TwoWorkerReceiver().start();
    store = new RedisPaymentStore(new Redis(redisUrl), { prefix, ownsConnection: true, outboxTargets: ['webhook:0'] });
    const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });

    const producedAt = Date.now();
    const expectedVersions = new Map<string, number[]>();
    const expectedIds = new Set<string>();
    for (let start = 0; start < PAYMENTS; start += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, PAYMENTS - start) }, (_, i) => paymentWithFourEvents(service, start + i)));
      for (const events of batch) {
        expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending']);
        expectedVersions.set(events[0]!.paymentId, events.map((e) => e.paymentVersion));
        for (const e of events.slice(1)) expectedIds.add(e.id);
      }
    }
    // The created events' ids are not returned by the service: read them from the outbox listing.
    let cursor: string | undefined;
    do {
      const page = await store.outbox.listEventsWithDeliveries({ type: 'payment.created', limit: 100, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) expectedIds.add(item.event.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(expectedIds.size).to.equal(TOTAL);
    expect(await store.outbox.pendingCount()).to.equal(TOTAL);
    const produceMs = Date.now() - producedAt;

    const workers = WORKERS.map((name) =>
      processes.start(`worker ${name}`, 'src/worker.ts', {
        NODE_ENV: 'test',
        PUBLIC_URL: 'http://127.0.0.1:3999',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        GATEWAY_KEYS_FILE: files!.keysFile,
        MERCHANT_WEBHOOK_URL: receiver!.urlFor(name),
        MERCHANT_WEBHOOK_SECRET: PROCESS_WEBHOOK_SECRET,
        MAIL_OUTBOX_DIR: files!.mailDir,
        LOG_LEVEL: 'info',
      }),
    );
    const spawnedAt = Date.now();
    receiver.armGate();

    await waitFor(`all ${TOTAL} events received`, () => receiver!.received >= TOTAL, {
      timeoutMs: 60_000,
      intervalMs: 100,
      abortIf: () => workers.find((w) => !w.running)?.describe() ?? null,
    });
    const deliverMs = Date.now() - spawnedAt;
    // The last completions are written after the last answers.
    await waitFor('the outbox drained', async () => (await store!.outbox.pendingCount()) === 0, { timeoutMs: 10_000, intervalMs: 100 });
    for (const worker of workers) await waitForLog(worker, 'delivery worker running', 1000);

    const r = receiver;
    console.log(
      `      ${TOTAL} events made in ${produceMs} ms; delivered in ${deliverMs} ms from spawning the workers; ` +
        `by worker: w1 ${r.byWorker.w1}, w2 ${r.byWorker.w2}; sequential duplicates: ${r.sequentialDuplicates}`,
    );

    expect(r.unexpected, 'requests the receiver did not expect').to.deep.equal([]);
    expect(r.badSignatures, 'webhooks whose HMAC signature did not verify').to.deep.equal([]);
    expect(r.concurrentDuplicates, 'events in flight twice at the same time').to.deep.equal([]);
    expect(r.concurrentPaymentRequests, 'two events of one payment in flight at the same time').to.deep.equal([]);
    const missing = [...expectedIds].filter((id) => !r.deliveries.has(id));
    expect(missing, 'events never delivered').to.deep.equal([]);
    expect([...r.deliveries.keys()].filter((id) => !expectedIds.has(id)), 'events nobody created').to.deep.equal([]);
    for (const [paymentId, expected] of expectedVersions) {
      const arrived = r.versionsByPayment.get(paymentId) ?? [];
      // Sequential duplicates may repeat a version; the order must never go back.
      const increasing = arrived.every((v, i) => i === 0 || v >= arrived[i - 1]!);
      expect(increasing, `${paymentId} arrived in the order ${arrived.join(',')}`).to.equal(true);
      expect([...new Set(arrived)]).to.deep.equal(expected);
    }
    expect(r.byWorker.w1, 'worker w1 delivered some events').to.be.greaterThan(0);
    expect(r.byWorker.w2, 'worker w2 delivered some events').to.be.greaterThan(0);
    expect(r.byWorker.w1 + r.byWorker.w2).to.equal(TOTAL + r.sequentialDuplicates);

    // Every delivery is recorded delivered, with its try.
    const sample = [...expectedIds].slice(0, 50);
    for (const id of sample) {
      const found = await store.outbox.getEvent(id);
      const delivery = found!.deliveries.find((d) => d.target === 'webhook:0')!;
      expect(delivery.state).to.equal('delivered');
      expect(delivery.attempts.length).to.be.at.least(1);
      expect(delivery.attempts.at(-1)!.status).to.equal(200);
    }
    expect(await store.outbox.pendingCount()).to.equal(0);

    // Both stop cleanly on SIGTERM (the worker finishes its round, closes its store and exits 0).
    for (const worker of workers) worker.child.kill('SIGTERM');
    const exits = await Promise.race([Promise.all(workers.map((w) => w.exited)), delay(10_000).then(() => null)]);
    expect(exits, 'workers exited within 10 s of SIGTERM').to.not.equal(null);
    for (const exit of exits!) expect(exit.code).to.equal(0);
  });
});
