import { expect } from 'chai';
import { PaymentService } from '../../src/service/payment-service.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { storeKeyPrefix } from '../../src/store/redis-key-space.js';
import type { RedisTarget } from '../../src/store/redis-connection.js';
import { CountingWebhookReceiver, payUnderLoad, type LoadOutcome } from '../support/paid-under-load.js';
import { connectorsNamed } from '../support/payment-connectors.js';
import { freePort, gatewayEnv, gatewayFiles, ProcessGroup, waitFor, waitForGateway, type ChildHandle, type GatewayFiles } from '../support/processes.js';
import { RedisClusterSet } from '../support/redis-cluster.js';
import { randomPrefix } from '../support/redis-server.js';
import { SentinelSet } from '../support/sentinel-set.js';

const PAYMENTS = 200;
const LANES = 8;
// The primary dies once this many payments are paid: load before, during and after the failover.
const KILL_AFTER = 50;
const TARGETS = ['webhook:0', 'email:buyer'];

/** A Redis topology the load runs on: how to reach it, and how its primary dies and is replaced. */
interface Topology {
  env: Record<string, string>;
  target: RedisTarget;
  replicaAck: { replicas: number; timeoutMs: number };
  /** SIGKILLs the primary holding the store's keys; resolves once a replica is promoted in its place. */
  failOver(prefix: string): Promise<void>;
  /**
   * Brings the killed node back as a replica of the promoted one, for a topology whose every replica
   * must confirm a write (n equal to the replicas that may be promoted): the promoted primary has one
   * replica fewer, and writes answer 503 until it is back.
   */
  rejoin?(): Promise<void>;
  stop(): Promise<void>;
}

/** The gateway's lines about writes its replicas did not confirm (store/unconfirmed-writes.ts), in a few words. */
function unconfirmedRuns(out: string): string {
  const runs = out.split('\n').filter((line) => line.includes('"Redis replicas')).map((line) => JSON.parse(line) as { cause?: string; refusedWrites?: number; downMs?: number });
  if (runs.length === 0) return 'no write left unconfirmed';
  return runs.map((r) => (r.cause ? `unconfirmed (${r.cause})` : `confirmed again after ${r.refusedWrites} refused in ${r.downMs} ms`)).join(', ');
}

function failoverUnderLoad(name: string, start: () => Promise<Topology | null>, tool: string): void {
  describe(`failover under load: ${name}`, function () {
    this.timeout(120_000);
    let topology: Topology | null = null;
    let files: GatewayFiles | undefined;
    let store: GatewayStore | undefined;
    let receiver: CountingWebhookReceiver | undefined;
    const processes = new ProcessGroup();

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') console.error(processes.describe().replace(/"stack":"[^"]*",/g, ''));
      await processes.killAll();
      await store?.close().catch(() => undefined);
      await receiver?.local.close();
      await topology?.stop();
      await files?.remove();
    });

    it(`pays ${PAYMENTS} payments through the bank's notification while the primary is killed: nothing acknowledged is lost or doubled`, async function () {
      topology = await start();
      if (!topology) {
        if (process.env.CI === 'true') throw new Error(`${tool} is not installed, and CI=true (.ci/run installs it)`);
        this.skip();
      }
      files = await gatewayFiles();
      receiver = await new CountingWebhookReceiver().start();
      const prefix = randomPrefix();
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const extra = { ...topology.env, REDIS_MIN_REPLICAS_ACK: String(topology.replicaAck.replicas), REDIS_REPLICAS_ACK_TIMEOUT: `${topology.replicaAck.timeoutMs}ms`, WEBHOOK_TIMEOUT: '2s', OUTBOX_LEASE: '7s' };
      const handle: ChildHandle = processes.start(`gateway on ${name}`, 'src/main.ts', gatewayEnv({ port, redisUrl: '', prefix, files, webhookUrl: receiver.url, extra }));
      await waitForGateway(handle, baseUrl, 40_000);
      // The shop's checkout step (sending the buyer to the bank) runs here, on the same Redis.
      store = createPaymentStore({ redis: topology.target, prefix, outboxTargets: TARGETS, replicaAck: topology.replicaAck });
      const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });

      let killedAt = 0;
      let promotedAt = 0;
      let rejoinedAt = 0;
      let failover: Promise<void> | null = null;
      const began = Date.now();
      const outcome: LoadOutcome = await payUnderLoad({
        baseUrl, files, service, count: PAYMENTS, lanes: LANES, tag: 'load',
        onProgress: (paid) => {
          if (paid < KILL_AFTER || failover) return;
          killedAt = Date.now();
          failover = topology!.failOver(prefix).then(async () => {
            promotedAt = Date.now();
            await topology!.rejoin?.();
            rejoinedAt = Date.now();
          });
        },
      });
      await failover;
      const loadMs = Date.now() - began;

      // Every acknowledged payment, once each.
      expect(new Set(outcome.created).size, 'distinct payments created').to.equal(PAYMENTS);
      expect(new Set(outcome.notified).size, 'distinct notifications acknowledged').to.equal(PAYMENTS);
      expect(outcome.refusals.filter((r) => r.status !== 503 && r.status !== 0), 'a refusal is a 503 (or no answer), never a 500').to.deep.equal([]);
      // A delivery whose settlement was refused during the failover goes out again when its lease ends (OUTBOX_LEASE).
      await waitFor('a payment.succeeded webhook for every paid payment', () => outcome.notified.every((id) => receiver!.eventsOf(id, 'payment.succeeded') >= 1), { timeoutMs: 30_000, intervalMs: 200 }).catch((err: Error) => {
        const missing = outcome.notified.filter((id) => receiver!.eventsOf(id, 'payment.succeeded') === 0);
        throw new Error(`${err.message}: ${missing.length} of ${PAYMENTS} missing, e.g. ${missing.slice(0, 3).join(', ')}`);
      });
      for (const id of outcome.notified) {
        const payment = await store.getPayment(id);
        expect(payment?.status, `${id} in the store`).to.equal('succeeded');
        const types = (await store.listEvents(id)).map((e) => e.type);
        expect(types.filter((t) => t === 'payment.created'), `${id}: one creation event`).to.have.length(1);
        expect(types.filter((t) => t === 'payment.succeeded'), `${id}: one success event`).to.have.length(1);
        expect(receiver.eventsOf(id, 'payment.succeeded'), `${id}: one success event at the webhook receiver`).to.equal(1);
        expect(receiver.eventsOf(id, 'payment.created'), `${id}: one creation event at the webhook receiver`).to.equal(1);
      }
      expect(receiver.badSignatures).to.deep.equal([]);
      expect(handle.running, 'the gateway was not restarted').to.equal(true);

      const after = outcome.acknowledgedAt.filter((at) => at > promotedAt).sort((a, b) => a - b);
      const servingAgainAt = after[0] ?? Infinity;
      const redelivered = [...receiver.deliveries.values()].filter((n) => n > 1).length;
      const byStep = (step: string) => outcome.refusals.filter((r) => r.step === step).length;
      console.log(
        `      ${name}: ${PAYMENTS} paid in ${loadMs} ms on ${LANES} lanes; primary killed at +${killedAt - began} ms, replica promoted +${promotedAt - killedAt} ms later; ` +
          (topology.rejoin ? `the killed node back in sync as its replica +${rejoinedAt - promotedAt} ms after the promotion; ` : '') +
          `first acknowledgement after it +${servingAgainAt - promotedAt} ms; refused during the failover: ${byStep('create')} creations, ${byStep('attempt')} attempt starts, ${byStep('notify')} notifications; ` +
          `${redelivered} webhook events delivered more than once (at-least-once)` +
          (topology.replicaAck.replicas > 0 ? `; the gateway's log: ${unconfirmedRuns(handle.out)}` : ''),
      );
      expect(servingAgainAt - promotedAt, 'serving again within seconds of the promotion').to.be.lessThan(5000);
      // A run of writes the replicas did not confirm is told of as over once writes are confirmed again.
      expect(unconfirmedRuns(handle.out), 'the gateway\'s last word on its replicas').to.not.match(/unconfirmed \(\w+\)$/);
    });
  });
}

