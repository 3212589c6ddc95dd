import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { SHOP } from '../support/gateway.js';

const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#c00"/></svg>';

async function create(gw: TestGateway, overrides: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, any> }> {
  const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment(overrides));
  return { status: res.status, body: res.body };
}

const attemptsOf = async (gw: TestGateway, id: string): Promise<unknown[]> =>
  (await request(gw.app).get(`/api/v1/payments/${id}`).set('Authorization', `Bearer ${API_KEY}`)).body.attempts;

describe('checkout page', () => {
  let gw: TestGateway;
  afterEach(() => gw?.close());

  describe('direct mode', () => {
    it('chosen per payment: the page sends its own POST form by a nonce script, and a bare GET (twice) opens no attempt', async () => {
      gw = await testGateway();
      const { status, body } = await create(gw, { checkout: 'direct' });
      expect(status).to.equal(201);
      expect(body.checkout).to.equal('direct');
      for (let i = 0; i < 2; i += 1) {
        const page = await request(gw.app).get(`/checkout/${body.id}`);
        expect(page.status).to.equal(200);
        expect(page.text).to.match(/<form id="pay-form" method="post" action="\/checkout\/pay_[^"]+\/pay" data-direct="true">/);
        const nonce = /script-src 'nonce-([^']+)'/.exec(String(page.headers['content-security-policy']))![1];
        expect(page.text).to.contain(`<script nonce="${nonce}">`).and.contain('form.submit()');
        // The no-script way on: a visible Pay button in the same form.
        expect(page.text).to.match(/<button type="submit" class="primary">Pay €24.80<\/button>/);
      }
      expect(await attemptsOf(gw, body.id)).to.deep.equal([]);
    });

    it('by setting (CHECKOUT_MODE=direct), unless the payment asks to confirm; never again once an attempt was made', async () => {
      gw = await testGateway({ env: { CHECKOUT_MODE: 'direct' } });
      const byDefault = (await create(gw)).body;
      expect(byDefault).to.not.have.property('checkout');
      expect((await request(gw.app).get(`/checkout/${byDefault.id}`)).text).to.contain('data-direct="true"');
      const confirm = (await create(gw, { checkout: 'confirm' })).body;
      expect((await request(gw.app).get(`/checkout/${confirm.id}`)).text).to.not.contain('data-direct="true"');
      // Back from the bank with the Back button: the attempt is pending, the page waits for the buyer.
      await gw.app.gateway.service.startAttempt(byDefault.id, 'native');
      expect((await request(gw.app).get(`/checkout/${byDefault.id}`)).text).to.not.contain('data-direct="true"');
    });

    it('is confirm by default, and refuses an unknown mode', async () => {
      gw = await testGateway();
      const { body } = await create(gw);
      expect((await request(gw.app).get(`/checkout/${body.id}`)).text).to.not.contain('data-direct="true"');
      const bad = await create(gw, { checkout: 'auto' });
      expect(bad.status).to.equal(400);
      expect(JSON.stringify(bad.body)).to.contain('checkout must be confirm');
    });
  });

  describe('way back to the shop', () => {
    it('links to the cancelUrl given at create (allow-listed), else to the returnUrl, and leaves the payment payable', async () => {
      gw = await testGateway();
      const withCancel = (await create(gw, { cancelUrl: `${SHOP}/cart?cancelled=1` })).body;
      expect(withCancel.cancelUrl).to.equal(`${SHOP}/cart?cancelled=1`);
      const page = await request(gw.app).get(`/checkout/${withCancel.id}`);
      expect(page.text).to.contain(`<a href="${SHOP}/cart?cancelled=1" rel="noreferrer" id="back-to-shop">Back to the shop</a>`);
      const plain = (await create(gw)).body;
      expect((await request(gw.app).get(`/checkout/${plain.id}`)).text).to.contain(`<a href="${SHOP}/orders/1" rel="noreferrer" id="back-to-shop">`);
      const after = await request(gw.app).get(`/api/v1/payments/${withCancel.id}`).set('Authorization', `Bearer ${API_KEY}`);
      expect(after.body.status).to.equal('created');
      const offList = await create(gw, { cancelUrl: 'https://evil.example/cart' });
      expect(offList.status).to.equal(400);
      expect(JSON.stringify(offList.body)).to.contain('cancelUrl must be an absolute URL on an allow-listed origin');
    });
  });

  describe('way back to the shop, told to the merchant (notifyCheckoutAbandoned)', () => {
    const eventTypes = async (gw: TestGateway, id: string): Promise<string[]> => (await gw.app.gateway.store.listEvents(id)).map((e) => e.type);

    it('links through the gateway, which records payment.checkout_abandoned once, redirects to the shop, and leaves the payment payable', async () => {
      gw = await testGateway();
      const { status, body } = await create(gw, { cancelUrl: `${SHOP}/cart?cancelled=1`, notifyCheckoutAbandoned: true });
      expect(status).to.equal(201);
      expect(body.notifyCheckoutAbandoned).to.equal(true);
      const page = await request(gw.app).get(`/checkout/${body.id}`);
      const link = /<a href="([^"]+)" rel="noreferrer" id="back-to-shop">Back to the shop<\/a>/.exec(page.text)?.[1];
      expect(new URL(link!).pathname).to.equal(`/checkout/${body.id}/back`);

      // A HEAD (a link checker) records nothing.
      expect((await request(gw.app).head(`/checkout/${body.id}/back`)).status).to.equal(303);
      expect(await eventTypes(gw, body.id)).to.deep.equal(['payment.created']);

      for (let i = 0; i < 3; i += 1) {
        const back = await request(gw.app).get(`/checkout/${body.id}/back`);
        expect(back.status).to.equal(303);
        expect(back.headers.location).to.equal(`${SHOP}/cart?cancelled=1`);
      }
      expect(await eventTypes(gw, body.id)).to.deep.equal(['payment.created', 'payment.checkout_abandoned']);
      const after = await request(gw.app).get(`/api/v1/payments/${body.id}`).set('Authorization', `Bearer ${API_KEY}`);
      expect(after.body.status).to.equal('created');
      expect(after.body.checkoutAbandonedAt).to.be.a('string');

      // Still payable: the buyer comes back and goes to the bank; leaving again tells nothing new.
      await gw.app.gateway.service.startAttempt(body.id, 'native');
      expect((await request(gw.app).get(`/checkout/${body.id}/back`)).status).to.equal(303);
      expect(await eventTypes(gw, body.id)).to.deep.equal(['payment.created', 'payment.checkout_abandoned', 'payment.pending']);
    });

    it('not asked for: the plain link, and the gateway route records nothing; a final payment records nothing either', async () => {
      gw = await testGateway();
      const plain = (await create(gw)).body;
      expect(plain).to.not.have.property('notifyCheckoutAbandoned');
      const back = await request(gw.app).get(`/checkout/${plain.id}/back`);
      expect(back.status).to.equal(303);
      expect(back.headers.location).to.equal(`${SHOP}/orders/1`);
      expect(await eventTypes(gw, plain.id)).to.deep.equal(['payment.created']);

      const cancelled = (await create(gw, { notifyCheckoutAbandoned: true })).body;
      await request(gw.app).post(`/api/v1/payments/${cancelled.id}/cancel`).set('Authorization', `Bearer ${API_KEY}`).expect(200);
      expect((await request(gw.app).get(`/checkout/${cancelled.id}/back`)).status).to.equal(303);
      expect(await eventTypes(gw, cancelled.id)).to.deep.equal(['payment.created', 'payment.cancelled']);

      const bad = await create(gw, { notifyCheckoutAbandoned: 'yes' });
      expect(bad.status).to.equal(400);
      expect(JSON.stringify(bad.body)).to.contain('notifyCheckoutAbandoned must be true');
      expect((await request(gw.app).get('/checkout/pay_notapaymentid/back')).status).to.equal(404);
    });
  });

  describe('time left and expiry', () => {
    it('says the minutes left and the expiry time in the buyer\'s language and the merchant\'s time zone', async () => {
      gw = await testGateway({ env: { MERCHANT_TIME_ZONE: 'Europe/Paris', PAYMENT_TTL: '30m' } });
      const { body } = await create(gw, { customer: { locale: 'fr' } });
      const page = await request(gw.app).get(`/checkout/${body.id}`);
      expect(page.text).to.match(/Temps restant pour payer\u202f: <strong><span id="minutes-left">(29|30)<\/span> min<\/strong>/);
      const expected = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris', timeZoneName: 'short' }).format(new Date(body.expiresAt));
      expect(page.text).to.contain(`<time datetime="${body.expiresAt}">${expected}</time>`);
      expect(expected).to.match(/UTC\+[12]/);
    });

    it('refuses a time zone Intl does not know, naming the setting', async () => {
      let message = '';
      try {
        gw = await testGateway({ env: { MERCHANT_TIME_ZONE: 'Mars/Olympus' } });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.contain('MERCHANT_TIME_ZONE must be a time zone such as Europe/Paris or UTC (an IANA name)');
    });
  });

  describe('merchant branding', () => {
    it('serves the logo read at start from the gateway itself, and the accent colour through a served stylesheet', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'hpp-logo-'));
      const file = path.join(dir, 'logo.svg');
      writeFileSync(file, LOGO_SVG);
      gw = await testGateway({ env: { MERCHANT_LOGO: file, MERCHANT_ACCENT_COLOR: '#FFD700' } });
      // Read once at start: a later change of the file changes nothing.
      writeFileSync(file, '<svg xmlns="http://www.w3.org/2000/svg"/>');
      const { body } = await create(gw);
      const page = await request(gw.app).get(`/checkout/${body.id}`);
      expect(page.text).to.contain('<img class="merchant-logo" src="/assets/merchant-logo" alt="Demo Shop logo">');
      expect(page.text).to.contain('<link rel="stylesheet" href="/assets/merchant-theme.css">');
      expect(page.headers['content-security-policy']).to.contain("default-src 'self'").and.contain("img-src 'self' data:").and.contain("style-src 'self'");
      const logo = await request(gw.app).get('/assets/merchant-logo');
      expect(logo.status).to.equal(200);
      expect(logo.headers['content-type']).to.match(/^image\/svg\+xml/);
      expect(logo.body.toString()).to.equal(LOGO_SVG);
      expect(logo.headers['content-security-policy']).to.contain('sandbox');
      const theme = await request(gw.app).get('/assets/merchant-theme.css');
      expect(theme.headers['content-type']).to.match(/^text\/css/);
      // A pale gold button gets dark text, not white.
      expect(theme.text).to.equal(':root { --accent: #ffd700; --on-accent: #1d2433; }\n');
    });

    it('without settings shows no logo and keeps the default colours', async () => {
      gw = await testGateway({ env: { MERCHANT_ACCENT_COLOR: '#123456' } });
      const { body } = await create(gw);
      expect((await request(gw.app).get(`/checkout/${body.id}`)).text).to.not.contain('merchant-logo');
      const missing = await request(gw.app).get('/assets/merchant-logo');
      expect(missing.status).to.equal((await request(gw.app).get('/assets/no-such-file')).status).and.to.be.within(400, 404);
      expect((await request(gw.app).get('/assets/merchant-theme.css')).text).to.equal(':root { --accent: #123456; --on-accent: #ffffff; }\n');
    });

    it('refuses a colour that is not hex and a logo that does not exist, naming each setting', async () => {
      const refusal = async (env: Record<string, string>): Promise<string> => {
        try {
          gw = await testGateway({ env });
        } catch (err) {
          return (err as Error).message;
        }
        return '';
      };
      expect(await refusal({ MERCHANT_ACCENT_COLOR: 'red;}body{display:none' })).to.contain('MERCHANT_ACCENT_COLOR must be a hex colour');
      expect(await refusal({ MERCHANT_LOGO: '/nowhere/logo.png' })).to.contain('MERCHANT_LOGO: "/nowhere/logo.png" does not exist');
      expect(await refusal({ MERCHANT_LOGO: '/etc/passwd' })).to.contain('must be a .png, .svg, .jpg or .webp file');
    });
  });
});

