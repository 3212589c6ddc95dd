/**
 * `npm run bench`: throughput, latency and Redis commands per request for the gateway's hot paths
 * (create a payment, read it, apply a bank notification), in process, on loopback.
 *
 *   npm run bench                     memory store
 *   REDIS_URL=redis://127.0.0.1:6379 npm run bench    Redis store (a fresh key prefix)
 *
 * Redis round trips per request are counted on the store's connection: every command the client sends
 * (an EVALSHA running a whole script counts once; the script's inner calls do not travel).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createGateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { GatewayKeystore } from '../src/keys/keystore.js';
import { createLogger } from '../src/logger.js';
import { MemoryPaymentStore } from '../src/store/memory-store.js';
import { RedisPaymentStore } from '../src/store/redis-store.js';
import { FakeBank } from '../test/connectors/native/fake-bank.js';

const N = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const KEY = 'sk_bench_0123456789';

let sent = 0;
/** Counts what the client sends: one command = one round trip (nothing here is pipelined). */
function countCommands(redis: Redis): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<typeof send>[0], stream?: Parameters<typeof send>[1]) => {
    sent += 1;
    return send(command, stream);
  }) as typeof redis.sendCommand;
}

async function commandCount(redis: Redis | undefined): Promise<number> {
  return redis ? sent : 0;
}

async function phase(name: string, redis: Redis | undefined, count: number, run: (i: number) => Promise<void>): Promise<void> {
  const latencies: number[] = [];
  const before = await commandCount(redis);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        await run(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await commandCount(redis);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(2);
  const perRequest = redis ? ((after - before) / count).toFixed(2) : 'n/a';
  console.log(`${name.padEnd(28)} ${String(Math.round(count / seconds)).padStart(6)} req/s   p50 ${pct(0.5)} ms   p99 ${pct(0.99)} ms   Redis round trips/request ${perRequest}`);
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  const redis = redisUrl ? new Redis(redisUrl) : undefined;
  if (redis) countCommands(redis);
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    MERCHANT_API_KEYS: KEY,
    BANK_ID: 'test-bank',
    BANK_MERCHANT_ID: 'test-merchant',
    BANK_PAYMENT_URL: 'https://bank.example/pay',
    BANK_JWKS_FILE: '/unused',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_API: '100000000',
    MAIL_OUTBOX_DIR: '/tmp/hpp-bench-mail',
  });
  const keystore = await GatewayKeystore.ephemeral();
  const bank = await FakeBank.create();
  const app = await createGateway(config, {
    store: (outboxTargets) => (redis ? new RedisPaymentStore(redis, { prefix, outboxTargets }) : new MemoryPaymentStore({ outboxTargets })),
    keystore, connectors: [bank.connector(keystore)], logger: createLogger('silent'), expirySweepMs: 0, deliveryWorker: false });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  console.log(`store: ${app.gateway.store.kind}; ${N} requests per phase, concurrency ${CONCURRENCY}; node ${process.version}`);

  const ids: string[] = [];
  await phase('POST /api/v1/payments', redis, N, async (i) => {
    const res = await fetch(`${base}/api/v1/payments`, { method: 'POST', headers, body: JSON.stringify({ amount: 1000 + i, currency: 'EUR', reference: `bench-${prefix}-${i}`.replace(/:/g, '') }) });
    ids[i] = ((await res.json()) as { id: string }).id;
  });
  await phase('GET /api/v1/payments/:id', redis, N, async (i) => {
    await (await fetch(`${base}/api/v1/payments/${ids[i]}`, { headers })).arrayBuffer();
  });
  const tokens: string[] = [];
  for (let i = 0; i < N; i += 1) {
    const { attempt } = await app.gateway.service.startAttempt(ids[i]!, 'native');
    tokens[i] = await bank.sign({ ref: attempt!.ref, status: 'authorised', amount: 1000 + i, currency: 'EUR', bank_txn_id: `B${i}` });
  }
  await phase('POST /bank/native/notify', redis, N, async (i) => {
    const res = await fetch(`${base}/bank/native/notify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ response: tokens[i]! }).toString() });
    if (res.status !== 200) throw new Error(`notify answered ${res.status}`);
    await res.arrayBuffer();
  });

  await app.gateway.close();
  server.close();
  await redis?.quit();
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
