import { expect } from 'chai';
import type { Express } from 'express';
import nock from 'nock';
import { parse } from 'node-html-parser';
import request from 'supertest';
import type { AnomalyKind } from '../../src/index.js';
import { createDemoShop, type DemoShopOptions } from '../../demo/shop/app.js';
import { flagText } from '../../demo/shop/anomaly-texts.js';
import { eventBody, hmacHeaders, succeeded } from './webhook-fixtures.js';

const GATEWAY = 'http://gateway.shop-language.test';
const SHOP = 'http://shop.test';
const SECRET = 'whsec_demo_shop_0123456789abcdef';

/** Every anomaly kind the gateway flags (src/core/payment.ts); the compiler checks the list is whole. */
const ANOMALY_KINDS = Object.keys({
  succeeded_after_expiry: 1,
  succeeded_after_cancellation: 1,
  second_success: 1,
  regression_after_success: 1,
  amount_mismatch: 1,
  currency_mismatch: 1,
  unknown_attempt: 1,
  refunds_exceed_captured: 1,
  refund_after_failure: 1,
  captured_by_bank: 1,
} satisfies Record<AnomalyKind, 1>) as AnomalyKind[];

function shop(extra: Partial<DemoShopOptions> = {}): Express {
  return createDemoShop({ publicUrl: SHOP, gatewayUrl: GATEWAY, apiKey: 'sk_test_demo_123', webhookSecret: SECRET, ...extra });
}

async function buy(app: Express, locale: 'en' | 'fr'): Promise<string> {
  let reference = '';
  nock(GATEWAY)
    .post('/api/v1/payments')
    .reply(201, (_uri, body) => {
      reference = (body as { reference: string }).reference;
      return { id: 'pay_abc123', status: 'created', amount: 2480, currency: 'EUR', reference, checkoutUrl: `${GATEWAY}/checkout/pay_abc123`, expiresAt: '2030-01-01T00:30:00.000Z', createdAt: '2030-01-01T00:00:00.000Z', attempts: [] };
    });
  await request(app).post('/buy').type('form').send({ productId: 'tshirt', locale }).expect(303);
  return reference;
}

async function deliver(app: Express, body: string): Promise<void> {
  await request(app).post('/webhooks').set(hmacHeaders(body, SECRET)).send(body).expect(200);
}

async function orderPage(app: Express, reference: string, acceptLanguage?: string) {
  nock(GATEWAY).get('/api/v1/payments').query({ reference }).reply(200, { items: [], nextCursor: null });
  const req = request(app).get(`/orders/${reference}`);
  const res = await (acceptLanguage ? req.set('Accept-Language', acceptLanguage) : req).expect(200);
  return parse(res.text);
}

