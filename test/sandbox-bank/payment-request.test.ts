import { expect } from 'chai';
import { SignJWT } from 'jose';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { BANK_ID, BankHarness, MERCHANT_ID } from './support/bank-harness.js';
import { newGatewayKey } from './support/fake-gateway.js';
import { newRef, unsignedPaymentRequest } from './support/payment-request-token.js';

describe('sandbox bank: payment requests', () => {
  let harness: BankHarness;

  before(async () => {
    harness = await BankHarness.start();
  });

  after(async () => {
    await harness.close();
  });

  /** Posts a token that must be refused, and checks the page, the status and that nothing was opened. */
  async function expectRefused(token: string, status: number, code: string) {
    const before = harness.bank.transactions().length;
    const res = await harness.postRequest(token).expect(status).expect('Content-Type', /html/);
    const page = parse(res.text);
    expect(page.querySelector('h1')?.text).to.equal('Payment request refused');
    expect(page.querySelector('code')?.text).to.equal(code);
    expect(page.querySelector('form'), 'no card form').to.equal(null);
    expect(harness.bank.transactions()).to.have.length(before);
    return page;
  }

  it('shows the card page for a valid request, after a 303 to a GET', async () => {
    const opened = await harness.openTransaction({ amount: 2480, currency: 'EUR', description: 'Order 1042' });
    const res = await request(harness.bank.app).get(opened.cardPagePath).expect(200).expect('Content-Type', /html/);
    const page = parse(res.text);
    const labels = page.querySelectorAll('label').map((label) => label.text.trim());
    expect(labels).to.include.members(['Card number', 'Expiry date (MM/YY)', 'Security code', 'Card type']);
    const options = page.querySelectorAll('select[name=cardType] option').map((o) => o.text.trim());
    expect(options).to.include.members(['Visa', 'Mastercard', 'American Express', 'Diners Club']);
    const buttons = page.querySelectorAll('button').map((b) => ({ text: b.text.trim(), value: b.getAttribute('value') }));
    expect(buttons).to.deep.equal([
      { text: 'Pay €24.80', value: 'pay' },
      { text: 'Cancel', value: 'cancel' },
    ]);
    expect(page.querySelector('form')?.getAttribute('action')).to.equal(`http://bank.test${opened.cardPagePath}`);
    expect(res.text).to.include('Demo Shop').and.include('€24.80').and.include('Order 1042');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['content-security-policy']).to.include("form-action 'self' http://bank.test");

    const [transaction] = harness.bank.transactions().filter((t) => t.ref === opened.txn.ref);
    expect(transaction).to.deep.include({ bankTxnId: opened.bankTxnId, merchantId: MERCHANT_ID, amount: 2480, currency: 'EUR', status: 'awaiting_card' });
  });

  it('shows the page in French, with the amount formatted for French', async () => {
    const opened = await harness.openTransaction({ amount: 123456, currency: 'EUR', locale: 'fr' });
    const res = await request(harness.bank.app).get(opened.cardPagePath).expect(200);
    const page = parse(res.text);
    expect(page.querySelector('html')?.getAttribute('lang')).to.equal('fr');
    expect(page.querySelectorAll('label').map((l) => l.text.trim())).to.include.members(['Numéro de carte', 'Date d’expiration (MM/AA)', 'Cryptogramme visuel', 'Type de carte']);
    expect(page.querySelector('dl.summary')?.text.replace(/\s/g, ' ')).to.match(/1 234,56 €/);
    expect(page.querySelectorAll('button').map((b) => b.text.trim())).to.deep.equal(['Payer 1\u202f234,56\u00a0€', 'Annuler']);
  });

  it('formats amounts of currencies without minor units', async () => {
    const opened = await harness.openTransaction({ amount: 1500, currency: 'JPY' });
    const res = await request(harness.bank.app).get(opened.cardPagePath).expect(200);
    expect(res.text).to.include('¥1,500');
  });

  it('shows the same card page again for the same request (double click, reopened tab)', async () => {
    const signed = await harness.signRequest();
    const first = await harness.postRequest(signed.token).expect(303);
    const second = await harness.postRequest(signed.token).expect(303);
    expect(second.headers.location).to.equal(first.headers.location);
    expect(harness.bank.transactions().filter((t) => t.ref === signed.txn.ref)).to.have.length(1);
  });

  it('shows the same card page for a new request with the same ref, amount and currency', async () => {
    const first = await harness.signRequest();
    const again = await harness.signRequest({ txn: first.txn });
    const a = await harness.postRequest(first.token).expect(303);
    const b = await harness.postRequest(again.token).expect(303);
    expect(b.headers.location).to.equal(a.headers.location);
  });

  it('refuses a waiting ref requested again with another amount', async () => {
    const first = await harness.signRequest();
    await harness.postRequest(first.token).expect(303);
    const other = await harness.signRequest({ txn: { ...first.txn, amount: first.txn.amount + 1 } });
    await expectRefused(other.token, 409, 'reference_in_use');
  });

  it('refuses an unknown merchant (iss)', async () => {
    const { token } = await harness.signRequest({ iss: 'someone-else' });
    await expectRefused(token, 400, 'unknown_merchant');
  });

  it('refuses a request signed by another key', async () => {
    const stranger = await newGatewayKey();
    const { token } = await harness.signRequest({ key: stranger.privateKey, kid: harness.gateway.key.kid });
    await expectRefused(token, 400, 'bad_signature');
  });

  it('refuses a request naming a key the merchant does not publish', async () => {
    const stranger = await newGatewayKey();
    const { token } = await harness.signRequest({ key: stranger.privateKey, kid: stranger.kid });
    await expectRefused(token, 400, 'bad_signature');
  });

  it('refuses an expired request', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await harness.signRequest({ iat: now - 500, exp: now - 60 });
    await expectRefused(token, 400, 'expired');
  });

  it('accepts a request expired by less than the 30 s clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await harness.signRequest({ iat: now - 300, exp: now - 10 });
    await harness.postRequest(token).expect(303);
  });

  it('refuses a request valid for longer than 600 seconds', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await harness.signRequest({ iat: now, exp: now + 601 });
    await expectRefused(token, 400, 'lifetime_too_long');
  });

  it('refuses a request issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await harness.signRequest({ iat: now + 120, exp: now + 300 });
    await expectRefused(token, 400, 'issued_in_future');
  });

  it('refuses a request addressed to another bank (aud)', async () => {
    const { token } = await harness.signRequest({ aud: 'another-bank' });
    await expectRefused(token, 400, 'wrong_audience');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = unsignedPaymentRequest(
      {
        iss: MERCHANT_ID,
        aud: BANK_ID,
        iat: now,
        exp: now + 300,
        jti: 'j1',
        txn: { ref: newRef(), amount: 100, currency: 'EUR', description: 'x', locale: 'en' },
        return_url: harness.gateway.returnUrl,
        notify_url: harness.gateway.notifyUrl,
      },
      harness.gateway.key.kid,
    );
    await expectRefused(token, 400, 'algorithm_not_allowed');
  });

  it('refuses an HMAC token keyed with the merchant public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(JSON.stringify(harness.gateway.key.publicJwk));
    const token = await new SignJWT({ txn: { ref: newRef(), amount: 100, currency: 'EUR', description: 'x', locale: 'en' } })
      .setProtectedHeader({ alg: 'HS256', kid: harness.gateway.key.kid, typ: 'hpp-req+jwt' })
      .setIssuer(MERCHANT_ID)
      .setAudience(BANK_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti('j2')
      .sign(secret);
    await expectRefused(token, 400, 'algorithm_not_allowed');
  });

  it('refuses a token of another type (typ), such as a bank response replayed as a request', async () => {
    await expectRefused((await harness.signRequest({ typ: 'hpp-resp+jwt' })).token, 400, 'wrong_type');
    await expectRefused((await harness.signRequest({ typ: 'JWT' })).token, 400, 'wrong_type');
  });

  it('refuses malformed transaction fields, naming the field', async () => {
    const cases: Array<[object, string]> = [
      [{ amount: 24.8 }, 'txn.amount'],
      [{ amount: 0 }, 'txn.amount'],
      [{ currency: 'EURO' }, 'txn.currency'],
      [{ currency: 'XXX' }, 'txn.currency'],
      [{ ref: 'has-dash' }, 'txn.ref'],
      [{ locale: 'de' }, 'txn.locale'],
      [{ description: '' }, 'txn.description'],
    ];
    for (const [txn, field] of cases) {
      const { token } = await harness.signRequest({ txn: txn as never });
      const page = await expectRefused(token, 400, 'invalid_claims');
      expect(page.querySelectorAll('code').map((c) => c.text)).to.include(field);
    }
  });

  it('refuses a return_url that is not an absolute http(s) URL', async () => {
    const { token } = await harness.signRequest({ returnUrl: 'javascript:alert(1)' });
    await expectRefused(token, 400, 'invalid_claims');
  });

  it('refuses a missing or garbled request field', async () => {
    const before = harness.bank.transactions().length;
    const missing = await request(harness.bank.app).post('/pay').type('form').send({ other: 'x' }).expect(400);
    expect(missing.text).to.include('missing_request');
    await expectRefused('not-a-token', 400, 'malformed_request');
    expect(harness.bank.transactions()).to.have.length(before);
  });

  it('says 503 (try again) when the merchant keys cannot be fetched', async () => {
    const { createSandboxBank } = await import('../../sandbox-bank/app.js');
    const unreachable = await createSandboxBank({
      publicUrl: 'http://bank.test',
      merchants: [{ merchantId: MERCHANT_ID, jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json' }],
      logger: harness.logger,
    });
    const { token } = await harness.signRequest();
    const res = await request(unreachable.app).post('/pay').type('form').send({ request: token }).expect(503);
    expect(res.text).to.include('merchant_keys_unavailable');
    expect(unreachable.transactions()).to.have.length(0);
    await unreachable.close();
  });

  it('fetches the merchant JWKS over HTTP and caches it', () => {
    expect(harness.gateway.jwksFetches).to.be.greaterThan(0);
    // One fetch at the first request, one more for the unknown kid; not one per request.
    expect(harness.gateway.jwksFetches).to.be.at.most(3);
  });

  it('publishes its own JWKS with public keys only', async () => {
    const res = await request(harness.bank.app).get('/.well-known/jwks.json').expect(200).expect('Content-Type', /json/);
    expect(res.body.keys).to.have.length(1);
    const [key] = res.body.keys;
    expect(key).to.include({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(key.kid).to.be.a('string').with.length.greaterThan(20);
    expect(key).to.not.have.property('d');
    expect(res.body).to.deep.equal(harness.bank.jwks());
  });

  it('describes itself and its test cards at /', async () => {
    const res = await request(harness.bank.app).get('/').expect(200);
    expect(res.text).to.include('4242 4242 4242 4242').and.include('insufficient_funds').and.include('/.well-known/jwks.json');
    expect(res.headers['content-security-policy']).to.include("script-src 'self' 'nonce-");
  });

  it('answers an unknown transaction or path with 404', async () => {
    await request(harness.bank.app).get('/pay/sbx0000').expect(404);
    await request(harness.bank.app).post('/pay/sbx0000').type('form').send({ action: 'cancel' }).expect(404);
    await request(harness.bank.app).get('/nothing-here').expect(404);
  });
});