describe('result page', () => {
  let gw: TestGateway;
  afterEach(() => gw?.close());

  async function paid(locale: 'en' | 'fr', brand: string): Promise<string> {
    const { body } = await create(gw, { customer: { locale } });
    const { attempt } = await gw.app.gateway.service.startAttempt(body.id, 'native');
    const token = await gw.bank.sign({ ref: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1', auth_code: 'A1', card: { brand, last4: '4242' } });
    await request(gw.app).post('/bank/native/notify').type('form').send({ response: token }).expect(200);
    return body.id as string;
  }

  it('is translated, writes the brand as the network does, and the date in the merchant\'s time zone', async () => {
    gw = await testGateway({ env: { MERCHANT_TIME_ZONE: 'America/New_York' } });
    const fr = await request(gw.app).get(`/checkout/${await paid('fr', 'visa')}/result`);
    expect(fr.text).to.contain('<dt>Carte</dt><dd>Visa •••• 4242</dd>').and.match(/24,80\s€/);
    expect(fr.text).to.not.contain('Card');
    expect(fr.text).to.match(/<dt>Date<\/dt><dd>[^<]*UTC−[45]<\/dd>/);
    const en = await request(gw.app).get(`/checkout/${await paid('en', 'amex')}/result`);
    expect(en.text).to.contain('<dt>Card</dt><dd>American Express •••• 4242</dd>');
    const mc = await request(gw.app).get(`/checkout/${await paid('en', 'mastercard')}/result`);
    expect(mc.text).to.contain('Mastercard •••• 4242');
    const cb = await request(gw.app).get(`/checkout/${await paid('en', 'cb')}/result`);
    expect(cb.text).to.contain('CB •••• 4242');
  });
});
