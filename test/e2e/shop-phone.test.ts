import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { createDemoShop } from '../../demo/shop/app.js';
import { seriousAxeViolations } from '../support/axe.js';
import { launchChromium } from '../support/chromium.js';

/**
 * The demo shop's products page in Chromium: on a phone (390×844) the checkout options come before
 * the Buy buttons, on screen and for the keyboard; on a desktop they sit beside the products.
 */
describe('the demo shop on a phone and a desktop (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Server;
  let shopUrl: string;

  before(async function () {
    browser = await launchChromium(this);
    const app = createDemoShop({ publicUrl: 'http://127.0.0.1', gatewayUrl: 'http://127.0.0.1:9', apiKey: 'sk_test_demo_123', connectors: ['native', 'sips'] });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    if (server) await new Promise((r) => server.close(r));
  });

  async function open(viewport: { width: number; height: number }, locale: string) {
    const context = await browser.newContext({ viewport, locale });
    const page = await context.newPage();
    await page.goto(shopUrl);
    return { context, page };
  }

  for (const locale of ['en-GB', 'fr-FR']) {
    it(`390×844, ${locale}: the options are above the first Buy button, and nothing is wider than the screen`, async () => {
      const { context, page } = await open({ width: 390, height: 844 }, locale);
      try {
        expect(await page.getAttribute('html', 'lang')).to.equal(locale.slice(0, 2));
        const options = (await page.locator('fieldset.buyer').boundingBox())!;
        const firstBuy = (await page.locator('button[name=productId]').first().boundingBox())!;
        expect(options.y + options.height, 'the options end before the first Buy button starts').to.be.at.most(firstBuy.y);
        expect(options.width).to.be.at.most(390);
        expect((await page.evaluate('document.documentElement.scrollWidth')) as number).to.be.at.most(390);
        expect(await page.locator('button[name=productId]').first().textContent()).to.equal(locale === 'fr-FR' ? 'Acheter Tasse émaillée' : 'Buy Enamel mug');
      } finally {
        await context.close();
      }
    });
  }

  it('390×844, keyboard only: Tab reaches every option before the first Buy button', async () => {
    const { context, page } = await open({ width: 390, height: 844 }, 'en-GB');
    try {
      const order: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        await page.keyboard.press('Tab');
        // Evaluated in the page (a string: the tests compile without the DOM's types).
        const focused = (await page.evaluate(`(() => {
          const el = document.activeElement;
          return (el && el.id) || (el && el.getAttribute('name') === 'productId' ? 'buy' : el ? el.tagName.toLowerCase() : '');
        })()`)) as string;
        order.push(focused);
        if (focused === 'buy') break;
      }
      const firstBuy = order.indexOf('buy');
      expect(firstBuy, order.join(' → ')).to.be.greaterThan(0);
      for (const id of ['locale', 'connector', 'capture', 'email']) {
        expect(order.indexOf(id), `${id} in ${order.join(' → ')}`).to.be.within(0, firstBuy - 1);
      }
    } finally {
      await context.close();
    }
  });

  it('1280×800: the options sit beside the products, at the top', async () => {
    const { context, page } = await open({ width: 1280, height: 800 }, 'en-GB');
    try {
      const options = (await page.locator('fieldset.buyer').boundingBox())!;
      const products = (await page.locator('ul.products').boundingBox())!;
      expect(options.x, 'options to the right of the products').to.be.at.least(products.x + products.width);
      expect(Math.abs(options.y - products.y)).to.be.below(40);
    } finally {
      await context.close();
    }
  });

  for (const [width, height] of [[390, 844], [1280, 800]] as const) {
    for (const locale of ['en-GB', 'fr-FR']) {
      it(`${width}×${height}, ${locale}: axe-core finds no serious or critical violation on the products and orders pages`, async () => {
        const { context, page } = await open({ width, height }, locale);
        try {
          expect(await seriousAxeViolations(page), 'products page').to.deep.equal([]);
          await page.goto(`${shopUrl}/orders`);
          expect(await seriousAxeViolations(page), 'orders page').to.deep.equal([]);
        } finally {
          await context.close();
        }
      });
    }
  }
});
