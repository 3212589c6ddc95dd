import { expect } from 'chai';
import type session from 'express-session';
import { MemoryStore } from 'express-session';
import { Redis } from 'ioredis';
import request from 'supertest';
import { redisSessionStore } from '../../src/http/session-store.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { BANK_PAY_URL } from '../connectors/native/fake-bank.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

const sidOf = (res: request.Response): string | undefined => res.headers['set-cookie']?.[0]?.split(';')[0];
const csrfOf = (res: request.Response): string => /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;

/** Session fixation and two tabs, on each session store the gateway runs with. */
for (const kind of ['memory', 'redis'] as const) {
  describe(`buyer sessions (${kind} session store)`, () => {
    let gw: TestGateway;
    let redis: Redis | undefined;
    let sessionPrefix = '';
    const newPayment = async (): Promise<string> =>
      (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body.id as string;

    beforeEach(async function () {
      let sessionStore: session.Store | undefined;
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this), { maxRetriesPerRequest: 1 });
        sessionPrefix = `${randomPrefix()}sess:`;
        sessionStore = redisSessionStore(redis, sessionPrefix, { touch: false });
      }
      gw = await testGateway(sessionStore ? { sessionStore } : {});
    });
    afterEach(async () => {
      await gw?.close();
      await redis?.quit();
      redis = undefined;
    });

    it('gives a new session id each time the payment journey starts (no fixation)', async () => {
      const first = await newPayment();
      const opened = await request(gw.app).get(`/checkout/${first}`);
      const sid = sidOf(opened)!;
      expect(sid).to.match(/^hpp\.sid=/);

      // A session made for another payment (say, by someone who planted their own cookie) is not
      // carried into this payment's journey: it gets an id of our own making and its own token.
      const other = await newPayment();
      const planted = await request(gw.app).get(`/checkout/${other}`).set('Cookie', sid);
      expect(sidOf(planted)).to.match(/^hpp\.sid=/).and.not.equal(sid);
      expect(csrfOf(planted)).to.not.equal(csrfOf(opened));

      // So is a cookie the gateway never issued.
      const forged = await request(gw.app).get(`/checkout/${first}`).set('Cookie', 'hpp.sid=s%3Aforged-by-someone.AAAA');
      expect(sidOf(forged)).to.match(/^hpp\.sid=/).and.not.equal('hpp.sid=s%3Aforged-by-someone.AAAA');
    });

    it('opens a first visit\'s session with one store write and no destroy: its id, made in this request, needs no regeneration', async function () {
      // A counting store of this kind, in a gateway of its own.
      const store: session.Store = kind === 'redis' ? redisSessionStore(redis!, `${randomPrefix()}sess:`, { touch: false }) : new MemoryStore();
      const calls = { set: 0, destroy: 0 };
      const set = store.set.bind(store);
      const destroy = store.destroy.bind(store);
      store.set = (sid, data, cb) => {
        calls.set += 1;
        set(sid, data, cb);
      };
      store.destroy = (sid, cb) => {
        calls.destroy += 1;
        destroy(sid, cb);
      };
      const counted = await testGateway({ sessionStore: store });
      try {
        const id = (await request(counted.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body.id as string;
        const opened = await request(counted.app).get(`/checkout/${id}`);
        expect(opened.status).to.equal(200);
        expect(sidOf(opened)).to.match(/^hpp\.sid=s%3A[A-Za-z0-9_-]{32}\./);
        expect(calls).to.deep.equal({ set: 1, destroy: 0 });
        // The page's token is the stored one: Pay works.
        const paid = await request(counted.app).post(`/checkout/${id}/pay`).set('Cookie', sidOf(opened)!).type('form').send({ _csrf: csrfOf(opened) });
        expect(paid.status).to.equal(200);
      } finally {
        await counted.close();
      }
    });

    it('spends no round trip on an unchanged buyer session: Pay and the result page send no EXPIRE', async function () {
      if (!redis) return this.skip();
      const id = await newPayment();
      const browser = request.agent(gw.app);
      const opened = await browser.get(`/checkout/${id}`);
      const expires = async () => Number(/cmdstat_expire:calls=(\d+)/.exec(await redis!.info('commandstats'))?.[1] ?? 0);
      const before = await expires();
      expect((await browser.post(`/checkout/${id}/pay`).type('form').send({ _csrf: csrfOf(opened) })).status).to.equal(200);
      expect((await browser.post(`/checkout/${id}/pay`).type('form').send({ _csrf: csrfOf(opened) })).status).to.equal(200);
      expect((await browser.get(`/checkout/${id}`)).status).to.equal(200);
      expect(await expires()).to.equal(before);
      // The session itself still lives its 2 hours from its last write.
      const [key] = await redis.keys(`${sessionPrefix}*`);
      expect(await redis.ttl(key!)).to.be.within(2 * 3600 - 60, 2 * 3600);
    });

    it('lets a buyer with two tabs on one payment pay from either: same session, one attempt at the bank', async () => {
      const id = await newPayment();
      const browser = request.agent(gw.app);
      const tab1 = await browser.get(`/checkout/${id}`);
      const sid = sidOf(tab1)!;
      const tab2 = await browser.get(`/checkout/${id}`);

      // The first tab's form is still good after the second tab opened.
      const payFromTab1 = await browser.post(`/checkout/${id}/pay`).type('form').send({ _csrf: csrfOf(tab1) });
      expect(payFromTab1.status).to.equal(200);
      expect(payFromTab1.text).to.contain(`action="${BANK_PAY_URL}"`);
      // The second tab continued the journey: no new session, the same token.
      expect(sidOf(tab2) ?? sid).to.equal(sid);
      expect(csrfOf(tab2)).to.equal(csrfOf(tab1));
      if (redis) expect(await redis.keys(`${sessionPrefix}*`)).to.have.length(1);

      const payFromTab2 = await browser.post(`/checkout/${id}/pay`).type('form').send({ _csrf: csrfOf(tab2) });
      expect(payFromTab2.status).to.equal(200);

      const payment = (await request(gw.app).get(`/api/v1/payments/${id}`).set('Authorization', `Bearer ${API_KEY}`)).body;
      expect(payment.status).to.equal('pending');
      expect(payment.attempts).to.have.length(1);
    });
  });
}

