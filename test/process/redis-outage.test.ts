import { expect } from 'chai';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import {
  apiRequest,
  delay,
  freePort,
  gatewayEnv,
  gatewayFiles,
  logLines,
  ProcessGroup,
  waitFor,
  waitForGateway,
  type ChildHandle,
  type GatewayFiles,
} from '../support/processes.js';
import { requireRedis } from '../support/redis-server.js';
import { RedisProcess } from '../support/redis-process.js';

/**
 * A real gateway process and a real redis-server of the test's own that is missing at start, or
 * stopped and started again under the running gateway. While Redis is away every route answers
 * "retry" (503 with Retry-After, or the bank protocol's retry acknowledgement); once it is back the
 * gateway serves again by itself, without a restart.
 */

const UNREACHABLE_WEBHOOK = 'http://127.0.0.1:9/webhooks';
// Redis is back in well under a second on this machine; the gateway may take a reconnect delay more.
const RECOVERY_BOUND_MS = 8000;

interface BuyerPage {
  status: number;
  html: string;
  retryAfter: string | null;
  contentType: string;
  cookie: string;
  csrf: string | null;
}

async function checkoutPage(baseUrl: string, paymentId: string, headers: Record<string, string> = {}): Promise<BuyerPage> {
  const res = await fetch(`${baseUrl}/checkout/${paymentId}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const html = await res.text();
  return {
    status: res.status,
    html,
    retryAfter: res.headers.get('retry-after'),
    contentType: res.headers.get('content-type') ?? '',
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    csrf: /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null,
  };
}

async function pay(baseUrl: string, paymentId: string, page: BuyerPage): Promise<{ status: number; html: string; retryAfter: string | null }> {
  const res = await fetch(`${baseUrl}/checkout/${paymentId}/pay`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: page.cookie },
    body: new URLSearchParams({ _csrf: page.csrf ?? '' }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, html: await res.text(), retryAfter: res.headers.get('retry-after') };
}

async function bankPost(baseUrl: string, kind: 'notify' | 'return', token: string): Promise<{ status: number; body: string; retryAfter: string | null }> {
  const res = await fetch(`${baseUrl}/bank/native/${kind}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ [RESPONSE_FIELD]: token }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}

