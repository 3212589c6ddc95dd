import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startDemo, type Demo } from '../../demo/start-demo.js';
import { createLogger } from '../../src/logger.js';
import { launchChromium } from '../support/chromium.js';
import { LogCapture } from '../support/stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

/**
 * The demo in a real Chromium: scripts run under the real CSP (nonces, form-action applied to the
 * redirects that follow each form), cookies follow SameSite rules, and the buyer clicks what a buyer clicks.
 */
describe('the demo in a real browser (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let demo: Demo;
  let logs: LogCapture;

  before(async function () {
    browser = await launchChromium(this);
    logs = new LogCapture();
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info' });
    demo = await startDemo(config, createLogger('info', logs), { host: '127.0.0.1', bankPort: 0, shopPort: 0 });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function buyAndReachBank(product: string, locale = 'en') {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
    });
    await page.goto(demo.shopUrl);
    await page.selectOption('#locale', locale);
    await page.click(`#product-${product} button`);
    await page.waitForURL(`${demo.gatewayUrl}/checkout/**`);
    await page.click('button[type=submit]');
    // The auto-submitting form runs under the CSP nonce and lands on the bank's card page.
    await page.waitForURL(`${demo.bankUrl}/pay/**`);
    return { context, page, violations };
  }

  it('pays with 4242…: auto-submits to the bank and back, result succeeded, shop shows it, no CSP violation', async () => {
    const { context, page, violations } = await buyAndReachBank('tshirt');
    await page.getByLabel('Card type').selectOption('visa');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry date (MM/YY)').fill(FUTURE_EXPIRY);
    await page.getByLabel('Security code').fill('123');
    await page.click('button[value=pay]');
    await page.waitForURL(`${demo.gatewayUrl}/checkout/*/result`);
    expect(await page.getAttribute('[data-status]', 'data-status')).to.equal('succeeded');
    await page.click('a.button');
    await page.waitForURL(`${demo.shopUrl}/orders/**`);
    expect(await page.textContent('body')).to.match(/paid|succeeded/i);
    expect(violations).to.deep.equal([]);
    expect(logs.text()).not.to.match(/4242\s?4242\s?4242\s?4242/);
    await context.close();
  });

  it('a refused card shows Try again, which goes back to the bank', async () => {
    const { context, page, violations } = await buyAndReachBank('mug', 'fr');
    await page.selectOption('#cardType', 'visa');
    await page.fill('#cardNumber', '4000 0000 0000 0002');
    await page.fill('#expiry', FUTURE_EXPIRY);
    await page.fill('#cvc', '123');
    await page.click('button[value=pay]');
    await page.waitForURL(`${demo.gatewayUrl}/checkout/*/result`);
    expect(await page.getAttribute('[data-status]', 'data-status')).to.equal('failed');
    expect(await page.textContent('h1')).to.contain('Paiement refusé');
    await page.click('button[type=submit]');
    await page.waitForURL(`${demo.bankUrl}/pay/**`);
    await page.click('button[value=cancel]');
    await page.waitForURL(`${demo.gatewayUrl}/checkout/*/result`);
    expect(await page.getAttribute('[data-status]', 'data-status')).to.equal('cancelled');
    expect(violations).to.deep.equal([]);
    await context.close();
  });
});
