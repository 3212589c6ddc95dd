import { expect } from 'chai';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { ALLOWED_ALGORITHMS, RESPONSE_TYP, type PaymentResponseClaims } from '../../src/protocols/native.js';
import { BANK_ID, BankHarness, MERCHANT_ID, type OpenedTransaction } from './support/bank-harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every card number and security code typed in this file: none may survive anywhere. */
const TYPED_NUMBERS = ['4242424242424242', '4000000000000002', '4242424242424241', '5555555555554444', '378282246310005'];
const TYPED_CODES = ['737', '7373', '91'];

const VALID_EXPIRY = '12/39';

describe('sandbox bank: card decisions', () => {
  let harness: BankHarness;
  const tokensSeen: string[] = [];

  before(async () => {
    harness = await BankHarness.start({ retryDelaysMs: [100, 100, 100] });
  });

  beforeEach(() => harness.gateway.reset());

  after(async () => {
    await harness.close();
  });

  /** Verifies a response token the way the gateway must: bank JWKS, allow-list, typ, iss, aud. */
  async function verifyResponse(token: string): Promise<PaymentResponseClaims> {
    tokensSeen.push(token);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(harness.bank.jwks()), {
      algorithms: [...ALLOWED_ALGORITHMS],
      typ: RESPONSE_TYP,
      issuer: BANK_ID,
      audience: MERCHANT_ID,
      requiredClaims: ['iat', 'exp', 'jti'],
    });
    expect(protectedHeader.kid).to.equal(harness.bank.jwks().keys[0]!.kid);
    const claims = payload as unknown as PaymentResponseClaims;
    expect(claims.exp - claims.iat).to.equal(300);
    return claims;
  }

  /** Reads the auto-submitting page that sends the buyer back, and checks it is wired to run under its CSP. */
  async function readReturnPage(res: request.Response): Promise<PaymentResponseClaims> {
    const page = parse(res.text);
    const form = page.querySelector('form');
    expect(form?.getAttribute('action')).to.equal(harness.gateway.returnUrl);
    expect(form?.getAttribute('method')).to.equal('post');
    const hidden = form!.querySelector('input[name=response]');
    expect(hidden?.getAttribute('type')).to.equal('hidden');
    // node-html-parser keeps <noscript> content as raw text.
    expect(form!.querySelector('noscript')?.innerHTML, 'a button when scripts are off').to.match(/<button type="submit"/);

    const csp = String(res.headers['content-security-policy']);
    const script = page.querySelector('script');
    const nonce = script?.getAttribute('nonce');
    expect(nonce).to.be.a('string').with.length.greaterThan(10);
    expect(csp).to.include(`'nonce-${nonce}'`);
    expect(script?.text).to.include('submit()');
    expect(csp).to.match(new RegExp(`form-action [^;]*${harness.gateway.origin.replace(/\./g, '\\.')}`));
    expect(csp).to.include("script-src-attr 'none'");
    expect(res.text).to.not.match(/\son[a-z]+=/i);
    expect(res.headers['cache-control']).to.equal('no-store');
    return verifyResponse(hidden!.getAttribute('value')!);
  }

  /** Notifications about one transaction: a late retry for an earlier test must not count here. */
  function notificationsFor(opened: OpenedTransaction) {
    return harness.gateway.notifications.filter((n) => (decodeJwt(n.token) as unknown as PaymentResponseClaims).txn.ref === opened.txn.ref);
  }

  function pay(opened: OpenedTransaction, card: Record<string, string>) {
    return harness.submitCard(opened.cardPagePath, { expiry: VALID_EXPIRY, action: 'pay', ...card });
  }

  it('authorises 4242…: notifies the merchant, then auto-submits a fresh response to return_url', async () => {
    const opened = await harness.openTransaction({ amount: 2480, currency: 'EUR' });
    const res = await pay(opened, { cardNumber: '4242 4242 4242 4242', cvc: '737', cardType: 'visa' }).expect(200);

    // The first notification try is over before the buyer is sent back.
    expect(notificationsFor(opened)).to.have.length(1);
    const notification = notificationsFor(opened)[0]!;
    expect(notification.contentType).to.equal('application/x-www-form-urlencoded');
    const notified = await verifyResponse(notification.token);
    expect(notified.txn).to.deep.include({ ref: opened.txn.ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: opened.bankTxnId });
    expect(notified.txn.card).to.deep.equal({ brand: 'visa', last4: '4242' });
    expect(notified.txn.auth_code).to.match(/^\d{6}$/);
    expect(notified.txn).to.not.have.property('reason');

    const returned = await readReturnPage(res);
    expect(returned.txn).to.deep.equal(notified.txn);
    expect(returned.jti).to.not.equal(notified.jti);

    const [transaction] = harness.bank.transactions().filter((t) => t.bankTxnId === opened.bankTxnId);
    expect(transaction).to.deep.include({ status: 'authorised', card: { brand: 'visa', last4: '4242' } });
    expect(transaction!.notification).to.deep.equal({ state: 'delivered', attempts: 1 });
  });

  it('refuses 4000 0000 0000 0002 with card_declined', async () => {
    const opened = await harness.openTransaction();
    const res = await pay(opened, { cardNumber: '4000000000000002', cvc: '737', cardType: 'visa' }).expect(200);
    const notified = await verifyResponse(notificationsFor(opened)[0]!.token);
    expect(notified.txn).to.deep.include({ status: 'refused', reason: 'card_declined', card: { brand: 'visa', last4: '0002' } });
    expect(notified.txn).to.not.have.property('auth_code');
    expect((await readReturnPage(res)).txn.status).to.equal('refused');
  });

  it('authorises an Amex with its 4-digit code', async () => {
    const opened = await harness.openTransaction({ amount: 999, currency: 'USD' });
    await pay(opened, { cardNumber: '3782 822463 10005', cvc: '7373', cardType: 'amex' }).expect(200);
    const notified = await verifyResponse(notificationsFor(opened)[0]!.token);
    expect(notified.txn).to.deep.include({ status: 'authorised', amount: 999, currency: 'USD', card: { brand: 'amex', last4: '0005' } });
  });

  it('sends cancelled, with no card, when the buyer presses Cancel', async () => {
    const opened = await harness.openTransaction();
    const res = await harness.submitCard(opened.cardPagePath, { action: 'cancel', cardNumber: '', expiry: '', cvc: '' }).expect(200);
    const notified = await verifyResponse(notificationsFor(opened)[0]!.token);
    expect(notified.txn).to.deep.include({ ref: opened.txn.ref, status: 'cancelled', amount: opened.txn.amount, currency: opened.txn.currency });
    expect(notified.txn).to.not.have.property('card');
    expect((await readReturnPage(res)).txn.status).to.equal('cancelled');
  });

  it('retries a notification answered 503 with a freshly signed token, and stops after 200', async () => {
    harness.gateway.answerNextNotificationsWith(503);
    const opened = await harness.openTransaction();
    const res = await pay(opened, { cardNumber: '5555 5555 5555 4444', cvc: '737', cardType: 'mastercard' }).expect(200);
    await readReturnPage(res);
    expect(harness.bank.transactions().find((t) => t.bankTxnId === opened.bankTxnId)!.notification).to.deep.equal({ state: 'pending', attempts: 1 });

    await harness.gateway.waitForNotifications(2);
    await sleep(350);
    expect(notificationsFor(opened), 'no try after the 200').to.have.length(2);
    const [first, second] = await Promise.all(notificationsFor(opened).map((n) => verifyResponse(n.token)));
    expect(second!.txn).to.deep.equal(first!.txn);
    expect(second!.jti).to.not.equal(first!.jti);
    expect(harness.bank.transactions().find((t) => t.bankTxnId === opened.bankTxnId)!.notification).to.deep.equal({ state: 'delivered', attempts: 2 });
  });

  it('never retries a notification the merchant rejects with 400', async () => {
    harness.gateway.answerNextNotificationsWith(400);
    const opened = await harness.openTransaction();
    await pay(opened, { cardNumber: '4242424242424242', cvc: '737', cardType: 'visa' }).expect(200);
    await sleep(350);
    expect(notificationsFor(opened)).to.have.length(1);
    expect(harness.bank.transactions().find((t) => t.bankTxnId === opened.bankTxnId)!.notification).to.deep.equal({ state: 'rejected', attempts: 1 });
    expect(harness.logger.lines.some((l) => l.level === 'error' && (l.fields as { merchantReason?: string }).merchantReason === 'test_rejection')).to.equal(true);
  });

  it('gives up once the retry delays run out', async () => {
    harness.gateway.answerNextNotificationsWith(500, 502, 503, 504);
    const opened = await harness.openTransaction();
    await pay(opened, { cardNumber: '4242424242424242', cvc: '737', cardType: 'visa' }).expect(200);
    await harness.gateway.waitForNotifications(4);
    await sleep(350);
    expect(notificationsFor(opened)).to.have.length(4);
    expect(harness.bank.transactions().find((t) => t.bankTxnId === opened.bankTxnId)!.notification).to.deep.equal({ state: 'abandoned', attempts: 4 });
  });

  it('cannot pay a transaction twice, and refuses its ref when requested again', async () => {
    const opened = await harness.openTransaction();
    await pay(opened, { cardNumber: '4242424242424242', cvc: '737', cardType: 'visa' }).expect(200);

    const again = await pay(opened, { cardNumber: '4242424242424242', cvc: '737', cardType: 'visa' }).expect(409);
    expect(parse(again.text).querySelector('h1')?.text).to.equal('Payment already processed');
    expect(notificationsFor(opened)).to.have.length(1);

    const reload = await request(harness.bank.app).get(opened.cardPagePath).expect(200);
    expect(reload.text).to.include('Payment already processed');
    expect(parse(reload.text).querySelector('form input[name=cardNumber]')).to.equal(null);

    const reused = await harness.signRequest({ txn: opened.txn });
    const refused = await harness.postRequest(reused.token).expect(409);
    expect(refused.text).to.include('reference_reused');
  });

  it('decides once when Pay is double-clicked', async () => {
    const opened = await harness.openTransaction();
    const card = { cardNumber: '4242424242424242', cvc: '737', cardType: 'visa' };
    const [a, b] = await Promise.all([pay(opened, card), pay(opened, card)]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
    await sleep(50);
    expect(notificationsFor(opened)).to.have.length(1);
  });

  describe('sends the form back with a message, and decides nothing', () => {
    async function expectFormAgain(card: Record<string, string>, field: string, message: RegExp) {
      const opened = await harness.openTransaction();
      const res = await pay(opened, card).expect(422);
      const page = parse(res.text);
      expect(page.querySelector(`#${field}-error`)?.text).to.match(message);
      expect(page.querySelector(`#${field}`)?.getAttribute('aria-invalid')).to.equal('true');
      expect(page.querySelector('#cardNumber')?.getAttribute('value')).to.equal('');
      expect(page.querySelector('#cvc')?.getAttribute('value')).to.equal('');
      for (const secret of [card.cardNumber!, card.cardNumber!.replace(/\D/g, ''), card.cvc!]) expect(res.text).to.not.include(`"${secret}"`);
      expect(notificationsFor(opened)).to.have.length(0);
      const [transaction] = harness.bank.transactions().filter((t) => t.bankTxnId === opened.bankTxnId);
      expect(transaction).to.deep.include({ status: 'awaiting_card' });
      expect(transaction).to.not.have.property('card');
      return page;
    }

    it('for a number failing the Luhn check', async () => {
      await expectFormAgain({ cardNumber: '4242 4242 4242 4241', cvc: '737', cardType: 'visa' }, 'cardNumber', /not valid/);
    });

    it('for an expiry date in the past', async () => {
      const page = await expectFormAgain({ cardNumber: '4242424242424242', cvc: '737', cardType: 'visa', expiry: '01/20' }, 'expiry', /expired/);
      expect(page.querySelector('#expiry')?.getAttribute('value')).to.equal('01/20');
    });

    it('for an expiry date not written MM/YY', async () => {
      await expectFormAgain({ cardNumber: '4242424242424242', cvc: '737', cardType: 'visa', expiry: '2039-12' }, 'expiry', /MM\/YY/);
    });

    it('for a number of another brand than the chosen card type', async () => {
      const page = await expectFormAgain({ cardNumber: '4242424242424242', cvc: '737', cardType: 'mastercard' }, 'cardNumber', /not a Mastercard/);
      expect(page.querySelector('option[selected]')?.getAttribute('value')).to.equal('mastercard');
    });

    it('for a security code of the wrong length', async () => {
      await expectFormAgain({ cardNumber: '4242424242424242', cvc: '91', cardType: 'visa' }, 'cvc', /3 digits/);
    });

    it('for a form posted without Pay or Cancel', async () => {
      const opened = await harness.openTransaction();
      const res = await harness
        .submitCard(opened.cardPagePath, { cardNumber: '4242424242424242', expiry: VALID_EXPIRY, cvc: '737', cardType: 'visa' })
        .expect(422);
      expect(parse(res.text).querySelector('[role=alert]')?.text).to.include('Press Pay or Cancel');
      expect(res.text).to.not.include('4242424242424242');
      expect(harness.bank.transactions().find((t) => t.bankTxnId === opened.bankTxnId)?.status).to.equal('awaiting_card');
    });

    it('and the transaction can still be paid afterwards', async () => {
      const opened = await harness.openTransaction();
      await pay(opened, { cardNumber: '4242424242424241', cvc: '737', cardType: 'visa' }).expect(422);
      await pay(opened, { cardNumber: '4242424242424242', cvc: '737', cardType: 'visa' }).expect(200);
      expect(notificationsFor(opened)).to.have.length(1);
    });
  });

  // mocha runs a suite's own tests before its sub-suites: this one, last, sees everything above.
  describe('afterwards', () => {
    it('has kept no card number, security code or token in transactions() or any log line', () => {
      const snapshot = JSON.stringify(harness.bank.transactions());
      const logs = harness.logger.serialised();
      expect(logs.length).to.be.greaterThan(10);
      // A code is a short digit run: look for it as a whole value, not inside an id.
      const asWholeValue = (code: string) => new RegExp(`(^|[^0-9A-Za-z])${code}([^0-9A-Za-z]|$)`);
      for (const text of [snapshot, ...logs]) {
        for (const number of TYPED_NUMBERS) {
          expect(text).to.not.include(number);
          expect(text).to.not.include(number.replace(/(\d{4})(?=\d)/g, '$1 '));
        }
        for (const code of TYPED_CODES) expect(text).to.not.match(asWholeValue(code));
        expect(text).to.not.match(/cardNumber|cvc|"eyJ/i);
        for (const token of tokensSeen) expect(text).to.not.include(token);
      }
      for (const token of tokensSeen) {
        const claims = JSON.stringify(decodeJwt(token));
        for (const number of TYPED_NUMBERS) expect(claims).to.not.include(number);
      }
      expect(tokensSeen.length).to.be.greaterThan(5);
    });
  });
});
