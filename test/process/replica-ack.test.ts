import { expect } from 'chai';
import { createLogger } from '../../src/logger.js';
import { PaymentService, type NewPayment } from '../../src/service/payment-service.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { connectorsNamed } from '../support/payment-connectors.js';
import { apiRequest, freePort, gatewayEnv, gatewayFiles, ProcessGroup, waitForGateway, type GatewayFiles } from '../support/processes.js';
import { randomPrefix } from '../support/redis-server.js';
import { SentinelSet } from '../support/sentinel-set.js';

const ACK_TIMEOUT_MS = 300;

/** REDIS_MIN_REPLICAS_ACK against a real primary and replica (under Sentinel, which does not fail over here). */
describe('REDIS_MIN_REPLICAS_ACK: acknowledged writes are on the replica too', function () {
  this.timeout(120_000);
  let set: SentinelSet;
  before(async function () {
    const started = await SentinelSet.start();
    if (!started) {
      if (process.env.CI) throw new Error('redis-sentinel is not installed (.ci/run installs it)');
      this.skip();
    }
    set = started;
  });
  after(async () => set?.stop());

  describe('the store', function () {
    let store: GatewayStore | undefined;
    afterEach(async () => {
      await store?.close().catch(() => undefined);
      store = undefined;
    });

    /** WAITs the primary ran during three creates and one remembered value, with `replicas` asked for. */
    async function waitsFor(replicas: number): Promise<number> {
      store = createPaymentStore({ redis: set.target, prefix: randomPrefix(), replicaAck: { replicas, timeoutMs: ACK_TIMEOUT_MS }, logger: createLogger('silent') });
      const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });
      await store.ping();
      const before = await set.primaryCommandCount('wait');
      for (let i = 0; i < 3; i += 1) await service.create({ amount: 100, currency: 'EUR', reference: `ack-${replicas}-${i}` } as NewPayment);
      expect(await store.rememberOnce('ack-check', 'first', 60)).to.equal('first');
      return (await set.primaryCommandCount('wait')) - before;
    }

    it('sends no WAIT at all with n = 0', async () => {
      expect(await waitsFor(0)).to.equal(0);
    });

    it('follows each acknowledged write with one WAIT with n = 1', async () => {
      expect(await waitsFor(1)).to.equal(4);
    });
  });

  describe('a gateway with REDIS_MIN_REPLICAS_ACK=1', function () {
    let files: GatewayFiles | undefined;
    const processes = new ProcessGroup();
    afterEach(async function () {
      if (this.currentTest?.state === 'failed') console.error(processes.describe().replace(/"stack":"[^"]*",/g, ''));
      set.resumeReplica();
      await processes.killAll();
      await files?.remove();
      files = undefined;
    });

    it('creates while the replica confirms, answers 503 with Retry-After within the timeout while it does not, and the retry creates once', async function () {
      files = await gatewayFiles();
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const extra = { ...set.env, DELIVERY_WORKER: 'off', REDIS_MIN_REPLICAS_ACK: '1', REDIS_REPLICAS_ACK_TIMEOUT: `${ACK_TIMEOUT_MS}ms` };
      const handle = processes.start('gateway waiting for a replica', 'src/main.ts', gatewayEnv({ port, redisUrl: '', prefix: randomPrefix(), files, webhookUrl: 'http://127.0.0.1:9/hooks', extra }));
      await waitForGateway(handle, baseUrl, 40_000);

      for (let i = 0; i < 3; i += 1) {
        const created = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 100, currency: 'EUR', reference: `replicated-${i}` });
        expect(created.status, JSON.stringify(created.json)).to.equal(201);
      }

      set.pauseReplica();
      const body = JSON.stringify({ amount: 700, currency: 'EUR', reference: 'while-replica-paused' });
      const headers = { Authorization: 'Bearer sk_test_process_key_0001', 'Content-Type': 'application/json', 'Idempotency-Key': 'paused-create-1' };
      const startedAt = Date.now();
      const refused = await fetch(`${baseUrl}/api/v1/payments`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      const tookMs = Date.now() - startedAt;
      const problem = (await refused.json()) as { code?: string; status?: number };
      console.log(`      replica paused: create refused with ${refused.status} after ${tookMs} ms (REDIS_REPLICAS_ACK_TIMEOUT ${ACK_TIMEOUT_MS} ms)`);
      expect(refused.status).to.equal(503);
      expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
      expect(problem).to.include({ status: 503 });
      expect(tookMs, 'answered once WAIT timed out, not when the replica came back').to.be.within(ACK_TIMEOUT_MS - 50, ACK_TIMEOUT_MS + 1500);
      expect(handle.running).to.equal(true);

      // The retry the 503 asks for, once the replica is back: the same payment (replayed by its
      // Idempotency-Key), never a second one, and now acknowledged.
      set.resumeReplica();
      const retried = await fetch(`${baseUrl}/api/v1/payments`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      const payment = (await retried.json()) as { id: string };
      expect(retried.status, JSON.stringify(payment)).to.be.oneOf([200, 201]);
      const listed = await apiRequest(baseUrl, 'GET', '/api/v1/payments?reference=while-replica-paused');
      expect(listed.json.items.map((p: { id: string }) => p.id)).to.deep.equal([payment.id]);

      // The operator is told why the 503 was answered, and that it is over: one line each.
      const lines = handle.out.split('\n').filter((line) => line.includes('Redis replicas')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((l) => [l.level, l.msg, l.cause ?? l.refusedWrites])).to.deep.equal([
        [50, 'Redis replicas do not confirm writes: each write answers 503 (retry) until REDIS_MIN_REPLICAS_ACK replicas hold it', 'too_few_replicas'],
        [40, 'Redis replicas confirm writes again', 1],
      ]);
      expect(lines[0]).to.include({ acknowledged: 0, minReplicas: 1 });
      // And an alert can count them.
      const metrics = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      expect(metrics).to.match(/^hpp_store_unconfirmed_writes_total\{cause="too_few_replicas"\} 1$/m);
    });
  });
});
