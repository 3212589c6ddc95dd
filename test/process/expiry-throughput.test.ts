import { expect } from 'chai';
import { Redis } from 'ioredis';
import { PaymentService } from '../../src/service/payment-service.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { freePort, gatewayEnv, gatewayFiles, ProcessGroup, waitFor, waitForGateway, type ChildHandle, type GatewayFiles } from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { connectorsNamed } from '../support/payment-connectors.js';

const PAYMENTS = 500;
// Longer than making the payments takes, so they fall due together, after the making, in a burst.
const TTL_MS = 5000;
const INSTANCES = 2;
// At the required 100 expiries per second per instance, two instances record 500 in 2.5 s; the
// bound allows three times that, plus the sweeper's longest pause (1 s).
const REQUIRED_PER_SECOND_PER_INSTANCE = 100;
const BOUND_MS = 3 * ((PAYMENTS / (REQUIRED_PER_SECOND_PER_INSTANCE * INSTANCES)) * 1000) + 1000;

async function expiredCount(store: RedisPaymentStore): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listPayments({ status: 'expired', limit: 100, ...(cursor ? { cursor } : {}) });
    count += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

describe('processes: expiry keeps up with abandoned payments', function () {
  this.timeout(120_000);

  let files: GatewayFiles | undefined;
  let store: RedisPaymentStore | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await store?.close();
    await files?.remove();
    store = undefined;
    files = undefined;
  });

  it(`two gateway processes expire ${PAYMENTS} abandoned payments within ${BOUND_MS} ms of their expiry, each exactly once`, async function () {
    const redisUrl = await requireRedis(this);
    const prefix = randomPrefix();
    files = await gatewayFiles();
    const gateways: Array<{ handle: ChildHandle; baseUrl: string }> = [];
    for (let i = 0; i < INSTANCES; i += 1) {
      const port = await freePort();
      const handle = processes.start(`gateway g${i + 1}`, 'src/main.ts', {
        ...gatewayEnv({ port, redisUrl, prefix, files, webhookUrl: 'http://127.0.0.1:9/unused', extra: { PAYMENT_TTL: '5s', DELIVERY_WORKER: 'off' } }),
      });
      gateways.push({ handle, baseUrl: `http://127.0.0.1:${port}` });
    }
    for (const g of gateways) await waitForGateway(g.handle, g.baseUrl);

    // Made here on the same Redis, as a gateway's API would make them, only faster than HTTP.
    store = new RedisPaymentStore(new Redis(redisUrl), { prefix, ownsConnection: true, outboxTargets: ['webhook:0', 'email:buyer'] });
    const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: TTL_MS, attemptReuseMs: 60_000 });
    const ids: string[] = [];
    let lastExpiresAt = 0;
    let firstExpiresAt = Infinity;
    const makingStarted = Date.now();
    for (let start = 0; start < PAYMENTS; start += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          service.create({ amount: 100 + start + i, currency: 'EUR', reference: `abandoned-${start + i}`, description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' }),
        ),
      );
      for (const { payment } of batch) {
        ids.push(payment.id);
        lastExpiresAt = Math.max(lastExpiresAt, Date.parse(payment.expiresAt));
        firstExpiresAt = Math.min(firstExpiresAt, Date.parse(payment.expiresAt));
      }
    }
    const makingMs = Date.now() - makingStarted;
    expect(Date.now(), `making ${PAYMENTS} payments took ${makingMs} ms: longer than their TTL, so they did not fall due together`).to.be.below(firstExpiresAt);

    await waitFor(`all ${PAYMENTS} payments expired`, async () => (await expiredCount(store!)) === PAYMENTS, {
      timeoutMs: Math.max(0, lastExpiresAt - Date.now()) + BOUND_MS,
      intervalMs: 100,
      abortIf: () => gateways.find((g) => !g.handle.running)?.handle.describe() ?? null,
    });
    const lagMs = Date.now() - lastExpiresAt;
    console.log(`      ${PAYMENTS} payments made in ${makingMs} ms, falling due over ${lastExpiresAt - firstExpiresAt} ms; all expired ${lagMs} ms after the last one fell due`);
    expect(lagMs).to.be.at.most(BOUND_MS);

    // Two instances swept together: still one expiry, one event, per payment.
    const expiredEvents = await Promise.all(ids.map(async (id) => (await store!.listEvents(id)).filter((e) => e.type === 'payment.expired').length));
    expect(expiredEvents.filter((n) => n !== 1), 'payments without exactly one payment.expired').to.deep.equal([]);
    const listed = await store.outbox.listEventsWithDeliveries({ type: 'payment.expired', limit: 100 });
    expect(listed.items).to.have.length(100);
  });
});