function authorised(ref: string) {
  return { ref, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: `BT-${ref.slice(-6)}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
}

const newPayment = (reference: string) => ({ amount: 2480, currency: 'EUR', reference, customer: { email: 'buyer@example.com', locale: 'en' } });

function expectRetryAfter(value: string | null): void {
  expect(value, 'Retry-After').to.match(/^[1-9][0-9]*$/);
}

describe('processes: Redis outages under a running gateway', function () {
  this.timeout(90_000);

  let files: GatewayFiles | undefined;
  let redis: RedisProcess | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await redis?.remove();
    await files?.remove();
    redis = undefined;
    files = undefined;
  });

  async function startGateway(redisUrl: string): Promise<{ handle: ChildHandle; baseUrl: string }> {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    files ??= await gatewayFiles();
    const handle = processes.start('gateway', 'src/main.ts', gatewayEnv({ port, redisUrl, prefix: 'hpp:', files, webhookUrl: UNREACHABLE_WEBHOOK, extra: { LOG_LEVEL: 'info' } }));
    await waitForGateway(handle, baseUrl);
    return { handle, baseUrl };
  }

  it('serves every route within seconds once a Redis that was down at start comes up', async function () {
    await requireRedis(this);
    redis = await RedisProcess.create(await freePort());
    const { baseUrl } = await startGateway(redis.url);
    // Requests while Redis is missing (the rate limiter's first use among them) must not break anything for later.
    await apiRequest(baseUrl, 'POST', '/api/v1/payments', newPayment('late-redis-0')).catch(() => undefined);
    await fetch(`${baseUrl}/checkout/pay_AAAAAAAAAAAAAAAAAAAAAA`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    await delay(2000);
    await redis.start();
    const upAt = Date.now();

    const created = await waitFor(
      'the API creating a payment',
      async () => {
        const res = await apiRequest(baseUrl, 'POST', '/api/v1/payments', newPayment('late-redis-1'));
        return res.status === 201 ? res : undefined;
      },
      { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 100 },
    );
    const paymentId = created.json.id as string;
    const page = await waitFor(
      'the checkout page',
      async () => {
        const res = await checkoutPage(baseUrl, paymentId);
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 100 },
    );
    expect(page.csrf).to.be.a('string');
    const paid = await pay(baseUrl, paymentId, page);
    expect(paid.status, paid.html.slice(0, 300)).to.equal(200);
    const attempt = (await apiRequest(baseUrl, 'GET', `/api/v1/payments/${paymentId}`)).json.attempts[0].ref as string;
    const notified = await bankPost(baseUrl, 'notify', await files!.bank.sign(authorised(attempt)));
    expect(notified.status, notified.body).to.equal(200);
    const back = await bankPost(baseUrl, 'return', await files!.bank.sign(authorised(attempt)));
    expect(back.status, back.body).to.equal(303);
    expect(Date.now() - upAt, 'every route served again soon after Redis came up').to.be.below(RECOVERY_BOUND_MS);
  });

  it('answers retry on every route while Redis restarts, writes nothing half-way, and logs each connection once per outage', async function () {
    await requireRedis(this);
    redis = await RedisProcess.create(await freePort());
    await redis.start();
    const { handle, baseUrl } = await startGateway(redis.url);

    const first = await apiRequest(baseUrl, 'POST', '/api/v1/payments', newPayment('outage-1'));
    expect(first.status, JSON.stringify(first.json)).to.equal(201);
    const firstPage = await checkoutPage(baseUrl, first.json.id);
    expect((await pay(baseUrl, first.json.id, firstPage)).status).to.equal(200);
    const attempt = (await apiRequest(baseUrl, 'GET', `/api/v1/payments/${first.json.id}`)).json.attempts[0].ref as string;
    const second = await apiRequest(baseUrl, 'POST', '/api/v1/payments', newPayment('outage-2'));
    const secondPage = await checkoutPage(baseUrl, second.json.id);
    expect(secondPage.status).to.equal(200);

    await redis.stop();

    const create = await apiRequest(baseUrl, 'POST', '/api/v1/payments', newPayment('outage-3'));
    expect(create.status, JSON.stringify(create.json)).to.equal(503);
    expect(create.json.type).to.match(/\/problems\/store_unavailable$/);
    const createRaw = await fetch(`${baseUrl}/api/v1/payments/${first.json.id}`, { headers: { Authorization: `Bearer sk_test_process_key_0001` }, signal: AbortSignal.timeout(10_000) });
    expect(createRaw.status).to.equal(503);
    expect(createRaw.headers.get('content-type')).to.contain('application/problem+json');
    expectRetryAfter(createRaw.headers.get('retry-after'));
    await createRaw.arrayBuffer();

    const english = await checkoutPage(baseUrl, second.json.id);
    expect(english.status).to.equal(503);
    expect(english.contentType).to.contain('text/html');
    expectRetryAfter(english.retryAfter);
    expect(english.html).to.contain('try again in a moment');
    const french = await checkoutPage(baseUrl, second.json.id, { 'Accept-Language': 'fr-FR,fr;q=0.9' });
    expect(french.status).to.equal(503);
    expect(french.html).to.contain('réessayer dans un instant');

    const payDuringOutage = await pay(baseUrl, second.json.id, secondPage);
    expect(payDuringOutage.status).to.equal(503);
    expectRetryAfter(payDuringOutage.retryAfter);
    expect(payDuringOutage.html).to.contain('try again in a moment');

    const notifyDuringOutage = await bankPost(baseUrl, 'notify', await files!.bank.sign(authorised(attempt)));
    expect(notifyDuringOutage.status, 'the native protocol\'s retry acknowledgement').to.equal(503);
    expect(JSON.parse(notifyDuringOutage.body)).to.deep.equal({ status: 'retry' });
    const returnDuringOutage = await bankPost(baseUrl, 'return', await files!.bank.sign(authorised(attempt)));
    expect(returnDuringOutage.status).to.equal(503);
    expect(returnDuringOutage.body).to.contain('try again in a moment');

    // Several reconnection attempts fail while Redis is away.
    await delay(2500);
    await redis.start();
    const upAt = Date.now();

    const notified = await waitFor(
      'the bank notification applied',
      async () => {
        const res = await bankPost(baseUrl, 'notify', await files!.bank.sign(authorised(attempt)));
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 100 },
    );
    expect(JSON.parse(notified.body)).to.deep.equal({ status: 'accepted' });
    const secondPay = await waitFor(
      'the second payment\'s Pay, with the session of before the outage',
      async () => {
        const res = await pay(baseUrl, second.json.id, secondPage);
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 100 },
    );
    expect(secondPay.html).to.contain('bank.example');
    expect(Date.now() - upAt).to.be.below(RECOVERY_BOUND_MS);

    // Nothing the outage refused was written: two payments, one attempt each, one transition per step.
    const list = await apiRequest(baseUrl, 'GET', '/api/v1/payments?limit=10');
    expect((list.json.items as Array<{ reference: string }>).map((p) => p.reference).sort()).to.deep.equal(['outage-1', 'outage-2']);
    const paid = await apiRequest(baseUrl, 'GET', `/api/v1/payments/${first.json.id}`);
    expect(paid.json.status).to.equal('succeeded');
    expect(paid.json.version).to.equal(3);
    expect(paid.json.attempts).to.have.length(1);
    const pending = await apiRequest(baseUrl, 'GET', `/api/v1/payments/${second.json.id}`);
    expect(pending.json.attempts).to.have.length(1);

    // Connection trouble is logged through pino, once per connection for the outage and once when it is back.
    await waitFor('both connections logged as restored', () => logLines(handle).filter((l) => l.msg === 'Redis connection restored').length >= 2, { timeoutMs: 5000 });
    expect(handle.err).to.not.contain('Unhandled error event');
    const lines = logLines(handle);
    const count = (msg: string, connection: string) => lines.filter((l) => l.msg === msg && l.connection === connection).length;
    for (const connection of ['payments', 'sessions']) {
      expect(count('Redis connection lost', connection), `${connection}: lost`).to.equal(1);
      expect(count('Redis connection restored', connection), `${connection}: restored`).to.equal(1);
    }
    expect(JSON.stringify(lines)).to.not.contain('redis://');
  });
});
