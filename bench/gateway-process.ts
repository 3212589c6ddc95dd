import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { generateSigningJwk } from '../src/keys/keystore.js';
import { BANK_ID, BANK_PAY_URL, FakeBank, MERCHANT_ID } from '../test/connectors/native/fake-bank.js';
import { answers, BenchProcess, freePort, waitUntil } from './child-process.js';

export const BENCH_API_KEY = 'sk_test_bench_key_0001';

export interface BenchGateway {
  process: BenchProcess;
  /** The delivery worker's own process, with BENCH_WORKER=process; null when it runs in the gateway. */
  worker: BenchProcess | null;
  baseUrl: string;
  /** The native bank whose key the gateway trusts: it signs the notifications the benchmark sends. */
  bank: FakeBank;
}

/**
 * The gateway as production runs it (`src/main.ts`, its own process, the default log level, the Redis
 * store, the native connector, a merchant webhook), with rate limits raised above what 16 connections
 * from one address send, so that the limiters run on every request without refusing the load.
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the gateway there when it stops (and of the worker, in <dir>/worker). BENCH_WORKER=process
 * runs the delivery worker as a process of its own (`npm run worker`, DELIVERY_WORKER=off on the
 * gateway), the deployment that keeps notifications off the request-serving process.
 */
export async function startGateway(options: { dir: string; redisUrl: string; prefix: string; webhookUrl: string }): Promise<BenchGateway> {
  const signing = await generateSigningJwk('EdDSA');
  const keysFile = path.join(options.dir, 'gateway-keys.json');
  await writeFile(keysFile, JSON.stringify({ keys: [signing] }), { mode: 0o600 });
  const bank = await FakeBank.create();
  const bankJwksFile = path.join(options.dir, 'bank-jwks.json');
  await writeFile(bankJwksFile, JSON.stringify({ keys: [bank.key.publicJwk as JWK] }));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const profileDir = process.env.BENCH_CPU_PROF;
  const nodeArgs = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : []), '--import', 'tsx', 'src/main.ts'];
  const separateWorker = process.env.BENCH_WORKER === 'process';
  const env = {
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    GATEWAY_KEYS_FILE: keysFile,
    BANK_ID,
    BANK_MERCHANT_ID: MERCHANT_ID,
    BANK_PAYMENT_URL: BANK_PAY_URL,
    BANK_JWKS_FILE: bankJwksFile,
    MERCHANT_API_KEYS: BENCH_API_KEY,
    MERCHANT_WEBHOOK_URL: options.webhookUrl,
    MERCHANT_WEBHOOK_SECRET: 'whsec_bench_secret_0001',
    MAIL_OUTBOX_DIR: path.join(options.dir, 'mail'),
    RATE_LIMIT_API: '100000000',
    RATE_LIMIT_BUYER: '100000000',
    DELIVERY_WORKER: separateWorker ? 'off' : 'on',
  };
  const child = BenchProcess.start('gateway', process.execPath, nodeArgs, env, path.join(options.dir, 'gateway.log'));
  await waitUntil('the gateway answers /healthz', () => answers(`${baseUrl}/healthz`), child);
  const workerArgs = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir, 'worker')] : []), '--import', 'tsx', 'src/worker.ts'];
  const worker = separateWorker ? BenchProcess.start('delivery-worker', process.execPath, workerArgs, env, path.join(options.dir, 'worker.log')) : null;
  return { process: child, worker, baseUrl, bank };
}
