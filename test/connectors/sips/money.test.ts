import { expect } from 'chai';
import { computeOfficeSeal } from '../../../src/protocols/sips/office.js';
import { computeSeal, HMAC_SHA_256 } from '../../../src/protocols/sips/seal.js';
import { Browser, type Page } from '../../support/browser.js';
import type { Stack } from '../../support/stack.js';
import { SIPS_KEYS, SIPS_MERCHANT_ID, startSipsStack } from './sips-stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

function hiddenFields(page: Page, selector: string): Record<string, string> {
  const form = page.doc.querySelector(selector);
  expect(form, page.html.slice(0, 1500)).to.not.equal(null);
  return Object.fromEntries(form!.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value') ?? '']));
}

/**
 * Money after a Sips payment, end to end: the merchant API, the Sips connector's operations over
 * Sips Office JSON (cashManagement validate / cancel / refund, diagnostic getTransactionData) and the
 * sandbox bank's Sips back office, all real, sealed both ways.
 */
describe('Sips money after the payment through the sandbox bank\'s Sips Office', function () {
  this.timeout(30_000);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startSipsStack();
  });
  afterEach(async () => {
    await stack?.close();
  });

  const api = (path: string, body?: unknown, key?: string) =>
    stack.api(path, { ...(body !== undefined ? { body } : { method: 'POST' }), ...(key ? { headers: { 'idempotency-key': key } } : {}) });
  const read = async (id: string) => (await stack.api(`/payments/${id}`)).body;
  const bankSide = (ref: string) => stack.bank.transactions().find((t) => t.protocol === 'sips' && t.ref === ref)!;

  /** The checkout's auto-submitting form to the Paypage, as the gateway built it. */
  async function paypageForm(browser: Browser, checkoutUrl: string): Promise<Page> {
    const redirect = await browser.submitForm(await browser.get(checkoutUrl), 'form');
    expect(redirect.status, redirect.html.slice(0, 800)).to.equal(200);
    return redirect;
  }

  /** Pays at the sandbox's card page; the return to the merchant is followed unless `followReturn` is false. */
  async function payAtCardPage(browser: Browser, card: Page, followReturn = true): Promise<void> {
    expect(card.html).to.contain('Card number');
    const back = await browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
    expect(back.status, back.html.slice(0, 800)).to.equal(200);
    if (followReturn) await browser.submitForm(back, '#return-to-merchant');
  }

  /** A Sips payment paid with 4242…: its id and the transactionReference the bank knows it by. */
  async function paid(overrides: Record<string, unknown> = {}): Promise<{ id: string; ref: string }> {
    const payment = await stack.createPayment(overrides);
    const browser = new Browser();
    const redirect = await paypageForm(browser, payment.checkoutUrl);
    await payAtCardPage(browser, await browser.submitForm(redirect, '#bank-redirect'));
    const ref = (await read(payment.id)).attempts[0].ref as string;
    return { id: payment.id, ref };
  }

  it('automatic capture: paid, refunded twice in part, the over-refund refused with nothing changed; the bank keeps the same figures', async () => {
    const { id, ref } = await paid();
    expect(await read(id)).to.include({ status: 'succeeded' });

    const first = await api(`/payments/${id}/refunds`, { amount: 500, reason: 'one mug broken' }, `re1-${id}`);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ amount: 500, status: 'succeeded' });
    expect(first.body.bankReference).to.match(/^[0-9a-f]{10}$/);
    const second = await api(`/payments/${id}/refunds`, { amount: 700 }, `re2-${id}`);
    expect(second.body).to.include({ amount: 700, status: 'succeeded' });

    const over = await api(`/payments/${id}/refunds`, { amount: 1281 }, `re3-${id}`);
    expect(over.status).to.equal(422);
    expect(over.body.type).to.match(/\/problems\/amount_not_refundable$/);
    expect(await read(id)).to.include({ status: 'succeeded', amountCaptured: 2480, amountRefunded: 1200 });
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([500, 700]);
  });

  it('the bank\'s own over-refund refusal (51) is mapped: the refund failed, amount_not_refundable, nothing more refunded', async () => {
    const { id, ref } = await paid();
    // Meanwhile 2000 was refunded at the bank by another channel (sealed as the shop's back office would).
    const direct = { currencyCode: '978', interfaceVersion: 'CR_WS_2.55', keyVersion: '2', merchantId: SIPS_MERCHANT_ID, operationAmount: 2000, operationOrigin: 'EXTRANET', transactionReference: ref };
    const response = await fetch(`${stack.bankUrl}/sips/office/rs-services/v2/cashManagement/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...direct, seal: computeOfficeSeal(direct, SIPS_KEYS['2']) }),
    });
    expect(await response.json()).to.include({ responseCode: '00', newAmount: 480 });

    const refused = await api(`/payments/${id}/refunds`, { amount: 1000 }, `re-${id}`);
    expect(refused.body).to.include({ status: 'failed', failureReason: 'amount_not_refundable' });
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([2000]);
    expect(await read(id)).to.include({ amountRefunded: 0 });
  });

  it('manual capture: authorized until captureBefore, captured in part once (the rest released), a second capture refused', async () => {
    const { id, ref } = await paid({ capture: 'manual' });
    const authorized = await read(id);
    expect(authorized).to.include({ status: 'authorized', amountCaptured: 0 });
    expect(Date.parse(authorized.captureBefore)).to.be.greaterThan(Date.now() + 6 * 24 * 3600_000);
    expect(bankSide(ref)).to.deep.include({ captureMode: 'manual' });

    const over = await api(`/payments/${id}/capture`, { amount: 2481 }, `cap-over-${id}`);
    expect(over.status).to.equal(422);
    expect(over.body.type).to.match(/\/problems\/amount_not_capturable$/);
    expect(bankSide(ref).captures).to.deep.equal([]);

    const captured = await api(`/payments/${id}/capture`, { amount: 2000 }, `cap-${id}`);
    expect(captured.status, JSON.stringify(captured.body)).to.equal(200);
    expect(captured.body).to.include({ status: 'succeeded', amountCaptured: 2000 });
    const replay = await api(`/payments/${id}/capture`, { amount: 2000 }, `cap-${id}`);
    expect(replay.body).to.deep.equal(captured.body);
    const second = await api(`/payments/${id}/capture`, { amount: 100 }, `cap2-${id}`);
    expect(second.status).to.be.within(400, 499);
    expect(bankSide(ref).captures.map((c) => c.amount)).to.deep.equal([2000]);

    const refunded = await api(`/payments/${id}/refunds`, { amount: 2000 }, `re-${id}`);
    expect(refunded.body).to.include({ status: 'succeeded', amount: 2000 });
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([2000]);
  });

  it('void: an authorized payment cancelled releases the authorisation at the bank', async () => {
    const { id, ref } = await paid({ capture: 'manual' });
    const voided = await api(`/payments/${id}/cancel`, undefined, `void-${id}`);
    expect(voided.status, JSON.stringify(voided.body)).to.equal(200);
    expect(voided.body).to.include({ status: 'cancelled' });
    expect(bankSide(ref).voided).to.not.equal(undefined);
    const capture = await api(`/payments/${id}/capture`, {}, `cap-${id}`);
    expect(capture.status).to.be.within(400, 499);
  });

  it('a refund whose answer timed out once (test amount …52) stays pending, then ends succeeded exactly once at the bank', async () => {
    const { id, ref } = await paid();
    const first = await api(`/payments/${id}/refunds`, { amount: 1052 }, `re-${id}`);
    expect(first.body).to.include({ status: 'pending', amount: 1052 });
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([1052]);

    const retried = await api(`/payments/${id}/refunds`, { amount: 1052 }, `re-${id}`);
    expect(retried.body).to.include({ id: first.body.id, status: 'succeeded', amount: 1052 });
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([1052]);
    expect(await read(id)).to.include({ amountRefunded: 1052 });
  });

  it('a refusal of the bank (test amount …51) is mapped: the refund failed, operation_declined, its amount released', async () => {
    const { id, ref } = await paid();
    const refused = await api(`/payments/${id}/refunds`, { amount: 1051 }, `re-${id}`);
    expect(refused.body).to.include({ status: 'failed', failureReason: 'operation_declined' });
    expect(bankSide(ref).refunds).to.deep.equal([]);
    const whole = await api(`/payments/${id}/refunds`, { amount: 2480 }, `re-all-${id}`);
    expect(whole.body).to.include({ status: 'succeeded' });
  });

  it('a payment whose notification and return were lost is reconciled by the status query (sync)', async () => {
    const payment = await stack.createPayment();
    const browser = new Browser();
    const fields = hiddenFields(await paypageForm(browser, payment.checkoutUrl), '#bank-redirect');
    // The automatic response goes nowhere: the Data names a dead URL, sealed again with the shop's key.
    const data = fields.Data!.replace(/automaticResponseUrl=[^|]*/, 'automaticResponseUrl=http://127.0.0.1:9/lost');
    const card = await browser.post(`${stack.bankUrl}/sips/paymentInit`, { ...fields, Data: data, Seal: computeSeal(data, SIPS_KEYS['2'], HMAC_SHA_256) });
    await payAtCardPage(browser, card, false);
    expect(await read(payment.id)).to.include({ status: 'pending' });

    const synced = await api(`/payments/${payment.id}/sync`, undefined, `sync-${payment.id}`);
    expect(synced.status, JSON.stringify(synced.body)).to.equal(200);
    expect(synced.body).to.include({ status: 'succeeded' });
    const events = (await read(payment.id)).events as Array<{ type: string }>;
    expect(events.map((e) => e.type)).to.include('payment.succeeded');
  });
});
