import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startDemo, type Demo } from '../../demo/start-demo.js';
import { createLogger } from '../../src/logger.js';
import { seriousAxeViolations } from '../support/axe.js';
import { launchChromium } from '../support/chromium.js';
import { LogCapture } from '../support/stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;
/** The id of the focused element (an expression string: the test code has no DOM types). */
const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement ? document.activeElement.id : undefined');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Protocol = 'native' | 'sips' | 'lyra' | 'monetico';
const PROTOCOLS: readonly Protocol[] = ['native', 'sips', 'lyra', 'monetico'];

interface Authentication {
  status: string;
  eci?: string;
  liabilityShift?: boolean;
  version?: string;
}

interface Case {
  name: string;
  card: string;
  challenge?: 'pass' | 'fail' | 'cancel';
  payment: 'succeeded' | 'failed';
  status: string;
  /** Visa ECI, for the protocols whose response carries one (native, Lyra). */
  eci: string;
  /** The liability shift; `undefined` where a protocol may say nothing (ACS unavailable: Sips U, Lyra UNKNOWN). */
  liabilityShift: boolean | 'unsaid';
}

const CASES: readonly Case[] = [
  { name: 'frictionless', card: '4000 0000 0000 3055', payment: 'succeeded', status: 'authenticated', eci: '05', liabilityShift: true },
  { name: 'challenge passed', card: '4000 0000 0000 3220', challenge: 'pass', payment: 'succeeded', status: 'authenticated', eci: '05', liabilityShift: true },
  { name: 'challenge failed', card: '4000 0000 0000 3220', challenge: 'fail', payment: 'failed', status: 'failed', eci: '07', liabilityShift: false },
  { name: 'challenge abandoned', card: '4000 0000 0000 3220', challenge: 'cancel', payment: 'failed', status: 'failed', eci: '07', liabilityShift: false },
  { name: 'attempted (A)', card: '4000 0000 0000 3063', payment: 'succeeded', status: 'attempted', eci: '06', liabilityShift: true },
  { name: 'not enrolled', card: '4000 0000 0000 3097', payment: 'succeeded', status: 'not_enrolled', eci: '07', liabilityShift: false },
  { name: 'ACS unavailable', card: '4000 0000 0000 3105', payment: 'succeeded', status: 'unavailable', eci: '07', liabilityShift: 'unsaid' },
];

/** What the protocol's own fields can say (docs/connectors.md, "3-D Secure"). */
function expectedAuthentication(protocol: Protocol, c: Case): Authentication {
  const eci = protocol === 'native' || protocol === 'lyra' ? { eci: c.eci } : {};
  const saysUnavailable = protocol === 'native' || protocol === 'monetico';
  const liability = c.liabilityShift === 'unsaid' ? (saysUnavailable ? { liabilityShift: false } : {}) : { liabilityShift: c.liabilityShift };
  const version = protocol === 'native' || protocol === 'monetico' ? { version: '2.2.0' } : protocol === 'sips' ? { version: '2' } : {};
  return { status: c.status, ...eci, ...liability, ...version };
}

/**
 * Every 3-D Secure case of the sandbox bank, on every protocol it speaks, in one Chromium: the buyer
 * pays from the gateway's checkout, passes (or fails, or leaves) the issuer's challenge, and the
 * result is read back through the merchant API and the signed webhook the merchant receives.
 */
