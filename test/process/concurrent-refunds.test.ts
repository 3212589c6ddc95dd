import { expect } from 'chai';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { createSandboxBank, type SandboxBank } from '../../sandbox-bank/app.js';
import { BANK_ID, MERCHANT_ID } from '../connectors/native/fake-bank.js';
import {
  apiRequest,
  freePort,
  gatewayEnv,
  gatewayFiles,
  listenLocal,
  PROCESS_API_KEY,
  ProcessGroup,
  waitFor,
  waitForGateway,
  type GatewayFiles,
  type LocalServer,
} from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

const REFUNDS = 20;
const CAPTURED = 2480;
/** None ends in 51–55, the sandbox bank's test endings: every refund it accepts is done at once. */
const AMOUNTS = [300, 400, 450, 500, 200];

const quiet = { info() {}, warn() {}, error() {} };

/** The cookies a response sets, as a Cookie header. */
function cookiesOf(res: Response, jar: Map<string, string>): string {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair!.indexOf('=');
    jar.set(pair!.slice(0, at), pair!.slice(at + 1));
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/**
 * The buyer's trip without a browser: the checkout page and "Pay" on the gateway, the auto-submitted
 * form to the sandbox bank, and the Visa test card on its page. The bank then notifies the gateway.
 */
async function payAtSandboxBank(gatewayUrl: string, paymentId: string): Promise<void> {
  const jar = new Map<string, string>();
  const page = await fetch(`${gatewayUrl}/checkout/${paymentId}`, { signal: AbortSignal.timeout(5000) });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(csrf, 'the checkout page has its CSRF token').to.be.a('string');
  const pay = await fetch(`${gatewayUrl}/checkout/${paymentId}/pay`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookiesOf(page, jar) },
    body: new URLSearchParams({ _csrf: csrf! }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
  });
  const redirect = await pay.text();
  expect(pay.status, redirect.slice(0, 300)).to.equal(200);
  const action = /<form id="bank-redirect" method="POST" action="([^"]+)"/.exec(redirect)?.[1];
  const fields = [...redirect.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!] as [string, string]);
  expect(action, 'the redirect page posts to the bank').to.be.a('string');
  const opened = await fetch(action!, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual', signal: AbortSignal.timeout(5000) });
  expect(opened.status, await opened.clone().text()).to.equal(303);
  const cardPage = new URL(opened.headers.get('location')!, action).toString();
  const paid = await fetch(cardPage, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ cardNumber: '4242 4242 4242 4242', expiry: '12/39', cvc: '737', cardType: 'visa', action: 'pay' }).toString(),
    signal: AbortSignal.timeout(5000),
  });
  expect(paid.status, (await paid.text()).slice(0, 300)).to.equal(200);
}

