/**
 * `npm run bench`: the gateway's hot paths side by side with a bare Express 5 app and with the
 * cryptography's ceiling, in one run (docs in README.md, "Benchmark").
 *
 *   npm run bench                 the comparison (BENCH_DURATION seconds per path, default 10)
 *   npm run bench -- --quick      a short smoke run
 *   npm run bench -- --soak 10m   mixed traffic, the gateway's RSS and heap sampled
 *
 * The baseline, the gateway, Redis and the webhook receiver each run as a process of their own; this
 * process drives the load (autocannon, 16 connections) and measures nothing else while a server runs.
 * BENCH_RESULTS_DIR chooses where the JSON and SVG go (default bench/results).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FakeBank } from '../test/connectors/native/fake-bank.js';
import { BenchRedis } from './bench-redis.js';
import { chartSvg } from './chart.js';
import { answers, BenchProcess, freePort, REPO_ROOT, waitUntil } from './child-process.js';
import { measureCrypto } from './crypto-ceiling.js';
import { startGateway, type BenchGateway } from './gateway-process.js';
import { GatewayPaths } from './gateway-paths.js';
import { CONNECTIONS, measure, type PathFigures } from './load.js';
import { processCpuSeconds } from './process-cpu.js';
import { growthOf, readMemory, readOutboxPending, type MemorySample } from './memory-samples.js';
import { printTable, ratiosOf, type BaselinePath, type BenchResult, type GatewayPath } from './report.js';

interface Options {
  mode: 'full' | 'quick' | 'soak';
  seconds: number;
  warmupSeconds: number;
  cryptoSeconds: number;
  soakSeconds: number;
  /** The most payments prepared for one path (BENCH_PREPARE_MAX). */
  prepareMax: number;
  resultsDir: string;
}

function durationSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text} (10m, 90s, 1h)`);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const soakAt = argv.indexOf('--soak');
  const env = (name: string, fallback: number) => (process.env[name] ? durationSeconds(process.env[name]!) : fallback);
  return {
    mode: soakAt >= 0 ? 'soak' : quick ? 'quick' : 'full',
    seconds: env('BENCH_DURATION', quick ? 2 : 10),
    warmupSeconds: env('BENCH_WARMUP', quick ? 1 : 3),
    cryptoSeconds: env('BENCH_CRYPTO_DURATION', quick ? 0.5 : 3),
    prepareMax: Number(process.env.BENCH_PREPARE_MAX ?? (quick ? 3000 : 50000)),
    soakSeconds: soakAt >= 0 ? durationSeconds(argv[soakAt + 1] ?? '10m') : 0,
    resultsDir: path.resolve(process.env.BENCH_RESULTS_DIR ?? path.join(REPO_ROOT, 'bench', 'results')),
  };
}

/** Everything the run started, stopped in reverse order whatever happens. */
class Cleanup {
  readonly processes: BenchProcess[] = [];
  redis: BenchRedis | null = null;
  redisKeysLeft = -1;

  async run(dir: string): Promise<BenchResult['cleanup']> {
    for (const p of this.processes.slice().reverse()) await p.stop().catch(() => undefined);
    if (this.redis) this.redisKeysLeft = (await this.redis.remove()).keysLeft;
    await rm(dir, { recursive: true, force: true });
    const pids = [...this.processes.map((p) => p.pid), ...(this.redis?.serverPid !== undefined ? [this.redis.serverPid] : [])];
    return { pids, processesRunning: this.processes.filter((p) => p.running).length, redisKeysLeft: this.redisKeysLeft, tempDirRemoved: !existsSync(dir) };
  }
}

async function startProcess(cleanup: Cleanup, name: string, script: string, env: Record<string, string>, dir: string, probeUrl: string): Promise<BenchProcess> {
  const child = BenchProcess.start(name, process.execPath, ['--import', 'tsx', script], env, path.join(dir, `${name}.log`));
  cleanup.processes.push(child);
  await waitUntil(`${name} answers`, () => answers(probeUrl), child, 60_000);
  return child;
}

async function measureBaseline(options: Options, cleanup: Cleanup, dir: string, redis: BenchRedis): Promise<Record<BaselinePath, PathFigures>> {
  const bank = await FakeBank.create();
  const token = await bank.sign({ ref: 'att_bench', status: 'authorised', amount: 1250, currency: 'EUR', bank_txn_id: 'B-1' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const baseline = await startProcess(cleanup, 'baseline', 'bench/baseline-app.ts', { BENCH_BASELINE_PORT: String(port), BENCH_VERIFY_JWK: JSON.stringify(bank.key.publicJwk), BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix }, dir, `${url}/page`);
  const plan = (requests: Parameters<typeof measure>[0]['requests']) => ({ url, requests, warmupSeconds: options.warmupSeconds, seconds: options.seconds, cpuSeconds: () => processCpuSeconds([baseline.pid]) });
  const json = JSON.stringify({ amount: 1250, currency: 'EUR', reference: 'order-1234', returnUrl: 'https://shop.example/back' });
  const figures = {
    json: await measure(plan([{ method: 'POST', path: '/json', headers: { 'content-type': 'application/json' }, body: json }])),
    page: await measure(plan([{ method: 'GET', path: '/page' }])),
    pageSigned: await measure(plan([{ method: 'GET', path: '/page-signed' }])),
    jsonVerified: await measure(plan([{ method: 'POST', path: '/json-verified', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `response=${token}` }])),
    pageKept: await measure(plan([{ method: 'GET', path: '/page-kept' }])),
  };
  await baseline.stop();
  return figures;
}

/** The run's Redis, started once: the baseline's floor and the gateway use it in turn. */
async function startRedis(cleanup: Cleanup, dir: string): Promise<BenchRedis> {
  return (cleanup.redis ??= await BenchRedis.start(dir));
}

async function startStack(cleanup: Cleanup, dir: string): Promise<{ gateway: BenchGateway; redis: BenchRedis }> {
  const redis = await startRedis(cleanup, dir);
  const receiverPort = await freePort();
  const receiverUrl = `http://127.0.0.1:${receiverPort}`;
  await startProcess(cleanup, 'webhook-receiver', 'bench/webhook-receiver.ts', { BENCH_RECEIVER_PORT: String(receiverPort) }, dir, receiverUrl);
  const gateway = await startGateway({ dir, redisUrl: redis.url, prefix: redis.prefix, webhookUrl: `${receiverUrl}/hooks` });
  cleanup.processes.push(gateway.process);
  if (gateway.worker) cleanup.processes.push(gateway.worker);
  return { gateway, redis };
}

