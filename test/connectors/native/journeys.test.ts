import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { Redis } from 'ioredis';
import { RedisPaymentStore } from '../../../src/store/redis-store.js';
import { Browser, type Page } from '../../support/browser.js';
import { randomPrefix, requireRedis } from '../../support/redis-server.js';
import { cardNumbersIn } from '../../../src/core/card-data.js';
import { API_KEY, startStack, type Stack } from '../../support/stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

async function toBank(browser: Browser, checkoutUrl: string): Promise<Page> {
  const checkout = await browser.get(checkoutUrl);
  expect(checkout.status).to.equal(200);
  const redirect = await browser.submitForm(checkout, 'form');
  return followRedirectToBank(browser, redirect);
}

async function followRedirectToBank(browser: Browser, redirect: Page): Promise<Page> {
  expect(redirect.status).to.equal(200);
  expect(redirect.doc.querySelector('#bank-redirect'), redirect.html).to.not.equal(null);
  const card = await browser.submitForm(redirect, '#bank-redirect');
  expect(card.status, card.html).to.equal(200);
  for (const label of ['Card number', 'Expiry date (MM/YY)', 'Security code', 'Card type']) expect(card.html).to.contain(label);
  return card;
}

async function payAtBank(browser: Browser, card: Page, number: string, cardType: string, cvc = '123'): Promise<Page> {
  const back = await browser.submitForm(card, 'form', { cardNumber: number, expiry: FUTURE_EXPIRY, cvc, cardType }, { name: 'action', value: 'pay' });
  expect(back.status, back.html).to.equal(200);
  return browser.submitForm(back, '#return-to-merchant');
}

async function cancelAtBank(browser: Browser, card: Page): Promise<Page> {
  const back = await browser.submitForm(card, 'form', {}, { name: 'action', value: 'cancel' });
  return browser.submitForm(back, '#return-to-merchant');
}

function statusOn(page: Page): string | undefined {
  return page.doc.querySelector('[data-status]')?.getAttribute('data-status') ?? undefined;
}

