import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startDemo, type Demo } from '../../demo/start-demo.js';
import { createLogger } from '../../src/logger.js';
import { launchChromium } from '../support/chromium.js';
import { LogCapture } from '../support/stack.js';

// The page's own globals, as seen by the functions passed to page.evaluate (the project compiles without the DOM library).
interface PageElement {
  id: string;
  matches(selector: string): boolean;
  getBoundingClientRect(): { top: number; bottom: number };
  submit(): void;
}
declare const document: { activeElement: PageElement | null; readyState: string; body: PageElement; querySelector(s: string): PageElement | null; getElementById(id: string): PageElement | null };
declare function getComputedStyle(element: PageElement): { fontFamily: string; backgroundColor: string };

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const YEAR = String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const LOCALES = ['en', 'fr'] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * axe-core's serious and critical findings on the page as it is. page.evaluate runs outside the
 * page's CSP, so the pages keep theirs while they are checked.
 */
async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const found = await (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run();
    return found.violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${page.url()} ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Moves the focus with Tab only, as a keyboard user does, until it rests on `selector`. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}`);
}

const focusedId = (page: Page): Promise<string | undefined> => page.evaluate(() => document.activeElement?.id);

describe('the buyer\'s pages in Chromium: keyboard only, axe-core, desktop and phone, English and French', function () {
  this.timeout(120_000);
  let browser: Browser;
  let demo: Demo;

  before(async function () {
    browser = await launchChromium(this);
    // Direct mode by setting: the demo shop's Buy goes straight on to the bank.
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'warn', CHECKOUT_MODE: 'direct', MERCHANT_ACCENT_COLOR: '#0b6e4f', MERCHANT_TIME_ZONE: 'Europe/Paris' });
    demo = await startDemo(config, createLogger('warn', new LogCapture()), { host: '127.0.0.1', bankPort: 0, shopPort: 0 });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function open(viewport: (typeof VIEWPORTS)[number], locale: string): Promise<{ context: BrowserContext; page: Page; violations: string[]; bankPosts: string[] }> {
    const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, locale: locale === 'fr' ? 'fr-FR' : 'en-GB' });
    const page = await context.newPage();
    const violations: string[] = [];
    const bankPosts: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
    });
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().startsWith(`${demo.bankUrl}/pay/`)) bankPosts.push(req.url());
    });
    return { context, page, violations, bankPosts };
  }

  for (const viewport of VIEWPORTS) {
    for (const locale of LOCALES) {
      it(`${viewport.name}, ${locale}: shop → bank with no second click, card checks in the page, paid, result clean`, async () => {
        const { context, page, violations, bankPosts } = await open(viewport, locale);
        await page.goto(demo.shopUrl);
        await page.selectOption('#locale', locale);
        await tabTo(page, '#product-tshirt button');
        await page.keyboard.press('Enter');
        // Direct mode: the checkout page sends itself on, no click on the gateway.
        await page.waitForURL(`${demo.bankUrl}/pay/**`);
        expect(await axeFindings(page)).to.deep.equal([]);
        const t = locale === 'fr' ? { pay: /^Payer 24,80\s€$/, problem: 'Ce numéro de carte' } : { pay: /^Pay €24\.80$/, problem: 'This card number is not valid' };
        expect((await page.textContent('button[value=pay]'))?.trim()).to.match(t.pay);
        // No stray gap between the header and the sandbox notice.
        const gap = await page.evaluate(() => document.querySelector('.sandbox')!.getBoundingClientRect().top - document.querySelector('header')!.getBoundingClientRect().bottom);
        expect(gap).to.equal(0);

        // Typed number preselects the card type; a typo is caught before anything is sent.
        await tabTo(page, '#cardNumber');
        await page.keyboard.type('4242 4242 4242 4241');
        expect(await page.inputValue('#cardType')).to.equal('visa');
        await tabTo(page, '#expiry');
        await page.keyboard.type(`12${YEAR}`);
        await tabTo(page, '#cvc');
        await page.keyboard.type('123');
        await tabTo(page, 'button[value=pay]');
        await page.keyboard.press('Enter');
        await page.waitForSelector('#cardNumber-error:not([hidden])');
        expect(bankPosts).to.deep.equal([]);
        expect(await focusedId(page)).to.equal('cardNumber');
        expect(await page.textContent('#cardNumber-error')).to.contain(t.problem);
        expect(await page.getAttribute('#cardNumber', 'aria-invalid')).to.equal('true');
        expect(await axeFindings(page)).to.deep.equal([]);

        // A cleared field is flagged too.
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Backspace');
        await tabTo(page, '#expiry');
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Backspace');
        await tabTo(page, 'button[value=pay]');
        await page.keyboard.press('Enter');
        await page.waitForSelector('#expiry-error:not([hidden])');
        expect(await focusedId(page)).to.equal('cardNumber');
        expect(bankPosts).to.deep.equal([]);

        await page.focus('#cardNumber');
        await page.keyboard.type('4242424242424242');
        await tabTo(page, '#expiry');
        await page.keyboard.type(`12 / ${YEAR}`);
        await tabTo(page, 'button[value=pay]');
        await page.keyboard.press('Enter');
        await page.waitForURL(`${demo.gatewayUrl}/checkout/*/result`);
        expect(bankPosts).to.have.length(1);
        expect(await page.getAttribute('[data-status]', 'data-status')).to.equal('succeeded');
        const body = (await page.textContent('main')) ?? '';
        if (locale === 'fr') expect(body).to.contain('Carte').and.contain('Visa •••• 4242').and.not.contain('Card');
        else expect(body).to.contain('Card').and.contain('Visa •••• 4242');
        expect(body).to.match(/UTC[+−]\d|CES?T|GMT[+−]\d/);
        expect(await axeFindings(page)).to.deep.equal([]);
        await tabTo(page, 'a.button');
        await page.keyboard.press('Enter');
        await page.waitForURL(`${demo.shopUrl}/orders/**`);
        expect(violations).to.deep.equal([]);
        await context.close();
      });
    }
  }

  async function confirmPayment(locale: string): Promise<{ checkoutUrl: string }> {
    const res = await fetch(`${demo.gatewayUrl}/api/v1/payments`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_demo', 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1999, currency: 'EUR', reference: `kb-${Date.now()}`, description: 'A mug', checkout: 'confirm', cancelUrl: `${demo.shopUrl}/`, customer: { locale }, returnUrl: `${demo.shopUrl}/` }),
    });
    expect(res.status).to.equal(201);
    return (await res.json()) as { checkoutUrl: string };
  }

  // Two of the four combinations: the journey above covers the others on the pages both share.
  for (const [viewport, locale] of [[VIEWPORTS[0], 'en'], [VIEWPORTS[1], 'fr']] as const) {
    {
      it(`${viewport.name}, ${locale}: checkout page (confirm) and the redirect page are axe-clean and work from the keyboard`, async () => {
        const { context, page, violations } = await open(viewport, locale);
        const { checkoutUrl } = await confirmPayment(locale);
        await page.goto(checkoutUrl);
        expect(await axeFindings(page)).to.deep.equal([]);
        expect(await page.textContent('#minutes-left')).to.match(/^\d+$/);
        // Buttons are written in the page's font.
        const fonts = await page.evaluate(() => [getComputedStyle(document.body).fontFamily, getComputedStyle(document.querySelector('button.primary')!).fontFamily]);
        expect(fonts[1]).to.equal(fonts[0]);
        expect(await page.evaluate(() => getComputedStyle(document.querySelector('button.primary')!).backgroundColor)).to.equal('rgb(11, 110, 79)');
        // The bank answers the redirect page's first POST with 204 No Content: the browser stays on the
        // redirect page, which is checked; then the form goes again, to the real bank.
        await page.route(`${demo.bankUrl}/**`, (route) => route.fulfill({ status: 204 }), { times: 1 });
        await tabTo(page, '#pay-form button');
        await page.keyboard.press('Enter');
        await page.waitForURL(`${demo.gatewayUrl}/checkout/*/pay`, { waitUntil: 'commit' });
        await page.waitForFunction(() => document.getElementById('bank-redirect') !== null && document.readyState === 'complete');
        expect(await axeFindings(page)).to.deep.equal([]);
        await page.unrouteAll();
        await page.evaluate(() => document.getElementById('bank-redirect')!.submit());
        await page.waitForURL(`${demo.bankUrl}/pay/**`);
        // Cancel at the bank, from the keyboard, then back to the checkout and away to the shop.
        await tabTo(page, 'button[value=cancel]');
        await page.keyboard.press('Enter');
        await page.waitForURL(`${demo.gatewayUrl}/checkout/*/result`);
        expect(await axeFindings(page)).to.deep.equal([]);
        expect(violations).to.deep.equal([]);
        await context.close();
      });
    }
  }

  it('the way back to the shop leaves the payment payable', async () => {
    const { context, page } = await open(VIEWPORTS[0], 'en');
    const { checkoutUrl } = await confirmPayment('en');
    await page.goto(checkoutUrl);
    await tabTo(page, '#back-to-shop');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${demo.shopUrl}/`);
    await page.goto(checkoutUrl);
    expect(await page.isVisible('#pay-form button')).to.equal(true);
    await context.close();
  });
});