describe('demo shop: the buyer’s language, dates for people, anomalies in words', () => {
  afterEach(() => nock.cleanAll());

  it('follows Accept-Language like the gateway pages: French for a French browser, English otherwise', async () => {
    const app = shop();
    const fr = parse((await request(app).get('/').set('Accept-Language', 'fr-CA,fr;q=0.9,en;q=0.5').expect(200)).text);
    expect(fr.querySelector('html')?.getAttribute('lang')).to.equal('fr');
    expect(fr.querySelector('#product-mug button')?.textContent).to.equal('Acheter Tasse émaillée');
    expect(fr.querySelector('legend')?.textContent).to.equal('Options de paiement');
    // The payment page's language starts as the buyer's.
    expect(fr.querySelector('#locale option[selected]')?.getAttribute('value')).to.equal('fr');
    expect(fr.querySelector('#product-mug .price')?.textContent).to.equal('12,90\u00a0€');

    for (const header of [undefined, 'en-GB', 'de-DE, es;q=0.8']) {
      const req = request(app).get('/');
      const en = parse((await (header ? req.set('Accept-Language', header) : req).expect(200)).text);
      expect(en.querySelector('html')?.getAttribute('lang'), header).to.equal('en');
      expect(en.querySelector('#product-mug button')?.textContent).to.equal('Buy Enamel mug');
      expect(en.querySelector('#locale option[selected]')?.getAttribute('value')).to.equal('en');
    }
    const notFound = parse((await request(app).get('/nowhere').set('Accept-Language', 'fr').expect(404)).text);
    expect(notFound.querySelector('html')?.getAttribute('lang')).to.equal('fr');
  });

  it('writes the payment time for people, in the merchant’s time zone and the order’s language', async () => {
    const app = shop({ timeZone: 'Europe/Paris' });
    for (const [locale, text] of [['fr', '1 janvier 2030 à 01:02'], ['en', '1 January 2030 at 01:02']] as const) {
      const reference = await buy(app, locale);
      // Paid at 00:02 UTC: 01:02 in Paris in January.
      await deliver(app, succeeded(reference, 3, { createdAt: '2030-01-01T00:02:00.000Z' }));
      const page = await orderPage(app, reference);
      expect(page.querySelector('html')?.getAttribute('lang')).to.equal(locale);
      expect(page.querySelector('#paid-at')?.textContent).to.equal(text);
      expect(page.querySelector('#paid-at')?.getAttribute('datetime')).to.equal('2030-01-01T00:02:00.000Z');
    }
    const list = parse((await request(app).get('/orders').expect(200)).text);
    for (const time of list.querySelectorAll('tbody time')) expect(time.textContent).to.match(/^\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}$/);
  });

  it('says each anomaly kind in words, English and French, with its code beside', async () => {
    const sentences = new Set<string>();
    for (const kind of ANOMALY_KINDS) {
      for (const locale of ['en', 'fr'] as const) {
        const text = flagText(kind, locale);
        expect(text, kind).not.to.equal(kind);
        expect(text, kind).not.to.contain('_');
        sentences.add(text);
      }
    }
    expect(sentences.size).to.equal(ANOMALY_KINDS.length * 2);
    expect(flagText('succeeded_after_expiry', 'en')).to.equal('Paid after the payment had expired: check before shipping.');
    expect(flagText('succeeded_after_expiry', 'fr')).to.equal('Payée après l’expiration du paiement\u00a0: à vérifier avant l’expédition.');

    const app = shop();
    const reference = await buy(app, 'en');
    await deliver(app, eventBody({ type: 'payment.expired', reference, version: 3 }));
    await deliver(app, succeeded(reference, 4));
    await deliver(app, eventBody({ type: 'payment.anomaly', reference, version: 4, status: 'succeeded', anomaly: 'succeeded_after_expiry' }));
    const flag = (await orderPage(app, reference)).querySelector('#order-flags li[data-flag="succeeded_after_expiry"]');
    expect(flag?.textContent).to.equal('Paid after the payment had expired: check before shipping. succeeded_after_expiry');
  });
});

describe('the demo shop\'s error pages in the buyer\'s language', () => {
  it('a French buyer reads the shop\'s own error pages in French, an English one in English', async () => {
    const app = shop();
    const missingFr = await request(app).get('/orders/order-nothere1').set('Accept-Language', 'fr-FR,fr;q=0.9');
    expect(missingFr.status).to.equal(404);
    expect(parse(missingFr.text).querySelector('main')!.text).to.contain('Commande introuvable').and.contain('Nous n’avons aucune commande avec cette référence.');
    const lostFr = await request(app).get('/nowhere').set('Accept-Language', 'fr');
    expect(lostFr.status).to.equal(404);
    expect(parse(lostFr.text).querySelector('main')!.text).to.contain('Page introuvable').and.not.contain('Page not found');
    const lostEn = await request(app).get('/nowhere').set('Accept-Language', 'en-GB');
    expect(parse(lostEn.text).querySelector('main')!.text).to.contain('Page not found');
  });

  it('every title and detail the shop writes on an error page has its French text', async () => {
    const { readFile } = await import('node:fs/promises');
    const { TRANSLATED_PROBLEMS } = await import('../../demo/shop/shop-texts.js');
    const sources = (await Promise.all(['demo/shop/app.ts', 'demo/shop/gateway-client.ts'].map((f) => readFile(f, 'utf8')))).join('\n');
    const written = [
      ...[...sources.matchAll(/problemPage\(views, res, \d+, '([^']+)', '([^']+)'\)/g)].flatMap((m) => [m[1]!, m[2]!]),
      ...[...sources.matchAll(/title: '([^']+)', detail: '([^']+)'/g)].flatMap((m) => [m[1]!, m[2]!]),
    ];
    expect(written.length).to.be.at.least(20);
    expect(written.filter((text) => !TRANSLATED_PROBLEMS.includes(text))).to.deep.equal([]);
  });
});