function journeys(kind: 'memory' | 'redis'): void {
  describe(`whole journeys through the sandbox bank (${kind} store)`, function () {
    let stack: Stack;
    let redis: Redis | undefined;

    beforeEach(async function () {
      if (kind === 'redis') {
        const url = await requireRedis(this);
        redis = new Redis(url);
        stack = await startStack({ deps: { store: (outboxTargets: string[]) => new RedisPaymentStore(redis!, { prefix: randomPrefix(), outboxTargets }) } });
      } else {
        stack = await startStack();
      }
    });
    afterEach(async () => {
      await stack?.close();
      await redis?.quit();
      redis = undefined;
    });

    const events = async (id: string) => (await stack.api(`/payments/${id}`)).body.events.map((e: { type: string }) => e.type);

    it('authorised: the buyer pays with 4242… and the payment succeeds, verified', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      const card = await toBank(browser, payment.checkoutUrl);
      const result = await payAtBank(browser, card, '4242 4242 4242 4242', 'visa');
      expect(result.url).to.equal(`${stack.gatewayUrl}/checkout/${payment.id}/result`);
      expect(statusOn(result)).to.equal('succeeded');
      expect(result.html).to.contain('https://shop.example/orders/1');

      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.status).to.equal('succeeded');
      expect(api.attempts).to.have.length(1);
      expect(api.attempts[0]).to.include({ status: 'authorised' });
      expect(api.attempts[0].card).to.deep.equal({ brand: 'visa', last4: '4242' });
      expect(api.attempts[0].bankTransactionId).to.be.a('string');
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
      // The bank's record and every log line hold no card number.
      expect(JSON.stringify(stack.bank.transactions())).not.to.match(/4242\s?4242\s?4242\s?4242/);
      expect(stack.logs.text()).not.to.match(/4242\s?4242\s?4242\s?4242/);
      expect(stack.logs.text()).not.to.contain(payment.id);
    });

    it('leaves no secret in the logs of whole journeys: no card number, API key, token, signature or session id', async () => {
      for (const card of ['4242 4242 4242 4242', '4000 0000 0000 0002', '3782 822463 10005']) {
        const payment = await stack.createPayment();
        const browser = new Browser();
        const result = await payAtBank(browser, await toBank(browser, payment.checkoutUrl), card, card.startsWith('37') ? 'amex' : 'visa', card.startsWith('37') ? '1234' : '123');
        expect(statusOn(result)).to.be.oneOf(['succeeded', 'failed']);
        expect(stack.logs.text()).not.to.contain(payment.id);
      }
      const logs = stack.logs.text();
      expect(logs.length).to.be.greaterThan(0);
      expect(cardNumbersIn(logs)).to.deep.equal([]);
      for (const digits of ['4242424242424242', '4000000000000002', '378282246310005']) expect(logs.replace(/[ -]/g, '')).not.to.contain(digits);
      expect(logs).not.to.contain(API_KEY);
      expect(logs).not.to.match(/eyJ[A-Za-z0-9_-]{10,}/); // no JOSE header, so no full token or signature
      expect(logs).not.to.match(/hpp\.sid|s%3A/);
    });

    it('refused, then retried and authorised', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      const refused = await payAtBank(browser, await toBank(browser, payment.checkoutUrl), '4000 0000 0000 0002', 'visa');
      expect(statusOn(refused)).to.equal('failed');
      expect((await stack.api(`/payments/${payment.id}`)).body.status).to.equal('failed');

      const retry = await browser.submitForm(refused, 'form');
      const card = await followRedirectToBank(browser, retry);
      const paid = await payAtBank(browser, card, '5555 5555 5555 4444', 'mastercard');
      expect(statusOn(paid)).to.equal('succeeded');

      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.attempts.map((a: { status: string }) => a.status)).to.deep.equal(['refused', 'authorised']);
      expect(api.attempts[0].ref).not.to.equal(api.attempts[1].ref);
      expect(api.attempts[1].card).to.deep.equal({ brand: 'mastercard', last4: '4444' });
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending', 'payment.succeeded']);
    });

    it('cancelled at the bank', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      const result = await cancelAtBank(browser, await toBank(browser, payment.checkoutUrl));
      expect(statusOn(result)).to.equal('cancelled');
      expect((await stack.api(`/payments/${payment.id}`)).body.status).to.equal('cancelled');
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.cancelled']);
      // The checkout link is useless once final: it shows only the outcome.
      const again = await browser.get(payment.checkoutUrl);
      expect(statusOn(again)).to.equal('cancelled');
      expect(again.html).not.to.contain('buyer@example.com');
      expect(again.doc.querySelector('form')).to.equal(null);
    });

    it('expired: the link shows the expiry and the API reports it', async () => {
      const payment = await stack.createPayment();
      stack.advance(31 * 60_000);
      const browser = new Browser();
      const page = await browser.get(payment.checkoutUrl);
      expect(statusOn(page)).to.equal('expired');
      expect((await stack.api(`/payments/${payment.id}`)).body.status).to.equal('expired');
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.expired']);
    });

    it('a success the bank reports after expiry is recorded and flagged', async () => {
      // Both parties' clocks agree here: the payment simply lives one second.
      await stack.close();
      stack = await startStack({ env: { PAYMENT_TTL: '1s' }, ...(redis ? { deps: { store: (outboxTargets: string[]) => new RedisPaymentStore(redis!, { prefix: randomPrefix(), outboxTargets }) } } : {}) });
      const payment = await stack.createPayment();
      const browser = new Browser();
      const card = await toBank(browser, payment.checkoutUrl);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await stack.gateway.gateway.service.expireDue()).to.equal(1);
      const result = await payAtBank(browser, card, '4242424242424242', 'visa');
      expect(statusOn(result)).to.equal('succeeded');
      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.anomalies).to.deep.equal(['succeeded_after_expiry']);
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.expired', 'payment.succeeded', 'payment.anomaly']);
    });

    it('a double click on Pay gives one attempt at the bank', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      const checkout = await browser.get(payment.checkoutUrl);
      const [a, b] = await Promise.all([browser.submitForm(checkout, 'form'), browser.submitForm(checkout, 'form')]);
      for (const p of [a, b]) expect(p.status, p.html.slice(0, 600)).to.equal(200);
      const refOf = (p: Page) => (decodeJwt(p.doc.querySelector('input[name=request]')!.getAttribute('value')!) as { txn: { ref: string } }).txn.ref;
      expect(refOf(a)).to.equal(refOf(b));
      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.attempts).to.have.length(1);
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending']);
      // Both tabs reach the same card page, and the bank decides once.
      const card = await followRedirectToBank(browser, a);
      await followRedirectToBank(browser, b);
      expect(statusOn(await payAtBank(browser, card, '4242424242424242', 'visa'))).to.equal('succeeded');
    });

    it('a forged Pay without the CSRF token changes nothing', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      await browser.get(payment.checkoutUrl);
      const forged = await browser.post(`${stack.gatewayUrl}/checkout/${payment.id}/pay`, { _csrf: 'x'.repeat(32) });
      expect(forged.status).to.equal(403);
      expect((await stack.api(`/payments/${payment.id}`)).body.attempts).to.have.length(0);
    });
  });
}

journeys('memory');
journeys('redis');