async function measureGateway(options: Options, gateway: BenchGateway, redis: BenchRedis, paths: GatewayPaths): Promise<Record<GatewayPath, PathFigures>> {
  const plan = (requests: Parameters<typeof measure>[0]['requests']) => ({
    url: gateway.baseUrl,
    requests,
    warmupSeconds: options.warmupSeconds,
    seconds: options.seconds,
    commands: () => redis.commandsExecuted(),
    pending: () => readOutboxPending(gateway.baseUrl),
    roundTrips: () => redis.countClientCommands(),
    cpuSeconds: () => processCpuSeconds([gateway.process.pid, ...(gateway.worker ? [gateway.worker.pid] : [])]),
    at80: options.mode === 'full',
  });
  // What the next path needs to do fresh work throughout (warm-up, peak and the run at 80 %): four times
  // the fastest rate seen so far, bounded.
  let fastest = 0;
  const needed = (figures: PathFigures) => {
    fastest = Math.max(fastest, figures.requestsPerSecond);
    return Math.min(options.prepareMax, Math.ceil(fastest * 4 * (options.warmupSeconds + 2 * options.seconds)));
  };
  const create = await measure(plan(paths.create()));
  await paths.ensureIds(needed(create));
  const checkout = { ...(await measure(plan(paths.checkout()))), reused: paths.ids.takeReused() };
  await paths.ensureSessions(needed(checkout));
  const pay = { ...(await measure(plan(paths.pay()))), reused: paths.sessions.takeReused() };
  await paths.ensurePaid(needed(pay));
  await paths.prepareNotifications(redis.url, redis.prefix, gateway.bank);
  const notify = { ...(await measure(plan(paths.notify()))), reused: paths.notifications.takeReused() };
  return { create, checkout, pay, notify };
}

