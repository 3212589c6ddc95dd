import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cardNumbersIn } from '../../../src/core/card-data.js';
import { Browser, type Page } from '../../support/browser.js';
import { BANK_MERCHANT_ID, startStack, type ConnectorWiring, type Stack } from '../../support/stack.js';

const LYRA_SITE_ID = '24681357';
const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

type LyraStack = Stack & { testKey: string };

/** Lyra in TEST mode on both sides: LYRA_* variables, as in production, and the same shop registered at the bank. */
function lyraWiring(testKey: string): ConnectorWiring {
  return {
    name: 'lyra',
    env: ({ bankUrl }) => ({ LYRA_SITE_ID, LYRA_CTX_MODE: 'TEST', LYRA_TEST_KEY: testKey, LYRA_PAYMENT_URL: `${bankUrl}/lyra/vads-payment/` }),
    credentials: () => ({ lyra: { siteId: LYRA_SITE_ID, testKey } }),
  };
}

/** The stack with the Lyra connector beside the native one, under a TEST key made here; `createPayment` pays through Lyra. */
async function startLyraStack(): Promise<LyraStack> {
  const testKey = randomBytes(16).toString('hex');
  const stack = await startStack({ connector: lyraWiring(testKey), env: { MAIL_OUTBOX_DIR: path.join(tmpdir(), `hpp-mail-lyra-${process.pid}`) } });
  return Object.assign(stack, { testKey });
}

function statusOn(page: Page): string | undefined {
  return page.doc.querySelector('[data-status]')?.getAttribute('data-status') ?? undefined;
}

