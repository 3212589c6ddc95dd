import { expect } from 'chai';
import { Redis } from 'ioredis';
import { cardNumbersIn } from '../../../src/core/card-data.js';
import { RedisPaymentStore } from '../../../src/store/redis-store.js';
import { Browser, type Page } from '../../support/browser.js';
import { randomPrefix, requireRedis } from '../../support/redis-server.js';
import type { Stack } from '../../support/stack.js';
import { independentHmacSeal } from './fixtures.js';
import { SIPS_KEYS, SIPS_MERCHANT_ID, startSipsStack } from './sips-stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

function hiddenFields(page: Page, selector: string): Record<string, string> {
  const form = page.doc.querySelector(selector);
  expect(form, page.html.slice(0, 1500)).to.not.equal(null);
  return Object.fromEntries(form!.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value') ?? '']));
}

function dataFields(fields: Record<string, string>): Record<string, string> {
  const text = fields.Encode ? Buffer.from(fields.Data!, fields.Encode as BufferEncoding).toString('utf8') : fields.Data!;
  return Object.fromEntries(text.split('|').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

function statusOn(page: Page): string | undefined {
  return page.doc.querySelector('[data-status]')?.getAttribute('data-status') ?? undefined;
}

/** Checkout → Pay → the auto-submitting form to the Sips Paypage, checked, then submitted to the sandbox bank's card page. */
async function toBank(stack: Stack, browser: Browser, from: Page): Promise<{ card: Page; sent: Record<string, string> }> {
  const redirect = await browser.submitForm(from, 'form');
  expect(redirect.status, redirect.html.slice(0, 800)).to.equal(200);
  const form = redirect.doc.querySelector('#bank-redirect');
  expect(form?.getAttribute('action')).to.equal(`${stack.bankUrl}/sips/paymentInit`);
  const sent = hiddenFields(redirect, '#bank-redirect');
  expect(sent.Seal).to.equal(await independentHmacSeal(sent.Data!, SIPS_KEYS['2']));
  const card = await browser.submitForm(redirect, '#bank-redirect');
  expect(card.status, card.html.slice(0, 800)).to.equal(200);
  expect(card.html).to.contain('Card number');
  return { card, sent };
}

async function payAtBank(browser: Browser, card: Page, number: string, cardType: string): Promise<{ result: Page; returned: Record<string, string> }> {
  const cvc = cardType === 'amex' ? '1234' : '123';
  const back = await browser.submitForm(card, 'form', { cardNumber: number, expiry: FUTURE_EXPIRY, cvc, cardType }, { name: 'action', value: 'pay' });
  expect(back.status, back.html.slice(0, 800)).to.equal(200);
  const returned = hiddenFields(back, '#return-to-merchant');
  return { result: await browser.submitForm(back, '#return-to-merchant'), returned };
}

function journeys(kind: 'memory' | 'redis'): void {
  describe(`Sips journeys through the sandbox bank (${kind} store)`, function () {
    let stack: Stack;
    let redis: Redis | undefined;

    /** Restarts the stack with other settings, on the same kind of store. */
    async function restart(env: Record<string, string>) {
      await stack.close();
      stack = await startSipsStack({ env, ...(redis ? { deps: { store: (outboxTargets: string[]) => new RedisPaymentStore(redis!, { prefix: randomPrefix(), outboxTargets }) } } : {}) });
    }

    beforeEach(async function () {
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        stack = await startSipsStack({ deps: { store: (outboxTargets: string[]) => new RedisPaymentStore(redis!, { prefix: randomPrefix(), outboxTargets }) } });
      } else {
        stack = await startSipsStack();
      }
    });
    afterEach(async () => {
      await stack?.close();
      await redis?.quit();
      redis = undefined;
    });

    const events = async (id: string) => (await stack.api(`/payments/${id}`)).body.events.map((e: { type: string }) => e.type);

    it('authorised: paid with 4242… at the Sips Paypage, the payment succeeds from the sealed responses', async () => {
      const payment = await stack.createPayment();
      expect((await stack.api(`/payments/${payment.id}`)).body.connector).to.equal('sips');
      const browser = new Browser();
      const { card, sent } = await toBank(stack, browser, await browser.get(payment.checkoutUrl));
      const request = dataFields(sent);
      expect(request).to.include({ amount: '2480', currencyCode: '978', merchantId: SIPS_MERCHANT_ID, keyVersion: '2', orderChannel: 'INTERNET', customerLanguage: 'en' });
      expect(request.normalReturnUrl).to.equal(`${stack.gatewayUrl}/bank/sips/return`);
      expect(request.automaticResponseUrl).to.equal(`${stack.gatewayUrl}/bank/sips/notify`);

      const { result, returned } = await payAtBank(browser, card, '4242 4242 4242 4242', 'visa');
      expect(dataFields(returned)).to.include({ responseCode: '00', transactionReference: request.transactionReference });
      expect(result.url).to.equal(`${stack.gatewayUrl}/checkout/${payment.id}/result`);
      expect(statusOn(result)).to.equal('succeeded');

      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.status).to.equal('succeeded');
      expect(api.attempts).to.have.length(1);
      expect(api.attempts[0]).to.include({ status: 'authorised', ref: request.transactionReference, bankTransactionId: request.transactionReference, responseCode: '00/00' });
      expect(api.attempts[0].card).to.deep.equal({ brand: 'visa', last4: '4242' });
      expect(api.attempts[0].authorisationCode).to.match(/^\d{6}$/);
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
      // The automatic response arrived first and was acknowledged.
      const [transaction] = stack.bank.transactions().filter((t) => t.ref === request.transactionReference);
      expect(transaction).to.deep.include({ protocol: 'sips', status: 'authorised' });
      expect(transaction!.notification).to.deep.equal({ state: 'delivered', attempts: 1 });

      const logs = stack.logs.text();
      expect(cardNumbersIn(logs)).to.deep.equal([]);
      expect(logs.replace(/[ -]/g, '')).to.not.contain('4242424242424242');
      for (const secret of [...Object.values(SIPS_KEYS), sent.Seal!, returned.Seal!, sent.Data!, returned.Data!]) expect(logs).to.not.contain(secret);
      expect(logs).to.not.contain('####');
    });

    it('refused, then retried and authorised with a new transactionReference', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      const first = await toBank(stack, browser, await browser.get(payment.checkoutUrl));
      const refused = await payAtBank(browser, first.card, '4000 0000 0000 9995', 'visa');
      expect(dataFields(refused.returned)).to.include({ responseCode: '05', acquirerResponseCode: '51' });
      expect(statusOn(refused.result)).to.equal('failed');

      const second = await toBank(stack, browser, refused.result);
      expect(dataFields(second.sent).transactionReference).to.not.equal(dataFields(first.sent).transactionReference);
      const paid = await payAtBank(browser, second.card, '5555 5555 5555 4444', 'mastercard');
      expect(statusOn(paid.result)).to.equal('succeeded');

      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.attempts.map((a: { status: string; responseCode: string }) => [a.status, a.responseCode])).to.deep.equal([
        ['refused', '05/51'],
        ['authorised', '00/00'],
      ]);
      expect(api.attempts[1].card).to.deep.equal({ brand: 'mastercard', last4: '4444' });
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending', 'payment.succeeded']);
    });

    it('cancelled at the Sips Paypage: responseCode 17 cancels the payment', async () => {
      const payment = await stack.createPayment();
      const browser = new Browser();
      const { card } = await toBank(stack, browser, await browser.get(payment.checkoutUrl));
      const back = await browser.submitForm(card, 'form', {}, { name: 'action', value: 'cancel' });
      expect(dataFields(hiddenFields(back, '#return-to-merchant')).responseCode).to.equal('17');
      const result = await browser.submitForm(back, '#return-to-merchant');
      expect(statusOn(result)).to.equal('cancelled');
      const api = (await stack.api(`/payments/${payment.id}`)).body;
      expect(api.status).to.equal('cancelled');
      expect(api.attempts[0]).to.include({ status: 'cancelled', responseCode: '17', card: null, authorisationCode: null });
      expect(await events(payment.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.cancelled']);
    });

    it('with SIPS_ENCODE_BASE64: base64 Data both ways, and key version 1 after a rotation back', async () => {
      await restart({ SIPS_ENCODE_BASE64: 'true', SIPS_KEY_VERSION: '1' });
      const payment = await stack.createPayment({ currency: 'JPY', amount: 1500 });
      const browser = new Browser();
      const redirect = await browser.submitForm(await browser.get(payment.checkoutUrl), 'form');
      const sent = hiddenFields(redirect, '#bank-redirect');
      expect(sent.Encode).to.equal('base64');
      expect(sent.Seal).to.equal(await independentHmacSeal(sent.Data!, SIPS_KEYS['1']));
      expect(dataFields(sent)).to.include({ amount: '1500', currencyCode: '392', keyVersion: '1' });
      const card = await browser.submitForm(redirect, '#bank-redirect');
      const { result, returned } = await payAtBank(browser, card, '3782 822463 10005', 'amex');
      expect(returned.Encode).to.equal('base64');
      expect(statusOn(result)).to.equal('succeeded');
      expect((await stack.api(`/payments/${payment.id}`)).body.attempts[0].card).to.deep.equal({ brand: 'amex', last4: '0005' });
    });

    it('native payments keep working beside Sips on the same gateway and bank', async () => {
      const payment = await stack.createPayment({ connector: undefined });
      expect((await stack.api(`/payments/${payment.id}`)).body.connector).to.equal('native');
      const browser = new Browser();
      const redirect = await browser.submitForm(await browser.get(payment.checkoutUrl), 'form');
      expect(redirect.doc.querySelector('#bank-redirect')?.getAttribute('action')).to.equal(`${stack.bankUrl}/pay`);
      const card = await browser.submitForm(redirect, '#bank-redirect');
      const { result } = await payAtBank(browser, card, '4242424242424242', 'visa');
      expect(statusOn(result)).to.equal('succeeded');
    });
  });
}

journeys('memory');
journeys('redis');