function machine(): BenchResult['machine'] {
  const cpus = os.cpus();
  return { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', node: process.version, platform: `${os.type()} ${os.release()}`, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) };
}

async function comparison(options: Options): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hpp-bench-'));
  const cleanup = new Cleanup();
  const started = new Date();
  let baseline: Record<BaselinePath, PathFigures>;
  let gatewayFigures: Record<GatewayPath, PathFigures>;
  let crypto: BenchResult['crypto'];
  const loadAverage = machine().loadAverage;
  let cleaned: BenchResult['cleanup'];
  try {
    console.log(`bench: ${options.mode}, ${options.seconds} s per path after ${options.warmupSeconds} s of warm-up, ${CONNECTIONS} connections`);
    baseline = await measureBaseline(options, cleanup, dir, await startRedis(cleanup, dir));
    crypto = await measureCrypto(options.cryptoSeconds);
    const { gateway, redis } = await startStack(cleanup, dir);
    gatewayFigures = await measureGateway(options, gateway, redis, new GatewayPaths(gateway.baseUrl, randomBytes(4).toString('hex')));
  } finally {
    cleaned = await cleanup.run(dir);
  }
  const result: BenchResult = {
    date: started.toISOString(),
    mode: options.mode === 'quick' ? 'quick' : 'full',
    machine: { ...machine(), loadAverage },
    settings: { connections: CONNECTIONS, durationSeconds: options.seconds, warmupSeconds: options.warmupSeconds, store: 'redis', redis: process.env.REDIS_URL ? 'REDIS_URL' : 'own server', deliveryWorker: process.env.BENCH_WORKER === 'process' ? 'process' : 'in-process' },
    crypto,
    baseline,
    gateway: gatewayFigures,
    ratios: ratiosOf(baseline, gatewayFigures),
    cleanup: cleaned,
  };
  await mkdir(options.resultsDir, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  const jsonFile = path.join(options.resultsDir, `${stamp}.json`);
  await writeFile(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(options.resultsDir, `${stamp}.svg`), chartSvg(result));
  console.log(printTable(result));
  console.log(`machine: ${result.machine.cpus} × ${result.machine.model}, load average at start ${loadAverage.join(' ')}; cleanup: ${JSON.stringify(cleaned)}`);
  console.log(`written: ${jsonFile} (and .svg)`);
}

async function soak(options: Options): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hpp-bench-'));
  const cleanup = new Cleanup();
  const samples: MemorySample[] = [];
  const startedAt = Date.now();
  let rounds = 0;
  let cleaned: BenchResult['cleanup'];
  try {
    const { gateway, redis } = await startStack(cleanup, dir);
    const sampler = setInterval(() => void readMemory(gateway.baseUrl, startedAt).then((s) => samples.push(s), () => undefined), 5000);
    const round = { warmupSeconds: 0, seconds: 3 };
    while ((Date.now() - startedAt) / 1000 < options.soakSeconds) {
      // Mixed traffic: each round, the four paths one after the other, on payments of its own.
      const paths = new GatewayPaths(gateway.baseUrl, randomBytes(4).toString('hex'));
      await measureGateway({ ...options, ...round }, gateway, redis, paths);
      rounds += 1;
    }
    clearInterval(sampler);
    samples.push(await readMemory(gateway.baseUrl, startedAt));
  } finally {
    cleaned = await cleanup.run(dir);
  }
  const growth = growthOf(samples, Math.min(60, options.soakSeconds / 5));
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
  console.log(`soak: ${rounds} rounds in ${Math.round((Date.now() - startedAt) / 1000)} s; after warm-up RSS ${mb(growth.afterWarmup.rssBytes)}, heap ${mb(growth.afterWarmup.heapUsedBytes)}; at the end RSS ${mb(growth.atEnd.rssBytes)} (${Math.round(growth.rssGrowth * 100)} %), heap ${mb(growth.atEnd.heapUsedBytes)} (${Math.round(growth.heapGrowth * 100)} %); heap kept alive (after full collections, ${growth.fullCollectionsSeen} seen) ${mb(growth.afterWarmup.liveHeapBytes)} then ${mb(growth.atEnd.liveHeapBytes)} (${Math.round(growth.liveHeapGrowth * 100)} %)`);
  await mkdir(options.resultsDir, { recursive: true });
  const file = path.join(options.resultsDir, `soak-${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify({ date: new Date(startedAt).toISOString(), machine: machine(), seconds: options.soakSeconds, rounds, growth, samples, cleanup: cleaned }, null, 2)}\n`);
  console.log(`written: ${file}`);
}

const options = parseOptions(process.argv.slice(2));
(options.mode === 'soak' ? soak(options) : comparison(options)).then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