// One replica and REDIS_MIN_REPLICAS_ACK=1: the replica Sentinel promotes is the one that confirmed every
// acknowledged write. (With two replicas and n = 1, WAIT may be confirmed by the one Sentinel does not
// promote, and what it confirmed is lost.) The promoted primary has no replica left, so writes answer
// 503 until the killed node is back as its replica.
failoverUnderLoad('Sentinel primary and its replica, REDIS_MIN_REPLICAS_ACK=1', async () => {
  const set = await SentinelSet.start();
  if (!set) return null;
  return {
    env: set.env,
    target: set.target,
    replicaAck: { replicas: 1, timeoutMs: 500 },
    failOver: async () => {
      set.killPrimary();
      await waitFor('Sentinel promoting the replica', async () => (await set.currentPrimaryPort()) !== set.primaryPort, { timeoutMs: 30_000, intervalMs: 100 });
    },
    rejoin: () => set.rejoinKilledPrimary(),
    stop: () => set.stop(),
  };
}, 'redis-sentinel');

/** A Cluster whose primaries have one replica each; the failover kills the one holding the store's slot. */
async function clusterTopology(replicaAck: { replicas: number; timeoutMs: number }): Promise<Topology | null> {
  const set = await RedisClusterSet.start({ replicas: 1 });
  if (!set) return null;
  let killed = 0;
  return {
    env: set.env,
    target: set.target,
    replicaAck,
    failOver: async (prefix) => {
      const key = `${storeKeyPrefix(prefix, { isCluster: true })}p:x`;
      const primary = await set.primaryPortOf(key);
      killed = primary;
      set.kill(primary);
      await waitFor('the Cluster promoting the replica', async () => (await set.primaryPortOf(key).catch(() => primary)) !== primary, { timeoutMs: 30_000, intervalMs: 100 });
    },
    // Only where a replica must confirm: with n = 0 the promoted primary takes writes alone.
    ...(replicaAck.replicas > 0 ? { rejoin: () => set.restart(killed) } : {}),
    stop: () => set.stop(),
  };
}

failoverUnderLoad('Cluster of three primaries with one replica each', () => clusterTopology({ replicas: 0, timeoutMs: 500 }), 'redis-cli');

// As under Sentinel: the one replica that may be promoted is the one that confirmed.
failoverUnderLoad('Cluster of three primaries with one replica each, REDIS_MIN_REPLICAS_ACK=1', () => clusterTopology({ replicas: 1, timeoutMs: 500 }), 'redis-cli');
