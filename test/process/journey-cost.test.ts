import { expect } from 'chai';
import { Redis } from 'ioredis';
import { PaymentService } from '../../src/service/payment-service.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { CountingWebhookReceiver, payUnderLoad } from '../support/paid-under-load.js';
import { connectorsNamed } from '../support/payment-connectors.js';
import { freePort, gatewayEnv, gatewayFiles, ProcessGroup, waitFor, waitForGateway, type GatewayFiles } from '../support/processes.js';
import { RedisProcess } from '../support/redis-process.js';
import { randomPrefix } from '../support/redis-server.js';

const PAYMENTS = 50;

/**
 * Redis commands the server ran, by name, with the microseconds it spent on them (INFO commandstats).
 * A script's inner commands count under their own names as well as under EVALSHA.
 */
async function commandCounts(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const counts = new Map<string, { calls: number; usec: number }>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/gm)) {
    counts.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return counts;
}

/** The CPU time redis-server has used so far, user and system (INFO cpu). */
async function cpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (field: string) => Number(new RegExp(`^${field}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

describe('processes: what one payment journey costs Redis', function () {
  this.timeout(120_000);
  let server: RedisProcess | undefined;
  let files: GatewayFiles | undefined;
  let store: GatewayStore | undefined;
  let receiver: CountingWebhookReceiver | undefined;
  let probe: Redis | undefined;
  const processes = new ProcessGroup();

  afterEach(async () => {
    await processes.killAll();
    await store?.close().catch(() => undefined);
    probe?.disconnect();
    await receiver?.local.close();
    await server?.remove();
    await files?.remove();
  });

  it(`counts the commands of ${PAYMENTS} journeys (create, send to the bank, notification, webhook) on one Redis`, async () => {
    server = await RedisProcess.create(await freePort());
    await server.start();
    files = await gatewayFiles();
    receiver = await new CountingWebhookReceiver().start();
    const prefix = randomPrefix();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const handle = processes.start('gateway', 'src/main.ts', gatewayEnv({ port, redisUrl: server.url, prefix, files, webhookUrl: receiver.url }));
    await waitForGateway(handle, baseUrl, 40_000);
    store = createPaymentStore({ redis: server.url, prefix, outboxTargets: ['webhook:0', 'email:buyer'] });
    const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });
    probe = new Redis(server.url);
    // Let the gateway's start-up reads settle, then count from a quiet server.
    await store.ping();
    const before = await commandCounts(probe);
    const cpuBefore = await cpuSeconds(probe);
    const began = Date.now();
    const outcome = await payUnderLoad({ baseUrl, files, service, count: PAYMENTS, lanes: 4, tag: 'cost' });
    await waitFor('every webhook and email delivered', async () => (await store!.outbox.pendingCount()) === 0 && outcome.notified.every((id) => receiver!.eventsOf(id, 'payment.succeeded') === 1), { timeoutMs: 30_000, intervalMs: 100 });
    const elapsed = Date.now() - began;
    const afterCounts = await commandCounts(probe);
    const cpuAfter = await cpuSeconds(probe);
    const perJourney: Record<string, number> = {};
    let total = 0;
    for (const [name, { calls }] of afterCounts) {
      if (name === 'info' || name === 'ping') continue;
      const delta = calls - (before.get(name)?.calls ?? 0);
      if (delta <= 0) continue;
      perJourney[name] = Math.round((delta / PAYMENTS) * 10) / 10;
      total += delta;
    }
    const scripts = (perJourney.evalsha ?? 0) + (perJourney.eval ?? 0);
    const cpuPerJourneyUs = ((cpuAfter - cpuBefore) * 1e6) / PAYMENTS;
    console.log(
      `      per journey: ${scripts.toFixed(1)} script calls, ${(total / PAYMENTS).toFixed(1)} Redis commands counting those the scripts run (${JSON.stringify(perJourney)}); ` +
        `${Math.round(cpuPerJourneyUs)} µs of redis-server CPU (user+sys, network included), so about ${Math.round(1e6 / cpuPerJourneyUs)} journeys a second on one core; ${PAYMENTS} journeys in ${elapsed} ms`,
    );
    expect(outcome.refusals).to.deep.equal([]);
    // Bounds, not the figures: a change that multiplies the store's work fails here.
    expect(scripts).to.be.lessThan(25);
    expect(total / PAYMENTS).to.be.lessThan(400);
  });
});
