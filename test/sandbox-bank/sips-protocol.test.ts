import { expect } from 'chai';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { SipsConnector } from '../../src/connectors/sips/sips-connector.js';
import { createSandboxBank, type SandboxBank } from '../../sandbox-bank/app.js';
import { independentHmacSeal, independentLegacySeal, message, sipsSettings } from '../connectors/sips/fixtures.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { FakeGateway, type ReceivedNotification } from './support/fake-gateway.js';
import { newRef } from './support/payment-request-token.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BANK_URL = 'http://bank.test';
const SIPS_MERCHANT_ID = '011223344550000';
const KEY_1 = 'sips_sandbox_key_one_0123456789';
const KEY_2 = 'sips_sandbox_key_two_9876543210';
const VALID_EXPIRY = '12/39';

/** Data fields of a request as the gateway writes them, with the ones a test wants to change. */
function requestData(gateway: FakeGateway, overrides: Record<string, string | undefined> = {}): string {
  const fields: Record<string, string | undefined> = {
    amount: '2480',
    currencyCode: '978',
    merchantId: SIPS_MERCHANT_ID,
    normalReturnUrl: gateway.returnUrl,
    automaticResponseUrl: gateway.notifyUrl,
    transactionReference: newRef(),
    keyVersion: '1',
    orderId: 'order-1042',
    customerLanguage: 'en',
    orderChannel: 'INTERNET',
    ...overrides,
  };
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join('|');
}

interface PostOptions {
  key?: string;
  encode?: 'base64' | 'base64url';
  legacy?: boolean;
  extra?: Record<string, string>;
}

async function sealedForm(data: string, options: PostOptions = {}): Promise<Record<string, string>> {
  const posted = options.encode ? Buffer.from(data, 'utf8').toString(options.encode) : data;
  const key = options.key ?? KEY_1;
  const seal = options.legacy ? await independentLegacySeal(posted, key) : await independentHmacSeal(posted, key);
  return {
    Data: posted,
    Seal: seal,
    InterfaceVersion: 'HP_2.20',
    ...(options.legacy ? {} : { SealAlgorithm: 'HMAC-SHA-256' }),
    ...(options.encode ? { Encode: options.encode } : {}),
    ...options.extra,
  };
}

