import { expect } from 'chai';
import http from 'node:http';
import { Redis } from 'ioredis';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { PaymentService } from '../../src/service/payment-service.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import {
  apiRequest,
  delay,
  freePort,
  gatewayEnv,
  gatewayFiles,
  listenLocal,
  logLines,
  PROCESS_API_KEY,
  ProcessGroup,
  readBody,
  waitFor,
  waitForGateway,
  type ChildHandle,
  type GatewayFiles,
  type LocalServer,
  type ReceivedWebhook,
} from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { connectorsNamed } from '../support/payment-connectors.js';

const ROUNDS = 20;

/** Log lines of every gateway process (the primary and its children share one stdout). */
function readyProcesses(handle: ChildHandle): Array<{ pid: number; background: boolean }> {
  return logLines(handle)
    .filter((l) => l.msg === 'gateway process ready')
    .map((l) => ({ pid: l.pid as number, background: l.background as boolean }));
}

async function startReceiver(): Promise<{ local: LocalServer; received: ReceivedWebhook[] }> {
  const received: ReceivedWebhook[] = [];
  const local = await listenLocal((req, res) => {
    void readBody(req).then((body) => {
      received.push({ path: req.url ?? '', headers: req.headers, body, receivedAt: Date.now() });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  return { local, received };
}

interface Sent {
  /** When the TCP connection was established (the request then only waits on the gateway). */
  connectedAt: number | null;
  status: number | null;
  error: string | null;
}

/** POST /api/v1/payments on a connection of its own, recording when the connection was up. */
function createOnFreshConnection(port: number, reference: string): { sent: Sent; done: Promise<void> } {
  const sent: Sent = { connectedAt: null, status: null, error: null };
  const body = JSON.stringify({ amount: 1250, currency: 'EUR', reference });
  const done = new Promise<void>((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/payments', agent: false, timeout: 20_000, headers: { Authorization: `Bearer ${PROCESS_API_KEY}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        sent.status = res.statusCode ?? null;
        res.resume();
        res.on('end', () => resolve());
        res.on('error', (err) => {
          sent.error = err.message;
          resolve();
        });
      },
    );
    req.on('socket', (socket) => socket.once('connect', () => (sent.connectedAt = Date.now())));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => {
      sent.error = (err as NodeJS.ErrnoException).code ?? err.message;
      resolve();
    });
    req.end(body);
  });
  return { sent, done };
}

describe('processes: WEB_CONCURRENCY runs several gateway processes behind one port', function () {
  this.timeout(150_000);

  let files: GatewayFiles | undefined;
  let receiver: { local: LocalServer; received: ReceivedWebhook[] } | undefined;
  let store: RedisPaymentStore | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await receiver?.local.close();
    await store?.close();
    await files?.remove();
    receiver = undefined;
    store = undefined;
    files = undefined;
  });

  async function startCluster(redisUrl: string, prefix: string, count: number, extra: Record<string, string> = {}) {
    files = await gatewayFiles();
    receiver = await startReceiver();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const handle = processes.start('gateway cluster', 'src/main.ts', gatewayEnv({ port, redisUrl, prefix, files, webhookUrl: `${receiver.local.url}/hooks`, extra: { LOG_LEVEL: 'info', WEB_CONCURRENCY: String(count), ...extra } }));
    await waitForGateway(handle, baseUrl, 40_000);
    if (count > 1) await waitFor('every process ready', () => readyProcesses(handle).length >= count, { timeoutMs: 40_000, intervalMs: 100, abortIf: () => (handle.running ? null : handle.describe()) });
    return { port, baseUrl, handle };
  }

  it(`two processes on one port: one transition per payment under racing return and notification (${ROUNDS} rounds), one background process`, async function () {
    const redisUrl = await requireRedis(this);
    const prefix = randomPrefix();
    const { baseUrl, handle } = await startCluster(redisUrl, prefix, 2);

    const ready = readyProcesses(handle);
    expect(ready.map((p) => p.background).sort(), 'processes running the delivery worker and the expiry sweeper').to.deep.equal([false, true]);
    expect(new Set(ready.map((p) => p.pid)).size).to.equal(2);

    store = new RedisPaymentStore(new Redis(redisUrl), { prefix, ownsConnection: true, outboxTargets: ['webhook:0', 'email:buyer'] });
    const service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 10 * 60_000 });
    const payments: string[] = [];
    const attemptRefs: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const created = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 2480, currency: 'EUR', reference: `cluster-race-${round}` });
      expect(created.status, JSON.stringify(created.json)).to.equal(201);
      const paymentId = created.json.id as string;
      payments.push(paymentId);
      const { attempt } = await service.startAttempt(paymentId, 'native');
      attemptRefs.push(attempt!.ref);
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: `BT-${round}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
      const [returnToken, notifyToken] = await Promise.all([files!.bank.sign(txn), files!.bank.sign(txn)]);
      const post = (route: string, token: string) =>
        fetch(`${baseUrl}/bank/native/${route}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Connection: 'close' },
          body: new URLSearchParams({ [RESPONSE_FIELD]: token }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
      const [back, notified] = await Promise.all([post('return', returnToken), post('notify', notifyToken)]);
      await back.arrayBuffer();
      expect(back.status).to.equal(303);
      expect(notified.status).to.equal(200);
      expect(await notified.json()).to.deep.equal({ status: 'accepted' });
    }

    for (const paymentId of payments) {
      const payment = await apiRequest(baseUrl, 'GET', `/api/v1/payments/${paymentId}`);
      expect(payment.json.status).to.equal('succeeded');
      expect(payment.json.version, 'created, pending, succeeded: one transition to succeeded').to.equal(3);
    }
    const verdicts = logLines(handle).filter((l) => l.msg === 'bank return' || l.msg === 'bank notification');
    const servedBy = new Set<number>();
    for (const ref of attemptRefs) {
      const mine = verdicts.filter((v) => v.attempt === ref);
      expect(mine, `${ref}: the return and the notification were both handled`).to.have.length(2);
      expect(mine.filter((v) => v.verdict === 'applied'), `${ref}: ${JSON.stringify(mine)}`).to.have.length(1);
      expect(mine.filter((v) => v.verdict !== 'applied').every((v) => v.verdict === 'duplicate')).to.equal(true);
      for (const v of mine) servedBy.add(v.pid as number);
    }
    expect([...servedBy].every((pid) => ready.some((p) => p.pid === pid)), 'only the gateway processes served').to.equal(true);
    const crossProcess = attemptRefs.filter((ref) => new Set(verdicts.filter((v) => v.attempt === ref).map((v) => v.pid)).size === 2).length;
    console.log(`      ${crossProcess} of ${ROUNDS} races had the return and the notification in different processes`);

    // Every event delivered exactly once: one delivery worker drained the outbox.
    // Three events a payment, and the audit.recorded of each API create.
    await waitFor('the 80 webhooks', () => receiver!.received.length >= ROUNDS * 4, { timeoutMs: 30_000, intervalMs: 200 });
    await delay(1500);
    const bodies = receiver!.received.map((w) => JSON.parse(w.body.toString('utf8')) as { id: string; type: string });
    const ids = bodies.map((b) => b.id);
    expect(ids).to.have.length(ROUNDS * 4);
    expect(new Set(ids).size).to.equal(ROUNDS * 4);
    expect(bodies.filter((b) => b.type === 'audit.recorded')).to.have.length(ROUNDS);
  });

  it('the background process, killed, is replaced by one that takes over its role', async function () {
    const redisUrl = await requireRedis(this);
    const { baseUrl, handle } = await startCluster(redisUrl, randomPrefix(), 2);
    const background = readyProcesses(handle).find((p) => p.background)!;
    process.kill(background.pid, 'SIGKILL');
    await waitFor('a replacement process ready', () => readyProcesses(handle).length >= 3, { timeoutMs: 40_000, intervalMs: 100, abortIf: () => (handle.running ? null : handle.describe()) });
    const replacement = readyProcesses(handle)[2]!;
    expect(replacement.background, 'the replacement runs the background tasks').to.equal(true);
    expect(readyProcesses(handle).filter((p) => p.background && p.pid !== background.pid)).to.have.length(1);
    // And it delivers: a new payment's payment.created event reaches the webhook.
    const created = await apiRequest(baseUrl, 'POST', '/api/v1/payments', { amount: 990, currency: 'EUR', reference: 'after-replacement' });
    expect(created.status).to.equal(201);
    await waitFor('the webhook of the new payment', () => receiver!.received.some((w) => w.body.toString('utf8').includes(created.json.id as string)), { timeoutMs: 30_000, intervalMs: 200 });
  });

  for (const count of [1, 2]) {
    it(`SIGTERM during load (WEB_CONCURRENCY=${count}): every request sent before the signal is answered, the gateway exits 0`, async function () {
      const redisUrl = await requireRedis(this);
      const { port, handle } = await startCluster(redisUrl, randomPrefix(), count, count === 1 ? { WEB_CONCURRENCY: '1' } : {});
      const sent: Sent[] = [];
      const inFlight: Array<Promise<void>> = [];
      let signalled = false;
      const loops = Array.from({ length: 16 }, async (_, lane) => {
        for (let i = 0; !signalled; i += 1) {
          const request = createOnFreshConnection(port, `drain-${lane}-${i}`);
          sent.push(request.sent);
          inFlight.push(request.done);
          await request.done;
        }
      });
      // The signal goes while requests are connected and not yet answered: those are what it must not drop.
      const inFlightNow = () => sent.some((s) => s.connectedAt !== null && s.status === null && s.error === null);
      await waitFor('load under way', () => sent.filter((s) => s.status === 201).length >= 100 && inFlightNow(), { timeoutMs: 60_000, intervalMs: 1 });
      const signalAt = Date.now();
      handle.child.kill('SIGTERM');
      signalled = true;
      await Promise.all(loops);
      await Promise.all(inFlight);
      const exit = await Promise.race([handle.exited, delay(20_000).then(() => null)]);
      const exitedAfterMs = Date.now() - signalAt;

      // Connected by the time of the signal (the same millisecond included: the precondition saw it in flight).
      const before = sent.filter((s) => s.connectedAt !== null && s.connectedAt <= signalAt);
      const unanswered = before.filter((s) => s.status !== 201);
      console.log(`      ${before.length} requests connected before SIGTERM, ${unanswered.length} not answered 201; exited after ${exitedAfterMs} ms`);
      expect(unanswered, JSON.stringify(unanswered.slice(0, 5))).to.deep.equal([]);
      expect(before.length).to.be.greaterThan(100);
      expect(exit, 'the gateway exited within 20 s').to.deep.equal({ code: 0, signal: null });
    });
  }
});
