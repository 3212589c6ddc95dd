import { expect } from 'chai';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { isStoreFailure } from '../../src/core/store-failure.js';
import { createLogger } from '../../src/logger.js';
import { PaymentService, type NewPayment } from '../../src/service/payment-service.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { storeKeyPrefix } from '../../src/store/redis-key-space.js';
import { connectorsNamed } from '../support/payment-connectors.js';
import { apiRequest, freePort, gatewayEnv, gatewayFiles, ProcessGroup, waitForGateway, type GatewayFiles } from '../support/processes.js';
import { RedisClusterSet } from '../support/redis-cluster.js';
import { randomPrefix } from '../support/redis-server.js';

const ACK_TIMEOUT_MS = 300;

/** The payment service the store tests drive, over the native connector. */
function serviceOn(store: GatewayStore): PaymentService {
  return new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });
}

/** REDIS_MIN_REPLICAS_ACK on a real Cluster of three primaries with one replica each. */
describe('REDIS_MIN_REPLICAS_ACK on a Redis Cluster: acknowledged writes are on the slot\'s replica too', function () {
  this.timeout(120_000);
  let set: RedisClusterSet;
  before(async function () {
    const started = await RedisClusterSet.start({ replicas: 1 });
    if (!started) {
      if (process.env.CI) throw new Error('redis-cli is not installed (.ci/run installs it)');
      this.skip();
    }
    set = started;
  });
  after(async () => set?.stop());

  /** The primary holding the store's slot for `prefix`, and its one replica. */
  async function shardOf(prefix: string): Promise<{ keyPrefix: string; primary: number; replica: number }> {
    const keyPrefix = storeKeyPrefix(prefix, { isCluster: true });
    const primary = await set.primaryPortOf(`${keyPrefix}p:x`);
    const replicas = await set.replicaPortsOf(primary);
    expect(replicas, 'the slot\'s primary has one replica').to.have.length(1);
    return { keyPrefix, primary, replica: replicas[0]! };
  }

  describe('the store', function () {
    let store: GatewayStore | undefined;
    let paused: number | undefined;
    /** The store under `prefix` on the Cluster, each write confirmed by one replica. */
    const ackedStore = (prefix: string) => createPaymentStore({ redis: set.target, prefix, replicaAck: { replicas: 1, timeoutMs: ACK_TIMEOUT_MS }, logger: createLogger('silent') });
    afterEach(async () => {
      if (paused !== undefined) set.resume(paused);
      paused = undefined;
      await store?.close().catch(() => undefined);
      store = undefined;
    });

    it('commits once the slot\'s replica holds it, refuses within the timeout while it is paused, and the retry transitions once', async () => {
      const prefix = randomPrefix();
      const { keyPrefix, primary, replica } = await shardOf(prefix);
      store = ackedStore(prefix);
      const service = serviceOn(store);
      await store.ping();
      const reader = await set.replicaReader(replica);
      try {
        const waitsBefore = await set.commandCount(primary, 'wait');
        // Acknowledged: the replica has the commit the moment the gateway has its answer.
        const first = (await service.create({ amount: 100, currency: 'EUR', reference: 'cluster-ack-1' } as NewPayment)).payment;
        expect(await reader.hget(`${keyPrefix}p:${first.id}`, 's'), 'created, on the replica').to.equal('created');
        await service.cancel(first.id);
        expect(await reader.hget(`${keyPrefix}p:${first.id}`, 's'), 'cancelled, on the replica').to.equal('cancelled');
        expect((await set.commandCount(primary, 'wait')) - waitsBefore, 'one WAIT per acknowledged write, on the slot\'s primary').to.equal(2);

        // The replica stalls: the commit is refused once WAIT times out, as a store failure.
        const second = (await service.create({ amount: 200, currency: 'EUR', reference: 'cluster-ack-2' } as NewPayment)).payment;
        set.pause(replica);
        paused = replica;
        const startedAt = Date.now();
        const err = await service.cancel(second.id).catch((e: unknown) => e);
        const tookMs = Date.now() - startedAt;
        console.log(`      replica paused: commit refused after ${tookMs} ms (REDIS_REPLICAS_ACK_TIMEOUT ${ACK_TIMEOUT_MS} ms)`);
        expect(err).to.be.instanceOf(StoreUnavailableError);
        expect(tookMs, 'refused once WAIT timed out').to.be.within(ACK_TIMEOUT_MS - 50, ACK_TIMEOUT_MS + 1500);

        // The retry once the replica is back: one transition, one event, now on the replica.
        set.resume(replica);
        paused = undefined;
        const retried = await service.cancel(second.id);
        expect(retried.payment.status).to.equal('cancelled');
        const stored = (await store.getPayment(second.id))!;
        expect(stored.status).to.equal('cancelled');
        expect(stored.version, 'created, then cancelled: no second transition').to.equal(second.version + 1);
        const types = (await store.listEvents(second.id)).map((e) => e.type);
        expect(types.filter((t) => t === 'payment.cancelled'), 'one cancellation event').to.have.length(1);
        expect(await reader.hget(`${keyPrefix}p:${second.id}`, 's'), 'cancelled, on the replica').to.equal('cancelled');
      } finally {
        reader.disconnect();
      }
    });

    it('does not confirm a write the old primary sent on by MOVED: refused, and the retry is acknowledged once by the new one', async () => {
      const prefix = randomPrefix();
      const { keyPrefix, primary } = await shardOf(prefix);
      store = ackedStore(prefix);
      const service = serviceOn(store);
      // The client has its slot map and keeps it (no MOVED yet); nothing of the store is written, so the slot moves without keys.
      await store.ping();
      const other = (await set.primaryPorts()).find((port) => port !== primary)!;
      await set.moveEmptySlot(await set.slotOf(`${keyPrefix}p:x`), primary, other);
      expect(await set.primaryPortOf(`${keyPrefix}p:x`)).to.equal(other);
      const waitsOf = async () => ({ old: await set.commandCount(primary, 'wait'), moved: await set.commandCount(other, 'wait') });
      const waitsBefore = await waitsOf();

      const input = { amount: 300, currency: 'EUR', reference: 'cluster-moved' } as NewPayment;
      const idempotency = { key: 'cluster-moved-1', fingerprint: 'create:cluster-moved' };
      const err = await service.create(input, idempotency).catch((e: unknown) => e);
      expect(err, 'answered by another primary than the one it was sent to').to.be.instanceOf(StoreUnavailableError);
      expect(await waitsOf(), 'no WAIT for it').to.deep.equal(waitsBefore);

      // The retry the 503 asks for: the payment the first try wrote on the new primary, replayed, now confirmed there.
      const retried = await service.create(input, idempotency);
      expect(retried.replayed, 'the payment the first try wrote').to.equal(true);
      expect(await waitsOf(), 'one WAIT, on the new primary').to.deep.equal({ old: waitsBefore.old, moved: waitsBefore.moved + 1 });
      const page = await store.listPayments({ limit: 10, reference: 'cluster-moved' });
      expect(page.items.map((p) => p.id)).to.deep.equal([retried.payment.id]);
      expect((await store.listEvents(retried.payment.id)).map((e) => e.type)).to.deep.equal(['payment.created']);
    });

    it('refuses, as a store failure, a write that a migration of the store\'s slot would send elsewhere by ASK; once the slot has moved, the retry creates once, confirmed there', async () => {
      const prefix = randomPrefix();
      const { keyPrefix, primary } = await shardOf(prefix);
      store = ackedStore(prefix);
      const service = serviceOn(store);
      await store.ping();
      const target = (await set.primaryPorts()).find((port) => port !== primary)!;
      const slot = await set.slotOf(`${keyPrefix}p:x`);
      // Another store whose slot is on the target has run the create there, so the target knows the
      // script (as with several gateways on one Cluster) and NOSCRIPT is not what stops the write.
      let neighbour: GatewayStore | undefined;
      for (let tries = 0; !neighbour && tries < 200; tries += 1) {
        const candidate = randomPrefix();
        if ((await shardOf(candidate)).primary === target) neighbour = createPaymentStore({ redis: set.target, prefix: candidate, logger: createLogger('silent') });
      }
      await serviceOn(neighbour!).create({ amount: 100, currency: 'EUR', reference: 'cluster-ask-neighbour' } as NewPayment);
      await neighbour!.close();

      // The slot migrates: the old primary holds none of a new payment's keys and answers ASK, naming
      // the target, which refuses a script of several keys it does not all hold (TRYAGAIN), or
      // answers MOVED back when the client's ASKING came behind the command (auto-pipelined). The
      // command fails once its redirections run out: never acknowledged on the strength of a WAIT on
      // the old primary, which did not take it.
      await set.startMigration(slot, primary, target);
      const input = { amount: 400, currency: 'EUR', reference: 'cluster-ask' } as NewPayment;
      const idempotency = { key: 'cluster-ask-1', fingerprint: 'create:cluster-ask' };
      let err: unknown;
      try {
        err = await service.create(input, idempotency).catch((e: unknown) => e);
      } finally {
        await set.finishMigration(slot, primary, target);
      }
      expect(isStoreFailure(err), `a store failure (503, retry), not ${String(err)}`).to.equal(true);
      // The last word is the target's MOVED, the source's ASK, or the target's TRYAGAIN, as such or
      // once the client's redirections ran out: each says the command did not run.
      expect(String(err), String(err)).to.match(/^(Error: Too many Cluster redirections\. Last error: )?ReplyError: (ASK|MOVED|TRYAGAIN) /);

      // The slot is the target's now. The retries the 503 asks for: the first may still go to the old
      // primary and be moved (refused, as above); one creates the payment, once, on the target's replica when acknowledged.
      let retried: Awaited<ReturnType<typeof service.create>> | undefined;
      for (let tries = 0; tries < 3 && !retried; tries += 1) {
        retried = await service.create(input, idempotency).catch((e: unknown) => {
          if (!isStoreFailure(e)) throw e;
          return undefined;
        });
      }
      expect(retried, 'created by a retry').to.not.equal(undefined);
      const reader = await set.replicaReader((await set.replicaPortsOf(target))[0]!);
      try {
        expect(await reader.hget(`${keyPrefix}p:${retried!.payment.id}`, 's'), 'on the new primary\'s replica').to.equal('created');
      } finally {
        reader.disconnect();
      }
      const page = await store.listPayments({ limit: 10, reference: 'cluster-ask' });
      expect(page.items.map((p) => p.id)).to.deep.equal([retried!.payment.id]);
      expect((await store.listEvents(retried!.payment.id)).map((e) => e.type)).to.deep.equal(['payment.created']);
    });
  });

  describe('a gateway with REDIS_MIN_REPLICAS_ACK=1 on the Cluster', function () {
    let files: GatewayFiles | undefined;
    let paused: number | undefined;
    const processes = new ProcessGroup();
    afterEach(async function () {
      if (this.currentTest?.state === 'failed') console.error(processes.describe().replace(/"stack":"[^"]*",/g, ''));
      if (paused !== undefined) set.resume(paused);
      paused = undefined;
      await processes.killAll();
      await files?.remove();
      files = undefined;
    });

    it('creates while the slot\'s replica confirms, answers 503 with Retry-After within the timeout while it does not, and the retry creates once', async function () {
      files = await gatewayFiles();
      const prefix = randomPrefix();
      const { replica } = await shardOf(prefix);
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const extra = { ...set.env, DELIVERY_WORKER: 'off', REDIS_MIN_REPLICAS_ACK: '1', REDIS_REPLICAS_ACK_TIMEOUT: `${ACK_TIMEOUT_MS}ms` };
      const handle = processes.start('gateway on a Cluster, waiting for a replica', 'src/main.ts', gatewayEnv({ port, redisUrl: '', prefix, files, webhookUrl: 'http://127.0.0.1:9/hooks', extra }));
      await waitForGateway(handle, baseUrl, 40_000);

      for (let i = 0; i < 3; i += 1) {
        const created = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 100, currency: 'EUR', reference: `cluster-replicated-${i}` });
        expect(created.status, JSON.stringify(created.json)).to.equal(201);
      }

      set.pause(replica);
      paused = replica;
      const body = JSON.stringify({ amount: 700, currency: 'EUR', reference: 'while-cluster-replica-paused' });
      const headers = { Authorization: 'Bearer sk_test_process_key_0001', 'Content-Type': 'application/json', 'Idempotency-Key': 'cluster-paused-create-1' };
      const startedAt = Date.now();
      const refused = await fetch(`${baseUrl}/api/v1/payments`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      const tookMs = Date.now() - startedAt;
      const problem = (await refused.json()) as { status?: number };
      console.log(`      replica paused: create refused with ${refused.status} after ${tookMs} ms (REDIS_REPLICAS_ACK_TIMEOUT ${ACK_TIMEOUT_MS} ms)`);
      expect(refused.status).to.equal(503);
      expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
      expect(problem).to.include({ status: 503 });
      expect(tookMs, 'answered once WAIT timed out, not when the replica came back').to.be.within(ACK_TIMEOUT_MS - 50, ACK_TIMEOUT_MS + 1500);
      expect(handle.running).to.equal(true);

      // The retry the 503 asks for, once the replica is back: the same payment, never a second one.
      set.resume(replica);
      paused = undefined;
      const retried = await fetch(`${baseUrl}/api/v1/payments`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      const payment = (await retried.json()) as { id: string };
      expect(retried.status, JSON.stringify(payment)).to.be.oneOf([200, 201]);
      const listed = await apiRequest(baseUrl, 'GET', '/api/v1/payments?reference=while-cluster-replica-paused');
      expect(listed.json.items.map((p: { id: string }) => p.id)).to.deep.equal([payment.id]);
    });
  });
});
