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

/** The demo wires a Monetico connector to the sandbox bank's test server, with a key made at start. */
describe('the demo with Monetico', function () {
  this.timeout(60_000);
  let demo: Demo;
  let apiKey: string;
  let mailDir: string;

  before(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-demo-monetico-mail-'));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', SANDBOX_BANK_PORT: '0', DEMO_SHOP_PORT: '0', LOG_LEVEL: 'info', MAIL_OUTBOX_DIR: mailDir });
    apiKey = config.apiKeys[0]!;
    demo = await startDemo(config, createLogger('info', new LogCapture()), { host: '127.0.0.1' });
  });
  after(async () => {
    await demo?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('a payment created with connector monetico is paid at /monetico/test/paiement.cgi and decided by the server return', async () => {
    const created = await fetch(`${demo.gatewayUrl}/api/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1200, currency: 'EUR', reference: `monetico-demo-${Date.now()}`, returnUrl: `${demo.shopUrl}/orders/1`, connector: 'monetico' }),
    });
    expect(created.status).to.equal(201);
    const payment = (await created.json()) as { id: string; checkoutUrl: string };

    const browser = new Browser();
    const redirect = await browser.submitForm(await browser.get(payment.checkoutUrl), 'form');
    expect(redirect.doc.querySelector('#bank-redirect')?.getAttribute('action')).to.equal(`${demo.bankUrl}/monetico/test/paiement.cgi`);
    const card = await browser.submitForm(redirect, '#bank-redirect');
    expect(card.status, card.html.slice(0, 600)).to.equal(200);
    const back = await browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
    expect(back.doc.querySelector('#return-to-merchant')?.getAttribute('action')).to.equal(`${demo.gatewayUrl}/bank/monetico/return`);
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.url).to.equal(`${demo.gatewayUrl}/checkout/${payment.id}/result`);
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.be.oneOf(['succeeded', 'pending']);
    expect(demo.bank.transactions().at(-1)).to.deep.include({ protocol: 'monetico-test', status: 'authorised', notification: { state: 'delivered', attempts: 1 } });

    const read = await fetch(`${demo.gatewayUrl}/api/v1/payments/${payment.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await read.json()) as { status: string; attempts: Array<{ responseCode: string; card: unknown }> };
    expect(body.status).to.equal('succeeded');
    expect(body.attempts[0]).to.deep.include({ responseCode: 'payetest', card: { brand: 'visa', last4: '4242' } });
    expect((await browser.get(result.url)).doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
  });
});
