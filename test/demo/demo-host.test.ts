import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { simpleParser, type AddressObject } from 'mailparser';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { DEMO_MERCHANT_EMAIL, demoOptionsFromEnv, startDemo, type Demo } from '../../demo/start-demo.js';
import { Browser } from '../support/browser.js';
import { payWithVisaAtDemoBank } from '../support/demo-buyer.js';
import { LogCapture } from '../support/stack.js';

/**
 * DEMO_HOST: the demo tried from another device. 127.0.0.2 stands for the machine's address on the
 * network: it is not the 127.0.0.1 or `localhost` the demo uses by default, so every URL that still
 * said localhost would show here, and the listeners must take it (they listen on every interface).
 */
const OTHER_HOST = '127.0.0.2';

describe('the demo at DEMO_HOST (another device on the same network)', function () {
  this.timeout(60_000);
  let demo: Demo;
  let mailDir: string;

  before(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-demo-host-mail-'));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', MAIL_OUTBOX_DIR: mailDir });
    demo = await startDemo(config, createLogger('info', new LogCapture()), demoOptionsFromEnv({ DEMO_HOST: OTHER_HOST, SANDBOX_BANK_PORT: '0', DEMO_SHOP_PORT: '0' }));
  });
  after(async () => {
    await demo?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('reads DEMO_HOST, and refuses what a device could not type in a URL', () => {
    expect(demoOptionsFromEnv({ DEMO_HOST: '192.168.1.20' })).to.deep.include({ host: '192.168.1.20', listenHost: null });
    expect(demoOptionsFromEnv({ DEMO_HOST: 'laptop.local', HOST: '192.168.1.20' })).to.deep.include({ host: 'laptop.local', listenHost: '192.168.1.20' });
    expect(demoOptionsFromEnv({})).not.to.have.property('host');
    for (const bad of ['http://192.168.1.20', '192.168.1.20:3000', 'my laptop']) {
      expect(() => demoOptionsFromEnv({ DEMO_HOST: bad })).to.throw(ConfigError, /DEMO_HOST: must be a host name or an IPv4 address/);
    }
  });

  it('gives every URL at DEMO_HOST: the gateway, the sandbox bank and the shop', () => {
    for (const url of [demo.gatewayUrl, demo.bankUrl, demo.shopUrl]) expect(new URL(url).hostname).to.equal(OTHER_HOST);
  });

  it('a buyer at DEMO_HOST buys, pays at the bank and comes back, never sent to localhost', async () => {
    const browser = new Browser();
    const shop = await browser.get(demo.shopUrl);
    expect(shop.status).to.equal(200);
    const checkout = await browser.submitForm(shop, 'form.buy', {}, { name: 'productId', value: shop.doc.querySelector('button[name=productId]')!.getAttribute('value')! });
    expect(checkout.status, checkout.html.slice(0, 600)).to.equal(200);
    expect(new URL(checkout.url).origin).to.equal(demo.gatewayUrl);
    const back = await payWithVisaAtDemoBank(demo, browser, checkout.url, '/pay');
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
    const order = await browser.get(result.doc.querySelector('a[href^="http"]')?.getAttribute('href') ?? `${demo.shopUrl}/orders`);
    for (const url of [...browser.visited, ...order.trail]) expect(new URL(url).hostname, url).to.equal(OTHER_HOST);
    expect(browser.visited.join('\n')).not.to.contain('localhost');
  });

  it('sets a merchant email: the order-paid email of that purchase is in the mail folder, with the console link at DEMO_HOST', async () => {
    const deadline = Date.now() + 10_000;
    let files: string[] = [];
    while (!(files = (await readdir(mailDir)).filter((f) => f.endsWith('-order-paid.eml'))).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(files).to.have.length(1);
    const mail = await simpleParser(await readFile(path.join(mailDir, files[0]!)));
    expect((mail.to as AddressObject).value.map((v) => v.address)).to.deep.equal([DEMO_MERCHANT_EMAIL]);
    expect(mail.text).to.match(new RegExp(`In the console: http://${OTHER_HOST.replace(/\./g, '\\.')}:\\d+/console/payments/pay_`));
  });
});
