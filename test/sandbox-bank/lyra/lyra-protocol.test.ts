import { expect } from 'chai';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { LyraConnector } from '../../../src/connectors/lyra/lyra-connector.js';
import { computeSignature } from '../../../src/protocols/lyra/signature.js';
import { createSandboxBank, type SandboxBank } from '../../../sandbox-bank/app.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { FakeGateway, type ReceivedNotification } from '../support/fake-gateway.js';
import { PUBLISHED_EXAMPLES, signedBySpec, signForm, specSignature } from './spec-signature.js';

const BANK_URL = 'http://bank.test';
const PAYMENT_PATH = '/lyra/vads-payment/';
const SITE_ID = '87654321';
const TEST_KEY = 'sandbox_lyra_test_key_0123456789';
const PRODUCTION_KEY = 'sandbox_lyra_prod_key_9876543210';
const SHA1_SITE_ID = '11112222';
const SHA1_KEY = 'legacy_sha1_shop_key_5555';
const TEST_ONLY_SITE_ID = '33334444';
const TEST_ONLY_KEY = 'test_only_shop_key_7777';
const VALID_EXPIRY = '12/39';

/** The bank's clock: fixed, so that days and identifiers are under the test's control. */
const NOW = new Date('2031-04-07T10:20:30.000Z');
const TODAY = '20310407102030';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let nextTransId = 1;
function newTransId(): string {
  return String(nextTransId++).padStart(6, '0');
}

