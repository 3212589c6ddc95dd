import { expect } from 'chai';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { PaymentService } from '../../src/service/payment-service.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { paymentStoreContract } from '../contract/payment-store.contract.js';
import { connectorsNamed } from '../support/payment-connectors.js';
import { apiRequest, delay, freePort, gatewayEnv, gatewayFiles, ProcessGroup, waitFor, waitForGateway, type GatewayFiles } from '../support/processes.js';
import { randomPrefix } from '../support/redis-server.js';
import { SentinelSet } from '../support/sentinel-set.js';

/** The set for a suite, or a skip where redis-sentinel is missing (never in CI, which installs it). */
async function sentinelSet(ctx: Mocha.Context): Promise<SentinelSet> {
  const set = await SentinelSet.start();
  if (set) return set;
  if (process.env.CI) throw new Error('redis-sentinel is not installed (.ci/run installs it)');
  ctx.skip();
}

describe('Redis Sentinel: a primary, a replica and three sentinels', function () {
  this.timeout(120_000);

  describe('PaymentStore contract through Sentinel', function () {
    let set: SentinelSet;
    before(async function () {
      set = await sentinelSet(this);
    });
    after(async () => set?.stop());
    paymentStoreContract(async () => ({
      store: createPaymentStore({ redis: set.target, prefix: randomPrefix() }),
      now: () => new Date(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }));
  });

  describe('a gateway on Sentinel', function () {
    let set: SentinelSet | undefined;
    let files: GatewayFiles | undefined;
    let store: GatewayStore | undefined;
    const processes = new ProcessGroup();

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') console.error(processes.describe().replace(/"stack":"[^"]*",/g, ''));
      await processes.killAll();
      await store?.close().catch(() => undefined);
      await set?.stop();
      await files?.remove();
      set = undefined;
      store = undefined;
      files = undefined;
    });

    it('runs a whole journey, then follows a failover under load without a restart', async function () {
      set = await sentinelSet(this);
      files = await gatewayFiles();
      const prefix = randomPrefix();
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const handle = processes.start('gateway on sentinel', 'src/main.ts', gatewayEnv({ port, redisUrl: '', prefix, files, webhookUrl: 'http://127.0.0.1:9/hooks', extra: { ...set.env, DELIVERY_WORKER: 'off' } }));
      await waitForGateway(handle, baseUrl, 40_000);

      // The journey: created through the API, attempt started, paid by the bank's notification.
      store = createPaymentStore({ redis: set.target, prefix, outboxTargets: ['webhook:0', 'email:buyer'] });
      const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });
      const created = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 4200, currency: 'EUR', reference: 'sentinel-journey' });
      expect(created.status, JSON.stringify(created.json)).to.equal(201);
      const page = await fetch(created.json.checkoutUrl as string);
      expect(page.status, 'the checkout page (buyer session and rate limit on Sentinel too)').to.equal(200);
      await page.arrayBuffer();
      const { attempt } = await service.startAttempt(created.json.id as string, 'native');
      const token = await files.bank.sign({ ref: attempt!.ref, status: 'authorised', amount: 4200, currency: 'EUR', bank_txn_id: 'BT-S1', auth_code: 'A1', card: { brand: 'visa', last4: '4242' } });
      const notified = await fetch(`${baseUrl}/bank/native/notify`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ [RESPONSE_FIELD]: token }).toString() });
      expect(notified.status).to.equal(200);
      expect((await apiRequest(baseUrl, 'GET', `/api/v1/payments/${created.json.id as string}`)).json.status).to.equal('succeeded');

      // Light load: 4 lanes creating payments one after another, through the failover.
      const answers: Array<{ at: number; status: number; retryAfter: string | null }> = [];
      let running = true;
      let n = 0;
      const lanes = Array.from({ length: 4 }, async () => {
        while (running) {
          n += 1;
          const res = await fetch(`${baseUrl}/api/v1/payments`, {
            method: 'POST',
            headers: { Authorization: 'Bearer sk_test_process_key_0001', 'Content-Type': 'application/json' },
            body: JSON.stringify({ amount: 100, currency: 'EUR', reference: `failover-${n}` }),
            signal: AbortSignal.timeout(15_000),
          }).catch(() => null);
          answers.push({ at: Date.now(), status: res?.status ?? 0, retryAfter: res?.headers.get('retry-after') ?? null });
          await res?.arrayBuffer();
          await delay(20);
        }
      });
      await delay(1000);
      const killedAt = Date.now();
      set.killPrimary();
      await waitFor('Sentinel promoting the replica', async () => (await set!.currentPrimaryPort()) === set!.replicaPort, { timeoutMs: 30_000, intervalMs: 100 });
      const promotedAt = Date.now();
      await waitFor('a payment created after the promotion', () => answers.some((a) => a.at > promotedAt && a.status === 201), { timeoutMs: 30_000, intervalMs: 50 });
      await delay(1000);
      running = false;
      await Promise.all(lanes);

      const after = answers.filter((a) => a.at >= killedAt);
      const refused = after.filter((a) => a.status === 503);
      const firstRefusal = refused[0]?.at ?? killedAt;
      const lastRefusal = refused.at(-1)?.at ?? killedAt;
      const recoveredAt = after.find((a) => a.status === 201 && a.at > lastRefusal)!.at;
      console.log(
        `      failover: ${answers.filter((a) => a.at < killedAt).length} created before the kill; after it ${refused.length} refused (503) from +${firstRefusal - killedAt} to +${lastRefusal - killedAt} ms; ` +
          `promotion seen at +${promotedAt - killedAt} ms; serving again at +${recoveredAt - killedAt} ms (${recoveredAt - promotedAt} ms after the promotion)`,
      );
      expect(after.filter((a) => a.status !== 201 && a.status !== 503), 'every answer is a 201 or a 503, never a 500 or a hang').to.deep.equal([]);
      expect(refused.every((a) => a.retryAfter !== null), 'a 503 carries Retry-After').to.equal(true);
      expect(recoveredAt - promotedAt, 'serving again within seconds of the promotion').to.be.lessThan(5000);
      expect(handle.running, 'the gateway was not restarted').to.equal(true);
      // After the failover everything works on the new primary: a payment created and read back.
      const later = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 300, currency: 'EUR', reference: 'after-failover' });
      expect(later.status).to.equal(201);
      expect((await apiRequest(baseUrl, 'GET', `/api/v1/payments/${later.json.id as string}`)).json.reference).to.equal('after-failover');
    });
  });
});
