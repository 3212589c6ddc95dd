import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { startDemo, type Demo } from '../../demo/start-demo.js';
import { createLogger } from '../../src/logger.js';
import type { Browser, Page } from './browser.js';
import { LogCapture } from './stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

/** The demo (gateway, sandbox bank and demo shop) on ephemeral ports, with its own mail folder; `apiKey` is one it accepts. */
export interface RunningDemo {
  demo: Demo;
  apiKey: string;
  /** Stops the demo and removes its mail folder. */
  close(): Promise<void>;
}

export async function startTestDemo(connector: string): Promise<RunningDemo> {
  const mailDir = await mkdtemp(path.join(tmpdir(), `hpp-demo-${connector}-mail-`));
  const removeMail = () => rm(mailDir, { recursive: true, force: true });
  try {
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', MAIL_OUTBOX_DIR: mailDir });
    const demo = await startDemo(config, createLogger('info', new LogCapture()), { host: '127.0.0.1', bankPort: 0, shopPort: 0 });
    return {
      demo,
      apiKey: config.apiKeys[0]!,
      async close() {
        await demo.close();
        await removeMail();
      },
    };
  } catch (error) {
    await removeMail();
    throw error;
  }
}

/** A payment of 12.00 EUR through `connector`, created by the API as the shop would. */
export async function createDemoPayment({ demo, apiKey }: RunningDemo, connector: string): Promise<{ id: string; checkoutUrl: string }> {
  const created = await fetch(`${demo.gatewayUrl}/api/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1200, currency: 'EUR', reference: `${connector}-demo-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector }),
  });
  expect(created.status).to.equal(201);
  return (await created.json()) as { id: string; checkoutUrl: string };
}

/**
 * The buyer pays from the checkout: sent to the sandbox bank at `bankPath`, they pay there with a Visa
 * 4242…; returns the bank's page that sends them back to the gateway.
 */
export async function payWithVisaAtDemoBank(demo: Demo, browser: Browser, checkoutUrl: string, bankPath: string): Promise<Page> {
  const redirect = await browser.submitForm(await browser.get(checkoutUrl), 'form');
  expect(redirect.doc.querySelector('#bank-redirect')?.getAttribute('action')).to.equal(`${demo.bankUrl}${bankPath}`);
  const card = await browser.submitForm(redirect, '#bank-redirect');
  expect(card.status, card.html.slice(0, 600)).to.equal(200);
  return browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
}
