import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/processes.js';
import { requireRedis } from '../support/redis-server.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm run bench -- --quick` with tiny durations: the figures are not judged (the benchmark is not a
 * test), only that a run completes, writes its JSON and chart in the documented shape, and leaves no
 * process, Redis key or temporary folder behind.
 */
describe('bench: npm run bench -- --quick', function () {
  this.timeout(240_000);
  let resultsDir: string | undefined;

  afterEach(async () => {
    if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
  });

  it('writes a result with every path, ratio and ceiling, and cleans up after itself', async function () {
    await requireRedis(this);
    resultsDir = await mkdtemp(path.join(tmpdir(), 'hpp-bench-results-'));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', BENCH_RESULTS_DIR: resultsDir, BENCH_DURATION: '1', BENCH_WARMUP: '0.5', BENCH_CRYPTO_DURATION: '0.2', BENCH_PREPARE_MAX: '300' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).to.equal(0);

    const files = (await readdir(resultsDir)).sort();
    expect(files.filter((f) => f.endsWith('.json')), output).to.have.length(1);
    expect(files.filter((f) => f.endsWith('.svg'))).to.have.length(1);
    const result = JSON.parse(await readFile(path.join(resultsDir, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(result.mode).to.equal('quick');
    expect(result.settings).to.include({ connections: 16, durationSeconds: 1, store: 'redis', redis: 'own server' });
    expect(result.crypto.signPerSecond).to.be.above(0);
    expect(result.crypto.verifyPerSecond).to.be.above(0);
    for (const name of ['json', 'page', 'pageSigned', 'jsonVerified', 'pageKept']) {
      expect(result.baseline[name].requestsPerSecond, name).to.be.above(0);
      expect(result.baseline[name].non2xx, name).to.equal(0);
      expect(result.baseline[name].cpuMicrosPerRequest, `${name}: the baseline's CPU per request, from /proc`).to.be.above(0);
    }
    for (const name of ['create', 'checkout', 'pay', 'notify']) {
      const figures = result.gateway[name];
      expect(figures.requestsPerSecond, name).to.be.above(0);
      // A notification reused once the prepared ones ran out (the bench counts them as `reused`) is a
      // replay, which the gateway must refuse (400); every other answer is a success.
      const replays = name === 'notify' ? (figures.reused as number) : 0;
      expect(figures.non2xx, `${name}: every answer a success, but for the replays of reused notifications`).to.be.at.most(replays);
      expect(figures.errors, name).to.equal(0);
      expect(figures.redisCommandsPerRequest, name).to.be.above(0);
      expect(figures.cpuMicrosPerRequest, `${name}: the gateway's CPU per request, from /proc`).to.be.above(0);
      expect(figures).to.have.all.keys('requestsPerSecond', 'p50Ms', 'p99Ms', 'requests', 'non2xx', 'errors', 'redisCommandsPerRequest', 'roundTripsPerRequest', 'commandsSentPerRequest', 'drainSeconds', 'sustainedRequestsPerSecond', 'cpuMicrosPerRequest', ...(name === 'create' ? [] : ['reused']));
      // Counted over the warm-up and the requests sent one at a time after it, which all do fresh
      // work (the measured run may reuse prepared items once they run out, which costs less). Every
      // path's request goes to Redis at least once.
      expect(figures.commandsSentPerRequest, name).to.be.above(0);
      expect(figures.roundTripsPerRequest, name).to.be.at.least(1);
      // Each path is measured until the notifications it caused were delivered: the sustained rate
      // counts that time, so it is never above the rate of the run alone.
      expect(figures.drainSeconds, name).to.be.at.least(0);
      expect(figures.sustainedRequestsPerSecond, name).to.be.above(0).and.at.most(figures.requestsPerSecond);
    }
    // A checkout page: the buyers' rate-limit counter, the payment, the new session, one after the
    // other; the background jobs' polls meanwhile add a little.
    expect(result.gateway.checkout.roundTripsPerRequest).to.be.within(3, 4);
    // The ratios are taken on the sustained rate.
    for (const r of result.ratios) expect(r.gateway, r.path).to.equal(result.gateway[r.path].sustainedRequestsPerSecond);
    expect(result.ratios.map((r: { path: string }) => r.path)).to.deep.equal(['create', 'checkout', 'pay', 'notify']);
    expect(result.ratios.map((r: { target: number }) => r.target)).to.deep.equal([0.6, 0.5, 0.7, 0.7]);
    expect(result.ratios.map((r: { reference: string }) => r.reference)).to.deep.equal(['json', 'page', 'pageSigned', 'jsonVerified']);
    // Checkout's floor: the bare page with its counter, payment read and session kept in Redis (each
    // answer a success, checked above: the page fails when any of the three cannot be done).
    const [create, checkout] = result.ratios;
    expect(create.floor, 'only checkout has a floor').to.equal(undefined);
    const floorRate = result.baseline.pageKept.requestsPerSecond;
    expect(checkout.floor).to.deep.equal({
      baseline: 'pageKept',
      requestsPerSecond: floorRate,
      ofReference: Math.round((floorRate / result.baseline.page.requestsPerSecond) * 1000) / 1000,
      gatewayOfFloor: Math.round((checkout.gateway / floorRate) * 1000) / 1000,
    });
    expect(output).to.match(/GET \/checkout\/:id's floor, bare page \+ limit, read, session in Redis: \d+ req\/s, \d+ % of the bare page/);
    const svg = await readFile(path.join(resultsDir, files.find((f) => f.endsWith('.svg'))!), 'utf8');
    expect(svg).to.match(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).to.include('POST /bank/native/notify');
    expect(svg).to.include('floor: bare page + limit, read, session in Redis');

    // Cleanup: the baseline, the receiver, the gateway and its own redis-server are gone, and so are its keys and files.
    expect(result.cleanup.pids, 'baseline, webhook receiver, gateway, redis-server').to.have.length(4);
    expect(result.cleanup.pids.filter(alive), 'processes still running').to.deep.equal([]);
    expect(result.cleanup).to.include({ processesRunning: 0, redisKeysLeft: 0, tempDirRemoved: true });
  });
});