describe('3-D Secure 2 end to end in Chromium, per protocol (native, Sips, Lyra, Monetico)', function () {
  this.timeout(240_000);
  let browser: Browser;
  let demo: Demo;
  let apiKey: string;
  let hooks: Server;
  const webhooks: Array<{ type: string; data: { payment: { id: string; attempts: Array<{ authentication: Authentication | null }> } } }> = [];

  before(async function () {
    browser = await launchChromium(this);
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        try {
          webhooks.push(JSON.parse(body));
        } catch {
          // Not a webhook body: ignored.
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`;
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', MERCHANT_WEBHOOK_URL: hookUrl, MERCHANT_WEBHOOK_SECRET: 'b'.repeat(64) });
    apiKey = config.apiKeys[0]!;
    demo = await startDemo(config, createLogger('info', new LogCapture()), { host: '127.0.0.1', bankPort: 0, shopPort: 0 });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await new Promise((resolve) => hooks?.close(resolve));
  });

  async function api<T>(pathname: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${demo.gatewayUrl}/api/v1${pathname}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...init.headers } });
    return (await res.json()) as T;
  }

  async function createPayment(protocol: Protocol): Promise<{ id: string; checkoutUrl: string }> {
    return api('/payments', {
      method: 'POST',
      body: JSON.stringify({ amount: 1200, currency: 'EUR', reference: `3ds-${protocol}-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: protocol }),
    });
  }

  /** From the checkout to the bank's card page, with the card typed and Pay pressed. */
  async function payAtBank(page: Page, checkoutUrl: string, card: string): Promise<void> {
    await page.goto(checkoutUrl);
    await page.click('button[type=submit]');
    await page.waitForURL(`${demo.bankUrl}/pay/**`);
    await page.selectOption('#cardType', 'visa');
    await page.fill('#cardNumber', card);
    await page.fill('#expiry', FUTURE_EXPIRY);
    await page.fill('#cvc', '123');
    await page.click('button[value=pay]');
  }

  async function settled(paymentId: string, status: string): Promise<{ status: string; attempts: Array<{ authentication: Authentication | null; card: unknown }> }> {
    for (let i = 0; i < 100; i += 1) {
      const payment = await api<{ status: string; attempts: Array<{ authentication: Authentication | null; card: unknown }> }>(`/payments/${paymentId}`);
      if (payment.status === status && payment.attempts[0]?.authentication) return payment;
      await sleep(100);
    }
    throw new Error(`payment ${paymentId} never became ${status} with an authentication`);
  }

  async function webhookFor(paymentId: string, type: string) {
    for (let i = 0; i < 100; i += 1) {
      const hook = webhooks.find((w) => w.type === type && w.data.payment.id === paymentId);
      if (hook) return hook;
      await sleep(100);
    }
    throw new Error(`no ${type} webhook for ${paymentId}`);
  }

  for (const protocol of PROTOCOLS) {
    describe(protocol, () => {
      for (const c of CASES) {
        it(`${c.name} (${c.card}): payment ${c.payment}, authentication ${c.status} in the API and the webhook, no CSP violation`, async () => {
          const context = await browser.newContext();
          const page = await context.newPage();
          const violations: string[] = [];
          page.on('console', (msg) => {
            if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
          });
          const { id, checkoutUrl } = await createPayment(protocol);
          await payAtBank(page, checkoutUrl, c.card);
          if (c.challenge) {
            await page.waitForURL(`${demo.bankUrl}/pay/*/challenge`);
            const code = (await page.textContent('[data-testid=challenge-code]'))!.trim();
            if (c.challenge === 'pass') {
              await page.getByLabel('One-time code').fill(code);
              await page.click('button[value=confirm]');
            } else if (c.challenge === 'fail') {
              const wrong = code === '000000' ? '111111' : '000000';
              for (let i = 0; i < 3; i += 1) {
                await page.getByLabel('One-time code').fill(wrong);
                await page.click('button[value=confirm]');
                if (i < 2) await page.waitForSelector('[role=alert]');
              }
            } else {
              await page.click('button[value=cancel]');
            }
          }
          await page.waitForURL(/\/checkout\/[^/]+\/result/);
          const payment = await settled(id, c.payment);
          const expected = expectedAuthentication(protocol, c);
          expect(payment.attempts[0]!.authentication).to.deep.equal(expected);
          expect(payment.attempts[0]!.card).to.deep.equal({ brand: 'visa', last4: c.card.slice(-4) });
          const hook = await webhookFor(id, c.payment === 'succeeded' ? 'payment.succeeded' : 'payment.failed');
          expect(hook.data.payment.attempts[0]!.authentication).to.deep.equal(expected);
          expect(violations).to.deep.equal([]);
          await context.close();
        });
      }
    });
  }

  describe('the challenge page', () => {
    async function reachChallenge(locale: 'en' | 'fr' = 'en') {
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      const { id, checkoutUrl } = await createPayment('native');
      await payAtBank(page, checkoutUrl, '4000 0000 0000 3220');
      await page.waitForURL(`${demo.bankUrl}/pay/*/challenge`);
      return { context, page, id, code: (await page.textContent('[data-testid=challenge-code]'))!.trim() };
    }

    it('passes axe-core with no serious or critical violation, before and after a wrong code', async () => {
      const { context, page, code } = await reachChallenge();
      expect(await seriousAxeViolations(page)).to.deep.equal([]);
      await page.fill('#otp', code === '000000' ? '111111' : '000000');
      await page.click('button[value=confirm]');
      await page.waitForSelector('[role=alert]');
      expect(await seriousAxeViolations(page)).to.deep.equal([]);
      await context.close();
    });

    it('works with the keyboard alone: Tab to the code, type it, Enter confirms; a wrong code brings the focus back to the field', async () => {
      const { context, page, id, code } = await reachChallenge();
      for (let i = 0; i < 10 && (await focusedId(page)) !== 'otp'; i += 1) await page.keyboard.press('Tab');
      expect(await focusedId(page)).to.equal('otp');
      await page.keyboard.type(code === '000000' ? '111111' : '000000');
      await page.keyboard.press('Enter');
      await page.waitForSelector('[role=alert]');
      expect(await focusedId(page), 'focus on the error').to.equal('otp');
      await page.keyboard.type(code);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/checkout\/[^/]+\/result/);
      expect((await settled(id, 'succeeded')).attempts[0]!.authentication).to.include({ status: 'authenticated' });
      await context.close();
    });

    it('speaks French for a French payment, and works with JavaScript off', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const { checkoutUrl } = await api<{ checkoutUrl: string }>('/payments', {
        method: 'POST',
        body: JSON.stringify({ amount: 1200, currency: 'EUR', reference: `3ds-fr-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: 'native', customer: { locale: 'fr' } }),
      });
      await page.goto(checkoutUrl);
      await page.click('button[type=submit]');
      // Without scripts the redirect page shows its own button.
      if (!page.url().startsWith(demo.bankUrl)) await page.click('button[type=submit]');
      await page.waitForURL(`${demo.bankUrl}/pay/**`);
      await page.selectOption('#cardType', 'visa');
      await page.fill('#cardNumber', '4000 0000 0000 3220');
      await page.fill('#expiry', FUTURE_EXPIRY);
      await page.fill('#cvc', '123');
      await page.click('button[value=pay]');
      await page.waitForURL(`${demo.bankUrl}/pay/*/challenge`);
      expect(await page.textContent('h1')).to.equal('Confirmez que c’est bien vous');
      await page.getByLabel('Code à usage unique').fill((await page.textContent('[data-testid=challenge-code]'))!.trim());
      await page.click('button[value=confirm]');
      await page.waitForSelector('noscript button, form button[type=submit]');
      await context.close();
    });
  });
});