describe('buyer pages', () => {
  let gw: TestGateway;
  let payment: { id: string; checkoutUrl: string };
  beforeEach(async () => {
    gw = await testGateway();
    payment = (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ customer: {} }))).body;
  });
  afterEach(() => gw.close());

  const checkoutPath = () => `/checkout/${payment.id}`;

  it('shows the order summary with the amount formatted for the locale and a CSRF-protected Pay form', async () => {
    const en = await request(gw.app).get(checkoutPath()).set('Accept-Language', 'en-GB,en;q=0.9');
    expect(en.status).to.equal(200);
    expect(en.text).to.contain('Demo Shop').and.contain('A T-shirt').and.contain('€24.80').and.contain('name="_csrf"');
    const fr = await request(gw.app).get(checkoutPath()).set('Accept-Language', 'fr-FR,fr;q=0.9');
    expect(fr.text).to.contain('Payer').and.match(/24,80\s€/);
  });

  it('uses the payment locale over the browser language', async () => {
    const p = (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ customer: { locale: 'fr' } }))).body;
    const res = await request(gw.app).get(`/checkout/${p.id}`).set('Accept-Language', 'en');
    expect(res.text).to.contain('Paiement à');
  });

  it('sets an HttpOnly, SameSite=Lax session cookie, Secure behind an HTTPS proxy', async () => {
    const plain = await request(gw.app).get(checkoutPath());
    const cookie = plain.headers['set-cookie']![0]!;
    expect(cookie).to.match(/^hpp\.sid=/).and.match(/HttpOnly/).and.match(/SameSite=Lax/);
    expect(cookie).not.to.match(/Secure/);

    const proxied = await testGateway({ env: { TRUST_PROXY: '1' } });
    const p = (await request(proxied.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body;
    const secure = await request(proxied.app).get(`/checkout/${p.id}`).set('X-Forwarded-Proto', 'https');
    expect(secure.headers['set-cookie']![0]).to.match(/Secure/);
    await proxied.close();
  });

  it('sends strict security headers: CSP with nonce, form-action self + bank, no framing, no referrer', async () => {
    const res = await request(gw.app).get(checkoutPath());
    const csp = res.headers['content-security-policy']!;
    expect(csp).to.match(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).to.contain(`form-action 'self' ${new URL(BANK_PAY_URL).origin}`);
    expect(csp).to.contain("frame-ancestors 'none'").and.contain("script-src-attr 'none'");
    expect(res.headers['referrer-policy']).to.equal('no-referrer');
    expect(res.headers['x-frame-options']).to.equal('SAMEORIGIN');
  });

  it('over plain http sends neither HSTS nor upgrade-insecure-requests (the stylesheet and Pay would go to a missing https origin)', async () => {
    for (const path of [checkoutPath(), '/assets/gateway.css', '/.well-known/jwks.json']) {
      const res = await request(gw.app).get(path);
      expect(res.headers['strict-transport-security'], path).to.equal(undefined);
      expect(res.headers['content-security-policy'], path).to.not.contain('upgrade-insecure-requests');
    }
    // X-Forwarded-Proto from a client no proxy is trusted for (TRUST_PROXY unset) proves nothing.
    const forged = await request(gw.app).get(checkoutPath()).set('X-Forwarded-Proto', 'https');
    expect(forged.headers['strict-transport-security']).to.equal(undefined);
    expect(forged.headers['content-security-policy']).to.not.contain('upgrade-insecure-requests');
  });

  it('behind a trusted TLS proxy (X-Forwarded-Proto: https) sends HSTS and upgrade-insecure-requests', async () => {
    const proxied = await testGateway({ env: { TRUST_PROXY: '1', PUBLIC_URL: 'https://gateway.test' } });
    try {
      const p = (await request(proxied.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body;
      const secure = await request(proxied.app).get(`/checkout/${p.id}`).set('X-Forwarded-Proto', 'https');
      expect(secure.headers['strict-transport-security']).to.equal('max-age=31536000; includeSubDomains');
      expect(secure.headers['content-security-policy']).to.contain('upgrade-insecure-requests');
      const plain = await request(proxied.app).get(`/checkout/${p.id}`).set('X-Forwarded-Proto', 'http');
      expect(plain.headers['strict-transport-security']).to.equal(undefined);
      expect(plain.headers['content-security-policy']).to.not.contain('upgrade-insecure-requests');
    } finally {
      await proxied.close();
    }
  });

  it('renders the redirect to the bank as an auto-submitting form whose script carries the response nonce', async () => {
    const agent = request.agent(gw.app);
    const page = await agent.get(checkoutPath());
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await agent.post(`${checkoutPath()}/pay`).type('form').send({ _csrf: token });
    expect(res.status).to.equal(200);
    const nonce = /'nonce-([^']+)'/.exec(res.headers['content-security-policy']!)![1];
    expect(res.text).to.contain(`<script nonce="${nonce}">`);
    expect(res.text).to.contain(`action="${BANK_PAY_URL}"`).and.contain('name="request"').and.contain('<noscript>');
    expect(res.text).not.to.match(/\son[a-z]+=/i);
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('answers an unknown or malformed checkout link with a friendly 404 page', async () => {
    for (const path of ['/checkout/pay_AAAAAAAAAAAAAAAAAAAAAA', '/checkout/../../etc/passwd', '/checkout/%00']) {
      const res = await request(gw.app).get(path);
      expect(res.status, path).to.equal(404);
      expect(res.headers['content-type']).to.contain('text/html');
    }
  });

  it('publishes the JWKS with public keys only', async () => {
    const res = await request(gw.app).get('/.well-known/jwks.json');
    expect(res.status).to.equal(200);
    expect(res.body.keys).to.have.length(1);
    expect(res.body.keys[0]).to.not.have.property('d');
  });
});