function dataOf(fields: Record<string, string>): Record<string, string> {
  const text = fields.Encode ? Buffer.from(fields.Data!, fields.Encode as BufferEncoding).toString('utf8') : fields.Data!;
  return Object.fromEntries(text.split('|').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

describe('sandbox bank: Worldline Sips 2.0 Paypage POST', () => {
  let gateway: FakeGateway;
  let bank: SandboxBank;
  let logger: CapturingLogger;

  before(async () => {
    gateway = await FakeGateway.start();
    logger = new CapturingLogger();
    bank = await createSandboxBank({
      publicUrl: BANK_URL,
      merchants: [
        { merchantId: 'shop-1', jwksUrl: gateway.jwksUrl, displayName: 'Demo Shop', sips: { merchantId: SIPS_MERCHANT_ID, keys: { '1': KEY_1, '2': KEY_2 } } },
        { merchantId: 'native-only', jwksUrl: gateway.jwksUrl },
      ],
      notificationRetryDelaysMs: [100, 100, 100],
      logger,
    });
  });
  beforeEach(() => gateway.reset());
  after(async () => {
    await bank.close();
    await gateway.close();
  });

  const post = (fields: Record<string, string>) => request(bank.app).post('/sips/paymentInit').type('form').send(fields);

  /** Posts a request that must be refused; checks the code, the field named and that nothing was opened. */
  async function expectRefused(fields: Record<string, string>, code: string, field?: string) {
    const before = bank.transactions().length;
    const res = await post(fields).expect('Content-Type', /html/);
    expect(res.status, res.text.slice(0, 300)).to.be.oneOf([400, 409]);
    const codes = parse(res.text).querySelectorAll('code').map((c) => c.text);
    expect(codes[0]).to.equal(code);
    if (field) expect(codes).to.include(field);
    expect(bank.transactions()).to.have.length(before);
  }

  async function open(data: string, options: PostOptions = {}): Promise<{ cardPagePath: string; bankTxnId: string }> {
    const res = await post(await sealedForm(data, options));
    expect(res.status, res.text.slice(0, 400)).to.equal(303);
    const location = new URL(res.headers.location as string);
    expect(location.origin).to.equal(BANK_URL);
    return { cardPagePath: location.pathname, bankTxnId: location.pathname.split('/').pop()! };
  }

  function pay(cardPagePath: string, card: Record<string, string>) {
    return request(bank.app).post(cardPagePath).type('form').send({ expiry: VALID_EXPIRY, action: 'pay', cvc: '737', cardType: 'visa', ...card });
  }

  function fieldsOf(notification: ReceivedNotification): Record<string, string> {
    return Object.fromEntries(new URLSearchParams(notification.body));
  }

  function returnFormOf(res: request.Response): { action: string | undefined; method: string | undefined; fields: Record<string, string> } {
    const form = parse(res.text).querySelector('form#return-to-merchant')!;
    const fields = Object.fromEntries(form.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value')!]));
    return { action: form.getAttribute('action'), method: form.getAttribute('method'), fields };
  }

  it('opens a transaction for a request sealed with HMAC-SHA-256, and shows the shared card page', async () => {
    const data = requestData(gateway, { amount: '1999', currencyCode: '840', customerLanguage: 'fr', orderId: 'CMD-77' });
    const { cardPagePath, bankTxnId } = await open(data);
    const page = await request(bank.app).get(cardPagePath).expect(200);
    expect(page.text).to.contain('CMD-77').and.contain('Demo Shop').and.contain('19,99');
    expect(page.text).to.contain('Numéro de carte');
    const transaction = bank.transactions().find((t) => t.bankTxnId === bankTxnId)!;
    expect(transaction).to.deep.include({ protocol: 'sips', merchantId: 'shop-1', amount: 1999, currency: 'USD', status: 'awaiting_card' });
    expect(JSON.stringify(transaction)).to.not.contain(KEY_1);
  });

  it('authorised: the automatic response and the return carry the same Data, sealed with the key of the request', async () => {
    const ref = newRef();
    const { cardPagePath } = await open(requestData(gateway, { transactionReference: ref }));
    const res = await pay(cardPagePath, { cardNumber: '4242 4242 4242 4242' }).expect(200);

    expect(gateway.notifications).to.have.length(1);
    const notification = gateway.notifications[0]!;
    expect(notification.contentType).to.equal('application/x-www-form-urlencoded');
    const notified = fieldsOf(notification);
    expect(Object.keys(notified).sort()).to.deep.equal(['Data', 'InterfaceVersion', 'Seal']);
    expect(notified.InterfaceVersion).to.equal('HP_2.20');
    expect(notified.Seal).to.equal(await independentHmacSeal(notified.Data!, KEY_1));
    const data = dataOf(notified);
    expect(data).to.include({
      amount: '2480',
      currencyCode: '978',
      merchantId: SIPS_MERCHANT_ID,
      transactionReference: ref,
      keyVersion: '1',
      responseCode: '00',
      acquirerResponseCode: '00',
      maskedPan: '############4242',
      paymentMeanBrand: 'VISA',
      orderId: 'order-1042',
    });
    expect(data.authorisationId).to.match(/^\d{6}$/);
    expect(notified.Data).to.not.contain('42424242');

    const back = returnFormOf(res);
    expect(back).to.deep.include({ action: gateway.returnUrl, method: 'post' });
    expect(back.fields).to.deep.equal(notified);
    expect(String(res.headers['content-security-policy'])).to.match(new RegExp(`form-action [^;]*${gateway.origin.replace(/\./g, '\\.')}`));
  });

  it('what it sends is what the gateway connector accepts', async () => {
    const ref = newRef();
    const { cardPagePath } = await open(requestData(gateway, { transactionReference: ref }));
    const res = await pay(cardPagePath, { cardNumber: '5555 5555 5555 4444', cardType: 'mastercard' }).expect(200);
    const connector = new SipsConnector(sipsSettings({ merchantId: SIPS_MERCHANT_ID, secretKeys: { '1': KEY_1 }, keyVersion: '1' }));
    const verified = await connector.verifyNotification(message(fieldsOf(gateway.notifications[0]!)));
    expect(verified.outcome).to.deep.include({ attemptRef: ref, status: 'authorised', amount: 2480, currency: 'EUR', card: { brand: 'mastercard', last4: '4444' }, responseCode: '00/00' });
    expect((await connector.verifyReturn(message(returnFormOf(res).fields))).outcome).to.deep.equal(verified.outcome);
  });

  it('refused: 05, with the acquirer code 05 for a declined card and 51 for insufficient funds', async () => {
    for (const [number, acquirer] of [['4000000000000002', '05'], ['4000000000009995', '51']] as const) {
      gateway.reset();
      const { cardPagePath } = await open(requestData(gateway));
      await pay(cardPagePath, { cardNumber: number }).expect(200);
      expect(dataOf(fieldsOf(gateway.notifications[0]!))).to.include({ responseCode: '05', acquirerResponseCode: acquirer });
      expect(dataOf(fieldsOf(gateway.notifications[0]!))).to.not.have.property('authorisationId');
    }
  });

  it('cancelled: 17, without any card field', async () => {
    const { cardPagePath } = await open(requestData(gateway));
    const res = await request(bank.app).post(cardPagePath).type('form').send({ action: 'cancel' }).expect(200);
    const data = dataOf(returnFormOf(res).fields);
    expect(data.responseCode).to.equal('17');
    for (const name of ['maskedPan', 'paymentMeanBrand', 'authorisationId', 'acquirerResponseCode']) expect(data).to.not.have.property(name);
  });

  it('answers a base64 request in base64 (Encode), sealed over the encoded Data', async () => {
    for (const encode of ['base64', 'base64url'] as const) {
      gateway.reset();
      const { cardPagePath } = await open(requestData(gateway, { orderId: 'Commande-é' }), { encode });
      const res = await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      const back = returnFormOf(res).fields;
      expect(back.Encode).to.equal(encode);
      expect(back.Seal).to.equal(await independentHmacSeal(back.Data!, KEY_1));
      expect(dataOf(back)).to.include({ responseCode: '00', orderId: 'Commande-é' });
    }
  });

  it('accepts the legacy seal (no SealAlgorithm) and answers with it', async () => {
    const { cardPagePath } = await open(requestData(gateway), { legacy: true });
    const res = await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    const back = returnFormOf(res).fields;
    expect(back.Seal).to.equal(await independentLegacySeal(back.Data!, KEY_1));
  });

  it('key rotation: a request sealed with key version 2 is answered with key version 2', async () => {
    const { cardPagePath } = await open(requestData(gateway, { keyVersion: '2' }), { key: KEY_2 });
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    const notified = fieldsOf(gateway.notifications[0]!);
    expect(dataOf(notified).keyVersion).to.equal('2');
    expect(notified.Seal).to.equal(await independentHmacSeal(notified.Data!, KEY_2));
  });

  it('retries an automatic response that is not answered 200, with the same sealed Data', async () => {
    gateway.answerNextNotificationsWith(503);
    const { cardPagePath, bankTxnId } = await open(requestData(gateway));
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    await gateway.waitForNotifications(2);
    await sleep(250);
    expect(gateway.notifications).to.have.length(2);
    expect(gateway.notifications[1]!.body).to.equal(gateway.notifications[0]!.body);
    expect(bank.transactions().find((t) => t.bankTxnId === bankTxnId)!.notification).to.deep.equal({ state: 'delivered', attempts: 2 });
  });

  it('sends no automatic response when the request has no automaticResponseUrl', async () => {
    const { cardPagePath, bankTxnId } = await open(requestData(gateway, { automaticResponseUrl: undefined }));
    const res = await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    expect(returnFormOf(res).fields.Data).to.be.a('string');
    await sleep(50);
    expect(gateway.notifications).to.have.length(0);
    expect(bank.transactions().find((t) => t.bankTxnId === bankTxnId)!.notification).to.deep.equal({ state: 'not_sent', attempts: 0 });
  });

  it('refuses a transactionReference already processed', async () => {
    const ref = newRef();
    const { cardPagePath } = await open(requestData(gateway, { transactionReference: ref }));
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    await expectRefused(await sealedForm(requestData(gateway, { transactionReference: ref })), 'reference_reused');
  });

  describe('refuses, and opens nothing', () => {
    it('Data changed after sealing', async () => {
      const form = await sealedForm(requestData(gateway));
      await expectRefused({ ...form, Data: form.Data!.replace('amount=2480', 'amount=1') }, 'bad_seal', 'Seal');
      // A duplicated field would make Data ambiguous: the seal, checked first, already refuses it.
      await expectRefused({ ...form, Data: `${form.Data}|amount=1` }, 'bad_seal', 'Seal');
      // Even sealed, a field given twice is refused rather than read one way or the other.
      await expectRefused(await sealedForm(`${requestData(gateway)}|amount=1`), 'malformed_request', 'Data');
    });

    it('a seal made with another key, or with key 1 for key version 2', async () => {
      await expectRefused(await sealedForm(requestData(gateway), { key: 'not-the-merchant-key' }), 'bad_seal');
      await expectRefused(await sealedForm(requestData(gateway, { keyVersion: '2' }), { key: KEY_1 }), 'bad_seal');
    });

    it('a key version the merchant has not registered', async () => {
      await expectRefused(await sealedForm(requestData(gateway, { keyVersion: '7' })), 'unknown_key_version', 'keyVersion');
      await expectRefused(await sealedForm(requestData(gateway, { keyVersion: undefined })), 'unknown_key_version', 'keyVersion');
    });

    it('an unknown merchantId, or a merchant registered without Sips credentials', async () => {
      await expectRefused(await sealedForm(requestData(gateway, { merchantId: '999999999999999' })), 'unknown_merchant', 'merchantId');
      await expectRefused(await sealedForm(requestData(gateway, { merchantId: undefined })), 'unknown_merchant', 'merchantId');
    });

    it('a seal algorithm it does not know', async () => {
      await expectRefused(await sealedForm(requestData(gateway), { extra: { SealAlgorithm: 'HMAC-SHA-1' } }), 'algorithm_not_allowed', 'SealAlgorithm');
      // A request sealed with HMAC but declaring the legacy algorithm does not verify either.
      await expectRefused(await sealedForm(requestData(gateway), { extra: { SealAlgorithm: 'SHA-256' } }), 'bad_seal');
    });

    it('missing Data, Seal or InterfaceVersion, and undecodable Data', async () => {
      const form = await sealedForm(requestData(gateway));
      await expectRefused({ Seal: form.Seal!, InterfaceVersion: 'HP_2.20' }, 'missing_request', 'Data');
      await expectRefused({ Data: form.Data!, InterfaceVersion: 'HP_2.20' }, 'missing_request', 'Seal');
      await expectRefused({ Data: form.Data!, Seal: form.Seal! }, 'invalid_claims', 'InterfaceVersion');
      await expectRefused({ ...form, Encode: 'base64' }, 'malformed_request', 'Data');
      await expectRefused({ ...form, Encode: 'hex' }, 'malformed_request', 'Encode');
    });

    it('sealed fields that are invalid, naming the field', async () => {
      const cases: Array<[Record<string, string | undefined>, string]> = [
        [{ amount: '0' }, 'amount'],
        [{ amount: '24.80' }, 'amount'],
        [{ currencyCode: '999' }, 'currencyCode'],
        [{ currencyCode: 'EUR' }, 'currencyCode'],
        [{ transactionReference: 'has-dash' }, 'transactionReference'],
        [{ normalReturnUrl: 'javascript:alert(1)' }, 'normalReturnUrl'],
        [{ normalReturnUrl: undefined }, 'normalReturnUrl'],
        [{ automaticResponseUrl: 'ftp://x.example/' }, 'automaticResponseUrl'],
        [{ orderId: 'x'.repeat(33) }, 'orderId'],
      ];
      for (const [override, field] of cases) await expectRefused(await sealedForm(requestData(gateway, override)), 'invalid_claims', field);
    });
  });

  it('refuses bad Sips credentials when it starts', async () => {
    const start = (sips: { merchantId: string; keys: Record<string, string> }) => createSandboxBank({ publicUrl: BANK_URL, merchants: [{ merchantId: 'm', sips }], logger });
    const bad: Array<{ merchantId: string; keys: Record<string, string> }> = [
      { merchantId: '123', keys: { '1': 'k' } },
      { merchantId: SIPS_MERCHANT_ID, keys: {} },
      { merchantId: SIPS_MERCHANT_ID, keys: { v1: 'k' } },
    ];
    for (const sips of bad) {
      let failed = false;
      await start(sips).then(
        (b) => b.close(),
        () => (failed = true),
      );
      expect(failed, JSON.stringify(sips)).to.equal(true);
    }
  });

  it('a merchant registered for Sips only cannot use the native protocol', async () => {
    const sipsOnly = await createSandboxBank({ publicUrl: BANK_URL, merchants: [{ merchantId: 'sips-only', sips: { merchantId: SIPS_MERCHANT_ID, keys: { '1': KEY_1 } } }], logger });
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('sips-only').sign(gateway.key.privateKey);
    const res = await request(sipsOnly.app).post('/pay').type('form').send({ request: token }).expect(400);
    expect(res.text).to.contain('unknown_merchant');
    await sipsOnly.close();
  });

  it('keeps no key, seal, card number or masked PAN in transactions() or any log line', () => {
    const texts = [JSON.stringify(bank.transactions()), ...logger.serialised()];
    for (const text of texts) {
      for (const secret of [KEY_1, KEY_2, '4242424242424242', '4242 4242 4242 4242', '5555555555554444', '####']) expect(text).to.not.include(secret);
      expect(text).to.not.match(/"Seal"|"Data"|maskedPan/);
    }
  });
});
