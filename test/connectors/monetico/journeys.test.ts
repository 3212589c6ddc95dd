import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { cardNumbersIn } from '../../../src/core/card-data.js';
import { RedisPaymentStore } from '../../../src/store/redis-store.js';
import { Browser, type Page } from '../../support/browser.js';
import { randomPrefix, requireRedis } from '../../support/redis-server.js';
import type { Stack } from '../../support/stack.js';
import { hmacSha1Hex, specFieldsString, specPositionalRequest } from './monetico-bank.js';
import { JOURNEY_KEY, JOURNEY_TPE, startMoneticoStack } from './monetico-stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;
const FINAL = ['succeeded', 'failed', 'cancelled', 'expired'];

function hiddenFields(page: Page, selector: string): Record<string, string> {
  const form = page.doc.querySelector(selector);
  expect(form, page.html.slice(0, 1500)).to.not.equal(null);
  return Object.fromEntries(form!.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value') ?? '']));
}

function statusOn(page: Page): string | undefined {
  return page.doc.querySelector('[data-status]')?.getAttribute('data-status') ?? undefined;
}

/** Checkout → Pay → the auto-submitting form to paiement.cgi, its MAC checked, then submitted to the sandbox bank's card page. */
async function toBank(stack: Stack, browser: Browser, from: Page, method: 'fields' | 'positional' = 'fields'): Promise<{ card: Page; sent: Record<string, string> }> {
  const redirect = await browser.submitForm(from, 'form');
  expect(redirect.status, redirect.html.slice(0, 800)).to.equal(200);
  const form = redirect.doc.querySelector('#bank-redirect');
  expect(form?.getAttribute('action')).to.equal(`${stack.bankUrl}/monetico/test/paiement.cgi`);
  const sent = hiddenFields(redirect, '#bank-redirect');
  const { MAC, ...rest } = sent;
  expect(MAC).to.equal(hmacSha1Hex(JOURNEY_KEY, method === 'fields' ? specFieldsString(rest) : specPositionalRequest(rest)));
  const card = await browser.submitForm(redirect, '#bank-redirect');
  expect(card.status, card.html.slice(0, 800)).to.equal(200);
  expect(card.doc.querySelector('input[name=cardNumber]'), card.html.slice(0, 800)).to.not.equal(null);
  return { card, sent };
}

interface Back {
  result: Page;
  /** The return form the bank rendered: Monetico sends the buyer back by GET with nothing of its own. */
  returned: { action: string | undefined; method: string | undefined; fields: Record<string, string> };
}

async function backToMerchant(browser: Browser, back: Page): Promise<Back> {
  expect(back.status, back.html.slice(0, 800)).to.equal(200);
  const form = back.doc.querySelector('#return-to-merchant');
  const returned = { action: form?.getAttribute('action'), method: form?.getAttribute('method'), fields: hiddenFields(back, '#return-to-merchant') };
  return { result: await browser.submitForm(back, '#return-to-merchant'), returned };
}

async function payAtBank(browser: Browser, card: Page, number: string, cardType: string): Promise<Back> {
  const cvc = cardType === 'amex' ? '1234' : '123';
  return backToMerchant(browser, await browser.submitForm(card, 'form', { cardNumber: number, expiry: FUTURE_EXPIRY, cvc, cardType }, { name: 'action', value: 'pay' }));
}

async function cancelAtBank(browser: Browser, card: Page): Promise<Back> {
  return backToMerchant(browser, await browser.submitForm(card, 'form', {}, { name: 'action', value: 'cancel' }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Stands between the bank and the gateway's interface retour. While closed it answers 503 (the
 * gateway unreachable, as far as the bank can tell); once opened it passes server returns on, bytes
 * and answer untouched.
 */
class Relay {
  tries = 0;
  private open = false;
  private target = '';
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        this.tries += 1;
        if (!this.open) {
          res.writeHead(503, { 'Content-Type': 'text/plain' }).end('unavailable');
          return;
        }
        const answer = await fetch(this.target, { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body });
        res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'text/plain' }).end(await answer.text());
      })();
    });
  }

  static async start(): Promise<Relay> {
    const relay = new Relay();
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  /** The URL to register at the bank, relaying to `target`. */
  via(target: string): string {
    this.target = target;
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/interface-retour`;
  }

  letThrough(): void {
    this.open = true;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function journeys(kind: 'memory' | 'redis'): void {
  describe(`Monetico journeys through the sandbox bank (${kind} store)`, function () {
    let stack: Stack;
    let redis: Redis | undefined;

    const store = () => (redis ? { deps: { store: (outboxTargets: string[]) => new RedisPaymentStore(redis!, { prefix: randomPrefix(), outboxTargets }) } } : {});

    beforeEach(async function () {
      if (kind === 'redis') redis = new Redis(await requireRedis(this));
      stack = await startMoneticoStack(store());
    });
    afterEach(async () => {
      await stack?.close();
      await redis?.quit();
      redis = undefined;
    });

    const payment = async (id: string) => (await stack.api(`/payments/${id}`)).body;
    const events = async (id: string) => (await payment(id)).events.map((e: { type: string }) => e.type);

    /**
     * The server return decides; the browser may come back before it is stored, and the result page
     * then says pending. Waits for a final status through the API, then reloads the result page.
     */
    async function settled(browser: Browser, id: string, result: Page): Promise<{ api: any; page: Page }> {
      expect(result.url).to.equal(`${stack.gatewayUrl}/checkout/${id}/result`);
      let api = await payment(id);
      for (let i = 0; i < 50 && !FINAL.includes(api.status); i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        api = await payment(id);
      }
      const page = FINAL.includes(statusOn(result) ?? '') ? result : await browser.get(result.url);
      return { api, page };
    }

    it('authorised: paid with 4242… on the Monetico test server, the payment succeeds from the server return', async () => {
      const created = await stack.createPayment();
      expect((await payment(created.id)).connector).to.equal('monetico');
      const browser = new Browser();
      const { card, sent } = await toBank(stack, browser, await browser.get(created.checkoutUrl));
      expect(sent).to.include({ TPE: JOURNEY_TPE, montant: '24.80EUR', version: '3.0', lgue: 'EN', societe: 'journeyshop' });
      expect(sent.url_retour_ok).to.match(new RegExp(`^${stack.gatewayUrl}/bank/monetico/return\\?`));

      const { result, returned } = await payAtBank(browser, card, '4242 4242 4242 4242', 'visa');
      expect(returned).to.deep.include({ action: `${stack.gatewayUrl}/bank/monetico/return`, method: 'get' });
      expect(returned.fields).to.deep.equal(Object.fromEntries(new URL(sent.url_retour_ok!).searchParams));
      expect(statusOn(result)).to.be.oneOf(['succeeded', 'pending']);

      const { api, page } = await settled(browser, created.id, result);
      expect(statusOn(page)).to.equal('succeeded');
      expect(page.html).to.contain('https://shop.example/orders/1');
      expect(api.status).to.equal('succeeded');
      expect(api.attempts).to.have.length(1);
      expect(api.attempts[0]).to.include({ status: 'authorised', ref: sent.reference, bankTransactionId: sent.reference, responseCode: 'payetest' });
      expect(api.attempts[0].card).to.deep.equal({ brand: 'visa', last4: '4242' });
      expect(api.attempts[0].authorisationCode).to.match(/^\d{6}$/);
      expect(await events(created.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);

      const [transaction] = stack.bank.transactions().filter((t) => t.ref === sent.reference);
      expect(transaction).to.deep.include({ protocol: 'monetico-test', status: 'authorised', authCode: api.attempts[0].authorisationCode });
      expect(transaction!.notification).to.deep.equal({ state: 'delivered', attempts: 1 });

      const logs = stack.logs.text();
      expect(cardNumbersIn(logs)).to.deep.equal([]);
      expect(logs.replace(/[ -]/g, '')).to.not.contain('4242424242424242');
      for (const secret of [JOURNEY_KEY, sent.MAC!, returned.fields.sig!]) expect(logs).to.not.contain(secret);
      expect(logs).to.not.contain('****');
    });

    it('refused, then retried and authorised with a new reference', async () => {
      const created = await stack.createPayment();
      const browser = new Browser();
      const first = await toBank(stack, browser, await browser.get(created.checkoutUrl));
      const refused = await payAtBank(browser, first.card, '4000 0000 0000 0002', 'visa');
      expect(refused.returned.fields).to.deep.equal(Object.fromEntries(new URL(first.sent.url_retour_err!).searchParams));
      const afterRefusal = await settled(browser, created.id, refused.result);
      expect(afterRefusal.api.status).to.equal('failed');
      expect(statusOn(afterRefusal.page)).to.equal('failed');
      expect(afterRefusal.api.attempts[0]).to.include({ status: 'refused', responseCode: 'Annulation:Refus', authorisationCode: null });
      expect(afterRefusal.api.attempts[0].card).to.deep.equal({ brand: 'visa', last4: '0002' });

      const second = await toBank(stack, browser, afterRefusal.page);
      expect(second.sent.reference).to.not.equal(first.sent.reference);
      const paid = await payAtBank(browser, second.card, '5555 5555 5555 4444', 'mastercard');
      const { api, page } = await settled(browser, created.id, paid.result);
      expect(statusOn(page)).to.equal('succeeded');
      expect(api.attempts.map((a: { status: string; responseCode: string }) => [a.status, a.responseCode])).to.deep.equal([
        ['refused', 'Annulation:Refus'],
        ['authorised', 'payetest'],
      ]);
      expect(api.attempts[1].card).to.deep.equal({ brand: 'mastercard', last4: '4444' });
      expect(await events(created.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending', 'payment.succeeded']);
    });

    it('cancelled at the bank: Monetico says only Annulation, so the attempt is refused and the payment failed (the buyer may try again)', async () => {
      const created = await stack.createPayment();
      const browser = new Browser();
      const { card, sent } = await toBank(stack, browser, await browser.get(created.checkoutUrl));
      const { result, returned } = await cancelAtBank(browser, card);
      expect(returned.action).to.equal(`${stack.gatewayUrl}/bank/monetico/return`);
      expect(returned.fields).to.deep.equal(Object.fromEntries(new URL(sent.url_retour_err!).searchParams));
      const { api, page } = await settled(browser, created.id, result);
      expect(statusOn(page)).to.equal('failed');
      expect(api.status).to.equal('failed');
      expect(api.attempts[0]).to.include({ status: 'refused', responseCode: 'Annulation', card: null, authorisationCode: null });
      expect(await events(created.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed']);
      // Annulation is a refusal and a cancellation alike: the buyer is not told the bank refused.
      expect(page.doc.querySelector('h1')?.textContent).to.equal('Payment not completed');
      expect(page.html).to.not.contain('The bank refused the payment');
      // The result page offers another try.
      expect(page.doc.querySelector('form'), page.html.slice(0, 800)).to.not.equal(null);
      const checkout = await browser.get(created.checkoutUrl);
      expect(checkout.html).to.contain('Your previous attempt was not completed.').and.not.contain('refused by the bank');
    });

    it('the older kit (positional MAC) end to end, in French', async () => {
      await stack.close();
      stack = await startMoneticoStack({ macMethod: 'positional', ...store() });
      const created = await stack.createPayment({ customer: { locale: 'fr', email: 'acheteur@example.com' } });
      const browser = new Browser();
      const { card, sent } = await toBank(stack, browser, await browser.get(created.checkoutUrl), 'positional');
      expect(sent.lgue).to.equal('FR');
      expect(sent.reference).to.have.length(12);
      const { result } = await payAtBank(browser, card, '3782 822463 10005', 'amex');
      const { api, page } = await settled(browser, created.id, result);
      expect(statusOn(page)).to.equal('succeeded');
      expect(api.attempts[0]).to.include({ status: 'authorised', bankTransactionId: sent.reference });
      // cbmasquee is outside the positional MAC, so the gateway does not read it.
      expect(api.attempts[0].card).to.equal(null);
    });

    it('the buyer back before the server return: the result page says pending until the retried server return is stored', async () => {
      const relay = await Relay.start();
      try {
        await stack.close();
        stack = await startMoneticoStack({ interfaceRetour: (notifyUrl) => relay.via(notifyUrl), bankRetryDelaysMs: Array(20).fill(100), ...store() });
        const created = await stack.createPayment();
        const browser = new Browser();
        const { card, sent } = await toBank(stack, browser, await browser.get(created.checkoutUrl));
        const { result } = await payAtBank(browser, card, '4242 4242 4242 4242', 'visa');
        expect(result.url).to.equal(`${stack.gatewayUrl}/checkout/${created.id}/result`);
        expect(statusOn(result)).to.equal('pending');
        expect((await payment(created.id)).status).to.equal('pending');

        relay.letThrough();
        const { api, page } = await settled(browser, created.id, result);
        expect(api.status).to.equal('succeeded');
        expect(statusOn(page)).to.equal('succeeded');
        expect(api.attempts[0]).to.include({ status: 'authorised', ref: sent.reference });
        expect(relay.tries).to.be.greaterThan(1);
        // The gateway stored the outcome before answering; the bank records the answer a moment later.
        const bankSide = () => stack.bank.transactions().find((t) => t.ref === sent.reference)!;
        for (let i = 0; i < 50 && bankSide().notification.state !== 'delivered'; i += 1) await new Promise((r) => setTimeout(r, 20));
        expect(bankSide().notification).to.deep.equal({ state: 'delivered', attempts: relay.tries });
      } finally {
        await relay.close();
      }
    });

    it('native payments keep working beside Monetico on the same gateway and bank', async () => {
      const created = await stack.createPayment({ connector: undefined });
      expect((await payment(created.id)).connector).to.equal('native');
      const browser = new Browser();
      const redirect = await browser.submitForm(await browser.get(created.checkoutUrl), 'form');
      expect(redirect.doc.querySelector('#bank-redirect')?.getAttribute('action')).to.equal(`${stack.bankUrl}/pay`);
      const card = await browser.submitForm(redirect, '#bank-redirect');
      const { result } = await payAtBank(browser, card, '4242424242424242', 'visa');
      expect(statusOn(result)).to.equal('succeeded');
    });
  });
}

journeys('memory');
journeys('redis');
