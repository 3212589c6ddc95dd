import { expect } from 'chai';
import request from 'supertest';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { BANK_PAY_URL } from '../support/fake-bank.js';

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

  it('gives a new session id each time the payment journey starts (no fixation)', async () => {
    const first = await request(gw.app).get(checkoutPath());
    const sid = first.headers['set-cookie']![0]!.split(';')[0]!;
    const second = await request(gw.app).get(checkoutPath()).set('Cookie', sid);
    expect(second.headers['set-cookie']![0]!.split(';')[0]).to.not.equal(sid);
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