describe('whole journeys through the sandbox bank with the Lyra form API', function () {
  let stack: LyraStack;

  beforeEach(async () => {
    stack = await startLyraStack();
  });
  afterEach(async () => {
    await stack?.close();
  });

  /** The signed vads_ form of the redirect page, as the buyer's browser posts it to the bank. */
  function bankForm(redirect: Page): Record<string, string> {
    const form = redirect.doc.querySelector('#bank-redirect')!;
    return Object.fromEntries(form.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value')!]));
  }

  async function checkoutToRedirect(browser: Browser, checkoutUrl: string): Promise<Page> {
    const checkout = await browser.get(checkoutUrl);
    expect(checkout.status).to.equal(200);
    return browser.submitForm(checkout, 'form');
  }

  async function redirectToCard(browser: Browser, redirect: Page): Promise<Page> {
    expect(redirect.status, redirect.html.slice(0, 600)).to.equal(200);
    const form = redirect.doc.querySelector('#bank-redirect');
    expect(form, redirect.html.slice(0, 600)).to.not.equal(null);
    expect(form!.getAttribute('action')).to.equal(`${stack.bankUrl}/lyra/vads-payment/`);
    const card = await browser.submitForm(redirect, '#bank-redirect');
    expect(card.status, card.html.slice(0, 600)).to.equal(200);
    for (const label of ['Card number', 'Expiry date (MM/YY)', 'Security code', 'Card type']) expect(card.html).to.contain(label);
    return card;
  }

  async function toBank(browser: Browser, checkoutUrl: string): Promise<Page> {
    return redirectToCard(browser, await checkoutToRedirect(browser, checkoutUrl));
  }

  async function payAtBank(browser: Browser, card: Page, number: string, cardType: string): Promise<Page> {
    const back = await browser.submitForm(card, 'form', { cardNumber: number, expiry: FUTURE_EXPIRY, cvc: cardType === 'amex' ? '1234' : '123', cardType }, { name: 'action', value: 'pay' });
    expect(back.status, back.html.slice(0, 600)).to.equal(200);
    expect(back.doc.querySelector('#return-to-merchant')?.getAttribute('action')).to.equal(`${stack.gatewayUrl}/bank/lyra/return`);
    return browser.submitForm(back, '#return-to-merchant');
  }

  async function cancelAtBank(browser: Browser, card: Page): Promise<Page> {
    const back = await browser.submitForm(card, 'form', {}, { name: 'action', value: 'cancel' });
    expect(back.status).to.equal(200);
    return browser.submitForm(back, '#return-to-merchant');
  }

  const payment = async (id: string) => (await stack.api(`/payments/${id}`)).body;
  const events = async (id: string) => (await payment(id)).events.map((e: { type: string }) => e.type);
  const lyraTransactions = () => stack.bank.transactions().filter((t) => t.protocol === 'lyra');

  it('authorised: the buyer pays with 4242…, the IPN and the return agree, and the payment succeeds', async () => {
    const created = await stack.createPayment();
    expect(created.connector).to.equal('lyra');
    const browser = new Browser();
    const result = await payAtBank(browser, await toBank(browser, created.checkoutUrl), '4242 4242 4242 4242', 'visa');
    expect(result.url).to.equal(`${stack.gatewayUrl}/checkout/${created.id}/result`);
    expect(statusOn(result)).to.equal('succeeded');

    const api = await payment(created.id);
    expect(api.status).to.equal('succeeded');
    expect(api.attempts).to.have.length(1);
    expect(api.attempts[0]).to.include({ status: 'authorised', responseCode: '00/00' });
    expect(api.attempts[0].card).to.deep.equal({ brand: 'visa', last4: '4242' });
    expect(api.attempts[0].bankTransactionId).to.match(/^[0-9a-f]{32}$/);
    expect(api.attempts[0].authorisationCode).to.match(/^\d{6}$/);
    expect(await events(created.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);

    const [transaction] = lyraTransactions();
    expect(transaction).to.deep.include({ merchantId: BANK_MERCHANT_ID, amount: 2480, currency: 'EUR', status: 'authorised', authCode: api.attempts[0].authorisationCode });
    expect(transaction!.ref).to.match(/^\d{8}-\d{6}$/);
    expect(transaction!.notification).to.deep.equal({ state: 'delivered', attempts: 1 });
    // Neither party's record nor any log line holds a card number or the shop key.
    const logs = stack.logs.text();
    expect(cardNumbersIn(logs)).to.deep.equal([]);
    expect(logs.replace(/[ -]/g, '')).not.to.contain('4242424242424242');
    expect(logs).not.to.contain(stack.testKey);
    expect(JSON.stringify(stack.bank.transactions())).not.to.match(/4242\s?4242\s?4242\s?4242/);
  });

  it('refused (insufficient funds), then retried under a new vads_trans_id and authorised', async () => {
    const created = await stack.createPayment();
    const browser = new Browser();
    const refused = await payAtBank(browser, await toBank(browser, created.checkoutUrl), '4000 0000 0000 9995', 'visa');
    expect(statusOn(refused)).to.equal('failed');
    const afterRefusal = await payment(created.id);
    expect(afterRefusal.status).to.equal('failed');
    expect(afterRefusal.attempts[0]).to.include({ status: 'refused', responseCode: '05/51' });
    expect(afterRefusal.attempts[0].card).to.deep.equal({ brand: 'visa', last4: '9995' });

    const retry = await browser.submitForm(refused, 'form');
    const paid = await payAtBank(browser, await redirectToCard(browser, retry), '5555 5555 5555 4444', 'mastercard');
    expect(statusOn(paid)).to.equal('succeeded');

    const api = await payment(created.id);
    expect(api.status).to.equal('succeeded');
    expect(api.attempts.map((a: { status: string }) => a.status)).to.deep.equal(['refused', 'authorised']);
    expect(api.attempts[1].card).to.deep.equal({ brand: 'mastercard', last4: '4444' });
    expect(await events(created.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending', 'payment.succeeded']);
    const refs = lyraTransactions().map((t) => t.ref);
    expect(refs).to.have.length(2);
    expect(refs[0]).to.not.equal(refs[1]);
  });

  it('cancelled at the bank: ABANDONED, the payment is cancelled', async () => {
    const created = await stack.createPayment();
    const browser = new Browser();
    const result = await cancelAtBank(browser, await toBank(browser, created.checkoutUrl));
    expect(statusOn(result)).to.equal('cancelled');
    const api = await payment(created.id);
    expect(api.status).to.equal('cancelled');
    expect(api.attempts[0]).to.include({ status: 'cancelled', responseCode: '17' });
    expect(api.attempts[0].card).to.equal(null);
    expect(await events(created.id)).to.deep.equal(['payment.created', 'payment.pending', 'payment.cancelled']);
    expect(lyraTransactions()[0]).to.deep.include({ status: 'cancelled', notification: { state: 'delivered', attempts: 1 } });
  });

  it('a double click on Pay sends one vads_trans_id: both tabs reach the same card page and the bank decides once', async () => {
    const created = await stack.createPayment();
    const browser = new Browser();
    const checkout = await browser.get(created.checkoutUrl);
    const [a, b] = await Promise.all([browser.submitForm(checkout, 'form'), browser.submitForm(checkout, 'form')]);
    expect(bankForm(a).vads_trans_id).to.equal(bankForm(b).vads_trans_id);
    const cardA = await redirectToCard(browser, a);
    const cardB = await redirectToCard(browser, b);
    expect(cardB.url).to.equal(cardA.url);
    expect(lyraTransactions()).to.have.length(1);
    expect(statusOn(await payAtBank(browser, cardA, '4242424242424242', 'visa'))).to.equal('succeeded');
    // The same form posted once more, after the decision, is refused: the identifier is used.
    const again = await browser.post(`${stack.bankUrl}/lyra/vads-payment/`, bankForm(a));
    expect(again.status).to.equal(409);
    expect(again.html).to.contain('reference_reused');
    expect(lyraTransactions()).to.have.length(1);
    expect((await payment(created.id)).attempts).to.have.length(1);
  });
});
