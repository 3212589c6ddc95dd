import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { startDemo, type Demo } from '../../../src/demo.js';
import { createLogger } from '../../../src/logger.js';
import { Browser } from '../../support/browser.js';
import { LogCapture } from '../../support/stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

/** The demo wires a Lyra connector to the sandbox bank with a TEST key made at start: a Lyra payment goes through. */
describe('the demo with Lyra', function () {
  this.timeout(60_000);
  let demo: Demo;
  let apiKey: string;
  let mailDir: string;

  before(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-demo-lyra-mail-'));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', SANDBOX_BANK_PORT: '0', DEMO_SHOP_PORT: '0', LOG_LEVEL: 'info', MAIL_OUTBOX_DIR: mailDir });
    apiKey = config.apiKeys[0]!;
    demo = await startDemo(config, createLogger('info', new LogCapture()), { host: '127.0.0.1' });
  });
  after(async () => {
    await demo?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('a payment created with connector lyra is paid at the sandbox bank through /lyra/vads-payment/', async () => {
    const created = await fetch(`${demo.gatewayUrl}/api/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1200, currency: 'EUR', reference: `lyra-demo-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: 'lyra' }),
    });
    expect(created.status).to.equal(201);
    const payment = (await created.json()) as { id: string; checkoutUrl: string };

    const browser = new Browser();
    const redirect = await browser.submitForm(await browser.get(payment.checkoutUrl), 'form');
    expect(redirect.doc.querySelector('#bank-redirect')?.getAttribute('action')).to.equal(`${demo.bankUrl}/lyra/vads-payment/`);
    const card = await browser.submitForm(redirect, '#bank-redirect');
    expect(card.status, card.html.slice(0, 600)).to.equal(200);
    const back = await browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
    expect(demo.bank.transactions().at(-1)).to.deep.include({ protocol: 'lyra', status: 'authorised', notification: { state: 'delivered', attempts: 1 } });
  });
});