describe('processes: 20 refunds at once on two gateways over one Redis never exceed the captured amount', function () {
  this.timeout(120_000);

  let files: GatewayFiles | undefined;
  let bankServer: LocalServer | undefined;
  let bank: SandboxBank | undefined;
  const processes = new ProcessGroup();

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await bank?.close();
    await bankServer?.close();
    await files?.remove();
    bank = undefined;
    bankServer = undefined;
    files = undefined;
  });

  it('captured through the native sandbox bank, refunded by 20 requests split across both processes: pending + succeeded ≤ captured, the rest refused amount_not_refundable, the bank holding exactly the accepted ones', async function () {
    const redisUrl = await requireRedis(this);
    const prefix = randomPrefix();
    files = await gatewayFiles();
    const ports = [await freePort(), await freePort()];
    const urls = ports.map((port) => `http://127.0.0.1:${port}`) as [string, string];

    let bankApp: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    bankServer = await listenLocal((req, res) => bankApp!(req, res));
    // Both gateways sign with the same keys: either one's JWKS is the merchant's.
    bank = await createSandboxBank({
      bankId: BANK_ID,
      publicUrl: bankServer.url,
      merchants: [{ merchantId: MERCHANT_ID, jwksUrl: `${urls[0]}/.well-known/jwks.json` }],
      notificationRetryDelaysMs: [50, 100, 200],
      logger: quiet,
    });
    bankApp = bank.app;
    await writeFile(files.bankJwksFile, JSON.stringify(bank.jwks()));

    for (const [i, port] of ports.entries()) {
      const env = gatewayEnv({
        port,
        redisUrl,
        prefix,
        files,
        webhookUrl: 'http://127.0.0.1:9/unused',
        extra: { BANK_PAYMENT_URL: `${bankServer.url}/pay`, BANK_OPERATIONS_URL: `${bankServer.url}/operations`, LOG_LEVEL: 'warn' },
      });
      await waitForGateway(processes.start(`gateway g${i + 1}`, 'src/main.ts', env), urls[i]!);
    }

    const created = await apiRequest(urls[0], 'POST', '/api/v1/payments', { amount: CAPTURED, currency: 'EUR', reference: `refund-race-${Date.now()}`, capture: 'manual' });
    expect(created.status, JSON.stringify(created.json)).to.equal(201);
    const paymentId = created.json.id as string;
    await payAtSandboxBank(urls[0], paymentId);
    await waitFor('the bank\'s notification authorises the payment', async () => (await apiRequest(urls[1], 'GET', `/api/v1/payments/${paymentId}`)).json.status === 'authorized', { timeoutMs: 15_000, intervalMs: 100 });
    const captured = await apiRequest(urls[1], 'POST', `/api/v1/payments/${paymentId}/capture`, {});
    expect(captured.status, JSON.stringify(captured.json)).to.equal(200);
    expect(captured.json).to.include({ status: 'succeeded', amountCaptured: CAPTURED });

    const asked = Array.from({ length: REFUNDS }, (_, i) => AMOUNTS[i % AMOUNTS.length]!);
    expect(asked.reduce((a, b) => a + b, 0), 'together they ask for more than was captured').to.be.above(CAPTURED);
    const answers = await Promise.all(
      asked.map(async (amount, i) => {
        const res = await fetch(`${urls[i % 2]}/api/v1/payments/${paymentId}/refunds`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${PROCESS_API_KEY}`, 'Content-Type': 'application/json', 'Idempotency-Key': `refund-race-${i}` },
          body: JSON.stringify({ amount }),
          signal: AbortSignal.timeout(20_000),
        });
        return { amount, status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, any> };
      }),
    );

    const accepted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    expect(accepted.length, 'some refunds go through').to.be.above(0);
    expect(refused.length, 'some are refused').to.be.above(0);
    for (const a of accepted) expect(a.body.status, JSON.stringify(a.body)).to.be.oneOf(['pending', 'succeeded']);
    for (const r of refused) {
      expect(r.status, JSON.stringify(r.body)).to.equal(422);
      expect(r.contentType).to.contain('application/problem+json');
      expect(r.body.type, JSON.stringify(r.body)).to.match(/\/problems\/amount_not_refundable$/);
    }

    const payment = (await apiRequest(urls[0], 'GET', `/api/v1/payments/${paymentId}`)).json;
    const holding = (payment.refunds as Array<{ id: string; amount: number; status: string }>).filter((r) => r.status === 'pending' || r.status === 'succeeded');
    const held = holding.reduce((sum, r) => sum + r.amount, 0);
    expect(held, 'pending + succeeded refunds').to.be.at.most(CAPTURED);
    expect(payment.refunds.map((r: { id: string }) => r.id).sort(), 'the payment holds exactly the accepted refunds').to.deep.equal(accepted.map((a) => a.body.id).sort());
    expect(payment.amountRefunded).to.equal(accepted.filter((a) => a.body.status === 'succeeded').reduce((sum, a) => sum + a.amount, 0));
    // What is left is less than the smallest amount refused: a refusal was never for want of a race.
    expect(CAPTURED - held, 'left refundable').to.be.below(Math.min(...refused.map((r) => r.amount)));

    const atBank = bank.transactions().find((t) => t.ref === payment.attempts[0].ref);
    expect(atBank, 'the bank knows the transaction').to.not.equal(undefined);
    expect(atBank!.captures.map((c) => c.amount)).to.deep.equal([CAPTURED]);
    expect(atBank!.refunds.map((r) => r.opId).sort(), 'the bank received exactly the accepted refunds, once each').to.deep.equal(accepted.map((a) => a.body.id).sort());
    expect(atBank!.refunds.map((r) => r.amount).sort((a, b) => a - b)).to.deep.equal(accepted.map((a) => a.amount).sort((a, b) => a - b));
  });
});