describe('sandbox bank: Lyra form API', () => {
  let gateway: FakeGateway;
  let bank: SandboxBank;
  let logger: CapturingLogger;

  before(async () => {
    gateway = await FakeGateway.start();
    logger = new CapturingLogger();
    bank = await createSandboxBank({
      publicUrl: BANK_URL,
      merchants: [
        { merchantId: 'shop-1', displayName: 'Demo Shop', lyra: { siteId: SITE_ID, testKey: TEST_KEY, productionKey: PRODUCTION_KEY } },
        { merchantId: 'shop-sha1', lyra: { siteId: SHA1_SITE_ID, testKey: SHA1_KEY, signatureAlgorithm: 'SHA-1' } },
        { merchantId: 'shop-test-only', lyra: { siteId: TEST_ONLY_SITE_ID, testKey: TEST_ONLY_KEY } },
        { merchantId: 'native-only', jwksUrl: gateway.jwksUrl },
      ],
      notificationRetryDelaysMs: [50, 50, 50],
      logger,
      clock: () => NOW,
    });
  });
  beforeEach(() => gateway.reset());
  after(async () => {
    await bank.close();
    await gateway.close();
  });

  /** The fields of a payment form as the gateway's connector writes them, with the test's changes (undefined removes one). */
  function formFields(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const fields: Record<string, string | undefined> = {
      vads_action_mode: 'INTERACTIVE',
      vads_amount: '2480',
      vads_ctx_mode: 'TEST',
      vads_currency: '978',
      vads_language: 'en',
      vads_order_id: 'ATTEMPT0001',
      vads_page_action: 'PAYMENT',
      vads_payment_config: 'SINGLE',
      vads_return_mode: 'POST',
      vads_site_id: SITE_ID,
      vads_trans_date: TODAY,
      vads_trans_id: newTransId(),
      vads_url_check: gateway.notifyUrl,
      vads_url_return: gateway.returnUrl,
      vads_version: 'V2',
      ...overrides,
    };
    return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  const signed = (overrides: Record<string, string | undefined> = {}, key = TEST_KEY, algorithm: 'HMAC-SHA-256' | 'SHA-1' = 'HMAC-SHA-256') =>
    signForm(formFields(overrides), key, algorithm);

  const post = (fields: Record<string, string>) => request(bank.app).post(PAYMENT_PATH).type('form').send(new URLSearchParams(fields).toString());

  async function open(fields: Record<string, string>): Promise<{ cardPagePath: string; bankTxnId: string }> {
    const res = await post(fields);
    expect(res.status, res.text.slice(0, 600)).to.equal(303);
    const location = new URL(res.headers.location as string);
    expect(location.origin).to.equal(BANK_URL);
    return { cardPagePath: location.pathname, bankTxnId: location.pathname.split('/').pop()! };
  }

  /** Posts a request that must be refused; checks the page, the code, the field named, and that nothing was opened. */
  async function expectRefused(fields: Record<string, string>, code: string, field?: string): Promise<void> {
    const before = bank.transactions().length;
    const res = await post(fields);
    expect(res.headers['content-type']).to.match(/html/);
    expect(res.status, res.text.slice(0, 400)).to.be.oneOf([400, 409]);
    expect(res.text).to.contain('Payment request refused');
    const codes = parse(res.text).querySelectorAll('code').map((c) => c.text);
    expect(codes[0], `${code} ${field ?? ''}`).to.equal(code);
    if (field) expect(codes).to.include(field);
    expect(bank.transactions()).to.have.length(before);
  }

  function pay(cardPagePath: string, card: Record<string, string>) {
    return request(bank.app).post(cardPagePath).type('form').send({ expiry: VALID_EXPIRY, action: 'pay', cvc: '737', cardType: 'visa', ...card });
  }

  const fieldsOf = (notification: ReceivedNotification): Record<string, string> => Object.fromEntries(new URLSearchParams(notification.body));

  function returnFormOf(res: request.Response): { action: string | undefined; method: string | undefined; fields: Record<string, string> } {
    const form = parse(res.text).querySelector('form#return-to-merchant')!;
    const fields = Object.fromEntries(form.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value')!]));
    return { action: form.getAttribute('action'), method: form.getAttribute('method'), fields };
  }

  /** Every vads_ field of a message but the ones only the IPN carries. */
  function sharedFields(fields: Record<string, string>): Record<string, string> {
    const { signature: _s, vads_url_check_src: _src, vads_hash: _hash, ...rest } = fields;
    return rest;
  }

  describe('signature', () => {
    it('the bank signs as the published examples do, and as the independent computation of these tests', () => {
      for (const example of PUBLISHED_EXAMPLES) {
        expect(computeSignature(example.fields, example.key, example.algorithm)).to.equal(example.signature);
        expect(specSignature(example.fields, example.key, example.algorithm)).to.equal(example.signature);
      }
    });
  });

  it('a valid request opens a transaction and shows the shared card page', async () => {
    const fields = signed({ vads_amount: '1999', vads_currency: '840', vads_language: 'fr', vads_order_info: 'Commande 77', vads_trans_id: '000777' });
    const { cardPagePath, bankTxnId } = await open(fields);
    const page = await request(bank.app).get(cardPagePath).expect(200);
    expect(page.text).to.contain('Commande 77').and.contain('Demo Shop').and.contain('19,99');
    expect(page.text).to.contain('Numéro de carte');
    for (const name of ['cardNumber', 'expiry', 'cvc', 'cardType']) expect(parse(page.text).querySelector(`[name=${name}]`), name).to.not.equal(null);
    const transaction = bank.transactions().find((t) => t.bankTxnId === bankTxnId)!;
    expect(transaction).to.deep.include({ protocol: 'lyra', merchantId: 'shop-1', ref: '20310407-000777', amount: 1999, currency: 'USD', status: 'awaiting_card' });
    expect(JSON.stringify(transaction)).to.not.contain(TEST_KEY).and.not.contain(fields.signature!);
  });

  it('without vads_order_info the card page describes the payment by vads_order_id', async () => {
    const { cardPagePath } = await open(signed({ vads_order_id: 'ORDER4242', vads_language: undefined }));
    const page = await request(bank.app).get(cardPagePath).expect(200);
    expect(page.text).to.contain('ORDER4242').and.contain('Card number');
  });

  it('authorised: the IPN and the return carry the same result, signed with the key of the request, brand and last four digits only', async () => {
    const fields = signed({ vads_amount: '2480', vads_order_id: 'ATTEMPTAUTH1' });
    const { cardPagePath, bankTxnId } = await open(fields);
    const res = await pay(cardPagePath, { cardNumber: '4242 4242 4242 4242' }).expect(200);

    expect(gateway.notifications).to.have.length(1);
    const notification = gateway.notifications[0]!;
    expect(notification.contentType).to.equal('application/x-www-form-urlencoded');
    const ipn = fieldsOf(notification);
    expect(signedBySpec(ipn, TEST_KEY), 'IPN signature').to.equal(true);
    const transaction = bank.transactions().find((t) => t.bankTxnId === bankTxnId)!;
    expect(ipn).to.include({
      vads_trans_status: 'AUTHORISED',
      vads_result: '00',
      vads_auth_result: '00',
      vads_auth_number: transaction.authCode,
      vads_card_brand: 'VISA',
      vads_card_number: 'XXXXXXXXXXXX4242',
      vads_amount: '2480',
      vads_currency: '978',
      vads_order_id: 'ATTEMPTAUTH1',
      vads_site_id: SITE_ID,
      vads_ctx_mode: 'TEST',
      vads_trans_id: fields.vads_trans_id,
      vads_trans_date: TODAY,
      vads_url_check_src: 'PAY',
      vads_version: 'V2',
      vads_operation_type: 'DEBIT',
    });
    expect(ipn.vads_trans_uuid).to.match(/^[0-9a-f]{32}$/);
    expect(ipn.vads_trans_uuid).to.not.equal(bankTxnId.replace(/^sbx/, ''));
    expect(notification.body).to.not.contain('424242');

    const back = returnFormOf(res);
    expect(back.action).to.equal(gateway.returnUrl);
    expect(back.method).to.equal('post');
    expect(signedBySpec(back.fields, TEST_KEY), 'return signature').to.equal(true);
    expect(back.fields).to.not.have.property('vads_url_check_src');
    expect(back.fields).to.not.have.property('vads_hash');
    expect(sharedFields(back.fields)).to.deep.equal(sharedFields(ipn));
    expect(res.text).to.not.contain('424242');
  });

  it('returns vads_order_info, vads_order_info2 and vads_order_info3 as sent, in the IPN and the return', async () => {
    const info = { vads_order_id: 'SHOP_42-B', vads_order_info: 'Deux tasses', vads_order_info2: 'AATTEMPTREF2', vads_order_info3: 'x' };
    const { cardPagePath } = await open(signed(info));
    const res = await pay(cardPagePath, { cardNumber: '4242 4242 4242 4242' }).expect(200);
    expect(fieldsOf(gateway.notifications[0]!)).to.include(info);
    expect(returnFormOf(res).fields).to.include(info);
  });

  it('what it sends is what the gateway connector accepts (IPN and return)', async () => {
    const fields = signed({ vads_order_id: 'order-interop', vads_order_info2: 'ATTEMPTINTEROP1' });
    const { cardPagePath } = await open(fields);
    const res = await pay(cardPagePath, { cardNumber: '5555 5555 5555 4444', cardType: 'mastercard' }).expect(200);
    const connector = new LyraConnector({
      siteId: SITE_ID,
      ctxMode: 'TEST',
      key: TEST_KEY,
      paymentUrl: `${BANK_URL}${PAYMENT_PATH}`,
      signatureAlgorithm: 'HMAC-SHA-256',
      services: new MemoryPaymentStore(),
    });
    const message = (f: Record<string, string>) => ({ method: 'POST', fields: f, rawBody: Buffer.from(new URLSearchParams(f).toString()), headers: {} });
    const ipn = await connector.verifyNotification(message(fieldsOf(gateway.notifications[0]!)));
    expect(ipn.outcome).to.deep.include({ attemptRef: 'ATTEMPTINTEROP1', status: 'authorised', amount: 2480, currency: 'EUR', responseCode: '00/00' });
    expect(ipn.outcome.card).to.deep.equal({ brand: 'mastercard', last4: '4444' });
    const back = await connector.verifyReturn(message(returnFormOf(res).fields));
    expect(back.outcome).to.deep.equal(ipn.outcome);
  });

  it('refused: REFUSED, result 05, authorisation result 05 for a declined card and 51 for insufficient funds; the refused URL when named', async () => {
    const refusedUrl = `${gateway.origin}/refused`;
    const declined = await open(signed({ vads_url_refused: refusedUrl }));
    const res = await pay(declined.cardPagePath, { cardNumber: '4000 0000 0000 0002' }).expect(200);
    const first = fieldsOf(gateway.notifications[0]!);
    expect(signedBySpec(first, TEST_KEY)).to.equal(true);
    expect(first).to.include({ vads_trans_status: 'REFUSED', vads_result: '05', vads_auth_result: '05', vads_auth_number: '', vads_card_brand: 'VISA', vads_card_number: 'XXXXXXXXXXXX0002' });
    expect(returnFormOf(res).action).to.equal(refusedUrl);

    const poor = await open(signed());
    await pay(poor.cardPagePath, { cardNumber: '4000 0000 0000 9995' }).expect(200);
    expect(fieldsOf(gateway.notifications[1]!)).to.include({ vads_trans_status: 'REFUSED', vads_result: '05', vads_auth_result: '51' });
  });

  it('cancelled by the buyer: ABANDONED, result 17, no card field, to the cancel URL when named', async () => {
    const cancelUrl = `${gateway.origin}/cancel?order=42`;
    const { cardPagePath } = await open(signed({ vads_url_cancel: cancelUrl }));
    const res = await request(bank.app).post(cardPagePath).type('form').send({ action: 'cancel' }).expect(200);
    const ipn = fieldsOf(gateway.notifications[0]!);
    expect(signedBySpec(ipn, TEST_KEY)).to.equal(true);
    expect(ipn).to.include({ vads_trans_status: 'ABANDONED', vads_result: '17' });
    for (const name of ['vads_card_brand', 'vads_card_number', 'vads_auth_number', 'vads_auth_result']) expect(ipn).to.not.have.property(name);
    const back = returnFormOf(res);
    expect(back.action).to.equal(cancelUrl);
    expect(signedBySpec(back.fields, TEST_KEY)).to.equal(true);
  });

  it('PRODUCTION: a request signed with the production key is answered with it', async () => {
    const fields = signed({ vads_ctx_mode: 'PRODUCTION' }, PRODUCTION_KEY);
    const { cardPagePath } = await open(fields);
    const res = await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    const ipn = fieldsOf(gateway.notifications[0]!);
    expect(ipn.vads_ctx_mode).to.equal('PRODUCTION');
    expect(signedBySpec(ipn, PRODUCTION_KEY)).to.equal(true);
    expect(signedBySpec(ipn, TEST_KEY)).to.equal(false);
    expect(signedBySpec(returnFormOf(res).fields, PRODUCTION_KEY)).to.equal(true);
  });

  it('a shop on the legacy SHA-1 algorithm is verified and answered in SHA-1', async () => {
    const { cardPagePath } = await open(signed({ vads_site_id: SHA1_SITE_ID }, SHA1_KEY, 'SHA-1'));
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    const ipn = fieldsOf(gateway.notifications[0]!);
    expect(ipn.signature).to.match(/^[0-9a-f]{40}$/);
    expect(signedBySpec(ipn, SHA1_KEY, 'SHA-1')).to.equal(true);
    await expectRefused(signed({ vads_site_id: SHA1_SITE_ID }, SHA1_KEY, 'HMAC-SHA-256'), 'bad_signature', 'signature');
  });

  it('retries an IPN not answered with a 2xx, a 400 included, each try signed afresh', async () => {
    gateway.answerNextNotificationsWith(503, 400);
    const { cardPagePath, bankTxnId } = await open(signed());
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    await gateway.waitForNotifications(3);
    const tries = gateway.notifications.map(fieldsOf);
    for (const fields of tries) expect(signedBySpec(fields, TEST_KEY)).to.equal(true);
    expect(new Set(tries.map((f) => f.vads_hash)).size).to.equal(3);
    expect(tries.map(sharedFields)).to.deep.equal([sharedFields(tries[0]!), sharedFields(tries[0]!), sharedFields(tries[0]!)]);
    // The third answer is recorded right after it arrives.
    for (let i = 0; i < 50 && bank.transactions().find((t) => t.bankTxnId === bankTxnId)!.notification.state !== 'delivered'; i++) await sleep(10);
    expect(bank.transactions().find((t) => t.bankTxnId === bankTxnId)!.notification).to.deep.equal({ state: 'delivered', attempts: 3 });
  });

  it('sends no IPN when the request names no vads_url_check', async () => {
    const { cardPagePath, bankTxnId } = await open(signed({ vads_url_check: undefined }));
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    await sleep(100);
    expect(gateway.notifications).to.have.length(0);
    expect(bank.transactions().find((t) => t.bankTxnId === bankTxnId)!.notification.state).to.equal('not_sent');
  });

  it('vads_return_mode GET: the signed result in the query, the return URL\'s own parameters kept', async () => {
    const { cardPagePath } = await open(signed({ vads_return_mode: 'GET', vads_url_return: `${gateway.returnUrl}?shop=7` }));
    const back = returnFormOf(await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200));
    expect(back.method).to.equal('get');
    expect(back.action).to.equal(gateway.returnUrl);
    expect(back.fields.shop).to.equal('7');
    expect(back.fields.vads_trans_status).to.equal('AUTHORISED');
    expect(signedBySpec(back.fields, TEST_KEY)).to.equal(true);
  });

  it('vads_return_mode NONE, or none named: back to the return URL without any result', async () => {
    for (const mode of ['NONE', undefined]) {
      const { cardPagePath } = await open(signed({ vads_return_mode: mode, vads_url_return: `${gateway.returnUrl}?shop=7` }));
      const back = returnFormOf(await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200));
      expect(back.method).to.equal('get');
      expect(back.fields).to.deep.equal({ shop: '7' });
    }
  });

  describe('vads_trans_id: one per shop per UTC day', () => {
    it('the same form again while its transaction awaits the card shows the same card page', async () => {
      const fields = signed();
      const first = await open(fields);
      const second = await open(fields);
      expect(second.bankTxnId).to.equal(first.bankTxnId);
      expect(bank.transactions().filter((t) => t.bankTxnId === first.bankTxnId)).to.have.length(1);
    });

    it('another form with an identifier whose transaction awaits the card is refused', async () => {
      const transId = newTransId();
      await open(signed({ vads_trans_id: transId }));
      await expectRefused(signed({ vads_trans_id: transId, vads_order_id: 'ANOTHERORDER' }), 'reference_in_use', 'vads_trans_id');
      await expectRefused(signed({ vads_trans_id: transId, vads_amount: '100' }), 'reference_in_use', 'vads_trans_id');
    });

    it('an identifier already used that day is refused once its transaction is decided, even for the same form', async () => {
      const fields = signed();
      const { cardPagePath } = await open(fields);
      await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      await expectRefused(fields, 'reference_reused');
      await expectRefused(signed({ vads_trans_id: fields.vads_trans_id, vads_trans_date: '20310407091500' }), 'reference_reused');
    });

    it('the same identifier on another UTC day, or for another shop, is another transaction', async () => {
      const transId = newTransId();
      const today = await open(signed({ vads_trans_id: transId }));
      await pay(today.cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      const yesterday = await open(signed({ vads_trans_id: transId, vads_trans_date: '20310406235959' }));
      const otherShop = await open(signed({ vads_trans_id: transId, vads_site_id: TEST_ONLY_SITE_ID }, TEST_ONLY_KEY));
      expect(new Set([today.bankTxnId, yesterday.bankTxnId, otherShop.bankTxnId]).size).to.equal(3);
    });
  });

  describe('refuses with the refusal page, and opens nothing', () => {
    it('a field changed after signing', async () => {
      const fields = signed();
      await expectRefused({ ...fields, vads_amount: '1' }, 'bad_signature', 'signature');
      await expectRefused({ ...fields, vads_url_check: 'https://attacker.example/ipn' }, 'bad_signature', 'signature');
      await expectRefused({ ...fields, vads_extra: 'added' }, 'bad_signature', 'signature');
    });

    it('a signature made with another key, with the TEST key for PRODUCTION, or in the wrong algorithm', async () => {
      await expectRefused(signed({}, 'not_the_shop_key'), 'bad_signature', 'signature');
      await expectRefused(signed({ vads_ctx_mode: 'PRODUCTION' }, TEST_KEY), 'bad_signature', 'signature');
      await expectRefused(signed({}, TEST_KEY, 'SHA-1'), 'bad_signature', 'signature');
    });

    it('a missing or empty signature', async () => {
      const { signature: _s, ...unsigned } = signed();
      await expectRefused(unsigned, 'missing_request', 'signature');
      await expectRefused({ ...unsigned, signature: '' }, 'missing_request', 'signature');
      await expectRefused({ ...unsigned, signature: 'x'.repeat(200) }, 'malformed_request', 'signature');
    });

    it('an unknown vads_site_id, or none', async () => {
      await expectRefused(signed({ vads_site_id: '99999999' }), 'unknown_merchant', 'vads_site_id');
      await expectRefused(signed({ vads_site_id: undefined }), 'unknown_merchant', 'vads_site_id');
    });

    it('a context the shop has no key for, or no context', async () => {
      await expectRefused(signed({ vads_site_id: TEST_ONLY_SITE_ID, vads_ctx_mode: 'PRODUCTION' }, TEST_ONLY_KEY), 'invalid_claims', 'vads_ctx_mode');
      await expectRefused(signed({ vads_ctx_mode: undefined }), 'invalid_claims', 'vads_ctx_mode');
      await expectRefused(signed({ vads_ctx_mode: 'DEMO' }), 'invalid_claims', 'vads_ctx_mode');
    });

    it('each required field missing, naming it', async () => {
      for (const name of ['vads_action_mode', 'vads_amount', 'vads_currency', 'vads_page_action', 'vads_payment_config', 'vads_trans_date', 'vads_trans_id', 'vads_version', 'vads_url_return']) {
        await expectRefused(signed({ [name]: undefined }), 'invalid_claims', name);
        await expectRefused(signed({ [name]: '' }), 'invalid_claims', name);
      }
    });

    it('signed fields that are invalid, naming the field', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ vads_amount: '0' }, 'vads_amount'],
        [{ vads_amount: '12.50' }, 'vads_amount'],
        [{ vads_amount: '1234567890123' }, 'vads_amount'],
        [{ vads_currency: '999' }, 'vads_currency'],
        [{ vads_currency: 'EUR' }, 'vads_currency'],
        [{ vads_trans_id: '12345' }, 'vads_trans_id'],
        [{ vads_trans_id: '900000' }, 'vads_trans_id'],
        [{ vads_trans_date: '20310230102030' }, 'vads_trans_date'],
        [{ vads_trans_date: '2031-04-07T10:20' }, 'vads_trans_date'],
        [{ vads_trans_date: '20310405102030' }, 'vads_trans_date'],
        [{ vads_trans_date: '20310407132030' }, 'vads_trans_date'],
        [{ vads_action_mode: 'SILENT' }, 'vads_action_mode'],
        [{ vads_page_action: 'REGISTER' }, 'vads_page_action'],
        [{ vads_payment_config: 'MULTI:first=1000;count=3;period=30' }, 'vads_payment_config'],
        [{ vads_version: 'V1' }, 'vads_version'],
        [{ vads_return_mode: 'PUT' }, 'vads_return_mode'],
        [{ vads_url_return: 'ftp://shop.example/return' }, 'vads_url_return'],
        [{ vads_url_return: 'https://user:pw@shop.example/return' }, 'vads_url_return'],
        [{ vads_url_check: 'javascript:alert(1)' }, 'vads_url_check'],
        [{ vads_url_success: 'not a url' }, 'vads_url_success'],
        [{ vads_language: 'english' }, 'vads_language'],
        [{ vads_order_id: 'x'.repeat(65) }, 'vads_order_id'],
        [{ vads_order_id: 'commande 42' }, 'vads_order_id'],
        [{ vads_order_info2: 'x'.repeat(256) }, 'vads_order_info2'],
      ];
      for (const [overrides, field] of cases) await expectRefused(signed(overrides), 'invalid_claims', field);
    });

    it('a field sent twice', async () => {
      const fields = signed();
      const body = `${new URLSearchParams(fields).toString()}&vads_amount=1`;
      const res = await request(bank.app).post(PAYMENT_PATH).type('form').send(body);
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('malformed_request');
    });
  });

  it('refuses bad Lyra credentials when it starts', async () => {
    const start = (lyra: Record<string, unknown>) => createSandboxBank({ publicUrl: BANK_URL, merchants: [{ merchantId: 'm', lyra: lyra as never }], logger: new CapturingLogger() });
    for (const [lyra, message] of [
      [{ siteId: '1234567', testKey: 'k' }, /siteId must be 8 digits/],
      [{ siteId: '12345678' }, /testKey/],
      [{ siteId: '12345678', testKey: 'has space' }, /testKey/],
      [{ siteId: '12345678', testKey: 'k', productionKey: '' }, /productionKey/],
      [{ siteId: '12345678', testKey: 'k', signatureAlgorithm: 'MD5' }, /signatureAlgorithm/],
    ] as const) {
      let error: unknown;
      try {
        await start(lyra);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(lyra)).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(message);
    }
  });

  it('keeps no key, signature, card number or masked number in transactions() or any log line', async () => {
    const fields = signed();
    const { cardPagePath } = await open(fields);
    await pay(cardPagePath, { cardNumber: '4242 4242 4242 4242' }).expect(200);
    const sent = fieldsOf(gateway.notifications[0]!);
    const texts = [JSON.stringify(bank.transactions()), ...logger.serialised()];
    expect(bank.transactions().length).to.be.greaterThan(5);
    for (const text of texts) {
      for (const secret of [TEST_KEY, PRODUCTION_KEY, SHA1_KEY, fields.signature!, sent.signature!, '4242424242424242', '4242 4242 4242 4242', '5555555555554444', 'XXXXXXXXXXXX']) {
        expect(text).to.not.include(secret);
      }
      expect(text).to.not.match(/vads_|requestDigest/);
    }
  });
});
