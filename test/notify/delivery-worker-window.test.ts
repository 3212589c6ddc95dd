import { expect } from 'chai';
import { Writable } from 'node:stream';
import type { PaymentEvent } from '../../src/core/events.js';
import type { Payment } from '../../src/core/payment.js';
import { createLogger } from '../../src/logger.js';
import type { NotificationChannel } from '../../src/notify/channel.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import { PaymentService } from '../../src/service/payment-service.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { connectorsNamed } from '../support/payment-connectors.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A channel whose tries the test holds open and lets go of, one payment at a time. */
class HeldChannel implements NotificationChannel {
  readonly delivered: string[] = [];
  inFlight = 0;
  mostInFlight = 0;
  private readonly holds = new Map<string, () => void>();
  /** Payments whose tries wait for release(); the others answer at once. */
  readonly held = new Set<string>();

  constructor(readonly target: string) {}

  wants(): boolean {
    return true;
  }

  async deliver(event: PaymentEvent, payment: Payment) {
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    if (this.held.has(payment.id)) await new Promise<void>((resolve) => this.holds.set(payment.id, resolve));
    this.inFlight -= 1;
    this.delivered.push(`${payment.reference}:${event.type}`);
    return { record: { at: new Date().toISOString(), durationMs: 0, status: 200 }, delivered: true };
  }

  release(paymentId: string): void {
    this.held.delete(paymentId);
    this.holds.get(paymentId)?.();
  }

  releaseAll(): void {
    for (const id of [...this.held]) this.release(id);
  }
}

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** The running worker's window: deliveries go on while others are still in flight, up to a bound. */
describe('delivery worker: deliveries in flight', () => {
  let worker: DeliveryWorker | undefined;
  let channel: HeldChannel;
  afterEach(async () => {
    channel?.releaseAll();
    await worker?.stop();
    worker = undefined;
  });

  function setUp(options: { concurrency?: number; targets?: string[] } = {}) {
    const targets = options.targets ?? ['webhook:0'];
    const store = new MemoryPaymentStore({ outboxTargets: targets });
    const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 600_000, onChange: () => worker?.poke() });
    channel = new HeldChannel(targets[0]!);
    const others = targets.slice(1).map((t) => new HeldChannel(t));
    worker = new DeliveryWorker({
      store,
      channels: [channel, ...others],
      logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
      idleMs: 60_000,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    const create = async (reference: string) =>
      (await service.create({ amount: 1000, currency: 'EUR', reference, description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' })).payment;
    return { store, service, create, others };
  }

  it('delivers other payments\' events while one try is still waiting for its endpoint', async () => {
    const { create } = setUp();
    worker!.start();
    const slow = await create('slow');
    channel.held.add(slow.id);
    await until(() => channel.inFlight === 1, 'the slow try to start');
    // Committed after the slow try started: they do not wait for it.
    await create('fast-1');
    await create('fast-2');
    await until(() => channel.delivered.length === 2, 'the two others to be delivered');
    // Two payments' queues: either may go first.
    expect([...channel.delivered].sort()).to.deep.equal(['fast-1:payment.created', 'fast-2:payment.created']);
    expect(channel.inFlight, 'the slow one is still open').to.equal(1);
    channel.release(slow.id);
    await until(() => channel.delivered.length === 3, 'the slow one to end');
  });

  it('keeps at most `concurrency` tries in flight, and takes up the rest as they end', async () => {
    const { create, store } = setUp({ concurrency: 3 });
    const payments = [];
    for (let i = 0; i < 7; i += 1) payments.push(await create(`p${i}`));
    for (const p of payments) channel.held.add(p.id);
    worker!.start();
    await until(() => channel.inFlight === 3, 'three tries in flight');
    await delay(50);
    expect(channel.inFlight, 'no fourth while three are open').to.equal(3);
    for (const p of payments) {
      channel.release(p.id);
      await delay(5);
    }
    await until(() => channel.delivered.length === 7, 'all seven delivered');
    expect(channel.mostInFlight).to.equal(3);
    expect(await store.outbox.pendingCount()).to.equal(0);
  });

  it('keeps one payment\'s events in order with the window open', async () => {
    const { create, service } = setUp({ concurrency: 10 });
    worker!.start();
    const p = await create('ordered');
    channel.held.add(p.id);
    await until(() => channel.inFlight === 1, 'the first event in flight');
    await service.startAttempt(p.id, 'native');
    await delay(50);
    expect(channel.inFlight, 'the second event waits for the first').to.equal(1);
    channel.release(p.id);
    await until(() => channel.delivered.length === 2, 'both events');
    expect(channel.delivered).to.deep.equal(['ordered:payment.created', 'ordered:payment.pending']);
  });

  it('reads a payment once for the deliveries of one claim (webhook and email of one event)', async () => {
    const { create, store, others } = setUp({ targets: ['webhook:0', 'email:merchant'] });
    await create('one-read');
    let reads = 0;
    const get = store.getPayment.bind(store);
    store.getPayment = (id: string) => {
      reads += 1;
      return get(id);
    };
    expect(await worker!.runOnce()).to.equal(2);
    expect(channel.delivered).to.have.length(1);
    expect(others[0]!.delivered).to.have.length(1);
    expect(reads).to.equal(1);
  });

  it('stop() waits for the tries in flight to be settled', async () => {
    const { create, store } = setUp();
    worker!.start();
    const p = await create('stopping');
    channel.held.add(p.id);
    await until(() => channel.inFlight === 1, 'the try to start');
    let stopped = false;
    const stopping = worker!.stop().then(() => (stopped = true));
    await delay(30);
    expect(stopped, 'still settling').to.equal(false);
    channel.release(p.id);
    await stopping;
    expect(await store.outbox.pendingCount()).to.equal(0);
    worker = undefined;
  });
});
