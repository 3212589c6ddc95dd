import { expect } from 'chai';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { createSandboxBank, type SandboxBank } from '../../../sandbox-bank/app.js';
import type { MoneticoMerchantCredentials } from '../../../sandbox-bank/protocols/monetico.js';
import { readMoneticoAcknowledgement } from '../../../sandbox-bank/protocols/monetico-response.js';
import { ATTEMPT_REF, moneticoConnector, samplePayment } from '../../connectors/monetico/fixtures.js';
import { hmacSha1Hex, KIT_DEMO_KEY, OTHER_KEY, specFieldsString, specPositionalRequest, specPositionalReturn, TEST_TPE } from '../../connectors/monetico/monetico-bank.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { newRef } from '../support/payment-request-token.js';
import { CDR_NOT_OK, CDR_OK, FakeInterfaceRetour } from './fake-interface-retour.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BANK_URL = 'http://bank.test';
const TEST_PATH = '/monetico/test/paiement.cgi';
const LIVE_PATH = '/monetico/paiement.cgi';
const OLD_KIT_TPE = '7654321';
const QUIET_TPE = '1111111';
const VALID_EXPIRY = '12/39';

/** The request fields as a merchant's site posts them, before the MAC. */
function requestFields(shop: FakeInterfaceRetour, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    TPE: TEST_TPE,
    date: '17/03/2026:10:40:10',
    montant: '24.80EUR',
    reference: newRef(),
    'texte-libre': 'order-1042',
    mail: 'buyer@example.com',
    lgue: 'EN',
    societe: 'maboutique',
    url_retour_ok: `${shop.origin}/return?attempt=A1&sig=ok-signature`,
    url_retour_err: `${shop.origin}/return?attempt=A1&sig=err-signature&outcome=err`,
    version: '3.0',
    contexte_commande: Buffer.from('{"billing":{}}').toString('base64'),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Sealed independently of the bank's code (test/connectors/monetico/monetico-bank.ts). */
function sealed(fields: Record<string, string>, options: { key?: string; method?: 'fields' | 'positional' } = {}): Record<string, string> {
  const text = options.method === 'positional' ? specPositionalRequest(fields) : specFieldsString(fields);
  return { ...fields, MAC: hmacSha1Hex(options.key ?? KIT_DEMO_KEY, text) };
}

function fieldsReturnMacOk(fields: Record<string, string>, key = KIT_DEMO_KEY): boolean {
  const { MAC, ...rest } = fields;
  return MAC === hmacSha1Hex(key, specFieldsString(rest));
}

describe('sandbox bank: Monetico Paiement', () => {
  let shop: FakeInterfaceRetour;
  let bank: SandboxBank;
  let logger: CapturingLogger;

  before(async () => {
    shop = await FakeInterfaceRetour.start();
    logger = new CapturingLogger();
    bank = await createSandboxBank({
      publicUrl: BANK_URL,
      merchants: [
        { merchantId: 'shop-1', displayName: 'Demo Shop', monetico: { tpe: TEST_TPE, key: KIT_DEMO_KEY, returnInterfaceUrl: shop.url } },
        { merchantId: 'shop-old-kit', monetico: { tpe: OLD_KIT_TPE, key: OTHER_KEY, macMethod: 'positional', returnInterfaceUrl: shop.url } },
        { merchantId: 'shop-quiet', monetico: { tpe: QUIET_TPE, key: KIT_DEMO_KEY } },
        { merchantId: 'native-only', jwksUrl: `${shop.origin}/.well-known/jwks.json` },
      ],
      notificationRetryDelaysMs: [100, 100, 100],
      logger,
    });
  });
  beforeEach(() => shop.reset());
  after(async () => {
    await bank.close();
    await shop.close();
  });

  const post = (fields: Record<string, string>, path = TEST_PATH) => request(bank.app).post(path).type('form').send(fields);

  async function expectRefused(fields: Record<string, string>, code: string, field?: string, path = TEST_PATH) {
    const before = bank.transactions().length;
    const res = await post(fields, path).expect('Content-Type', /html/);
    expect(res.status, res.text.slice(0, 300)).to.be.oneOf([400, 409]);
    const codes = parse(res.text).querySelectorAll('code').map((c) => c.text);
    expect(codes[0]).to.equal(code);
    if (field) expect(codes).to.include(field);
    expect(bank.transactions()).to.have.length(before);
    expect(res.text).to.not.contain('name="cardNumber"');
  }

  async function open(fields: Record<string, string>, path = TEST_PATH): Promise<{ cardPagePath: string; bankTxnId: string }> {
    const res = await post(fields, path);
    expect(res.status, res.text.slice(0, 400)).to.equal(303);
    const location = new URL(res.headers.location as string);
    expect(location.origin).to.equal(BANK_URL);
    return { cardPagePath: location.pathname, bankTxnId: location.pathname.split('/').pop()! };
  }

  function pay(cardPagePath: string, card: Record<string, string>) {
    return request(bank.app).post(cardPagePath).type('form').send({ expiry: VALID_EXPIRY, action: 'pay', cvc: '737', cardType: 'visa', ...card });
  }

  function returnFormOf(res: request.Response): { action: string | undefined; method: string | undefined; fields: Record<string, string> } {
    const form = parse(res.text).querySelector('form#return-to-merchant')!;
    const fields = Object.fromEntries(form.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value')!]));
    return { action: form.getAttribute('action'), method: form.getAttribute('method'), fields };
  }

  const transaction = (bankTxnId: string) => bank.transactions().find((t) => t.bankTxnId === bankTxnId)!;

  it('opens a transaction for a request whose MAC checks, and shows the shared card page', async () => {
    const fields = sealed(requestFields(shop, { montant: '19.99USD', lgue: 'FR', 'texte-libre': 'Commande CMD-77' }));
    const { cardPagePath, bankTxnId } = await open(fields);
    const page = await request(bank.app).get(cardPagePath).expect(200);
    expect(page.text).to.contain('Commande CMD-77').and.contain('Demo Shop').and.contain('19,99');
    expect(page.text).to.contain('Numéro de carte');
    expect(transaction(bankTxnId)).to.deep.include({ protocol: 'monetico-test', merchantId: 'shop-1', ref: fields.reference, amount: 1999, currency: 'USD', status: 'awaiting_card' });
    expect(JSON.stringify(bank.transactions())).to.not.contain(KIT_DEMO_KEY).and.not.contain(fields.MAC!);
  });

  it('reads exact decimal amounts in the currency’s minor units', async () => {
    for (const [montant, amount, currency] of [['24.8EUR', 2480, 'EUR'], ['24EUR', 2400, 'EUR'], ['1500JPY', 1500, 'JPY'], ['1.234KWD', 1234, 'KWD'], ['0.01EUR', 1, 'EUR']] as const) {
      const { bankTxnId } = await open(sealed(requestFields(shop, { montant })));
      expect(transaction(bankTxnId), montant).to.deep.include({ amount, currency });
    }
  });

  it('authorised on the test server: a server return with payetest, its MAC over the returned fields, brand and last four digits only', async () => {
    const fields = sealed(requestFields(shop));
    const { cardPagePath, bankTxnId } = await open(fields);
    const res = await pay(cardPagePath, { cardNumber: '4242 4242 4242 4242' }).expect(200);

    expect(shop.received).to.have.length(1);
    const notified = shop.received[0]!;
    expect(notified.contentType).to.equal('application/x-www-form-urlencoded');
    expect(fieldsReturnMacOk(notified.fields), notified.body).to.equal(true);
    expect(notified.fields).to.include({
      TPE: TEST_TPE,
      montant: '24.80EUR',
      reference: fields.reference,
      'texte-libre': 'order-1042',
      'code-retour': 'payetest',
      brand: 'VI',
      cbmasquee: '************4242',
      modepaiement: 'CB',
      cvx: 'oui',
      motifrefus: '',
    });
    expect(notified.fields.date).to.match(/^\d{2}\/\d{2}\/\d{4}_a_\d{2}:\d{2}:\d{2}$/);
    expect(notified.fields.numauto).to.match(/^\d{6}$/);
    expect(notified.fields.numauto).to.equal(transaction(bankTxnId).authCode);
    for (const name of ['vld', 'status3ds', 'originecb', 'bincb', 'hpancb', 'ipclient', 'originetr']) expect(notified.fields).to.have.property(name);
    expect(notified.body.replace(/\D/g, '')).to.not.contain('42424242');
    expect(transaction(bankTxnId).notification).to.deep.equal({ state: 'delivered', attempts: 1 });

    // The buyer goes back by GET to url_retour_ok, its own query carried intact as the form's fields.
    const back = returnFormOf(res);
    expect(back).to.deep.include({ action: `${shop.origin}/return`, method: 'get' });
    expect(back.fields).to.deep.equal({ attempt: 'A1', sig: 'ok-signature' });
    expect(String(res.headers['content-security-policy'])).to.match(new RegExp(`form-action [^;]*${shop.origin.replace(/\./g, '\\.')}`));
  });

  it('authorised on the production server: paiement', async () => {
    const { cardPagePath, bankTxnId } = await open(sealed(requestFields(shop)), LIVE_PATH);
    expect(transaction(bankTxnId).protocol).to.equal('monetico');
    await pay(cardPagePath, { cardNumber: '5555 5555 5555 4444', cardType: 'mastercard' }).expect(200);
    const notified = shop.received[0]!.fields;
    expect(fieldsReturnMacOk(notified)).to.equal(true);
    expect(notified).to.include({ 'code-retour': 'paiement', brand: 'MC', cbmasquee: '************4444' });
  });

  it('refused: Annulation with a motif, no authorisation number, and the buyer back at url_retour_err', async () => {
    const { cardPagePath } = await open(sealed(requestFields(shop)));
    const res = await pay(cardPagePath, { cardNumber: '4000 0000 0000 0002' }).expect(200);
    const notified = shop.received[0]!.fields;
    expect(fieldsReturnMacOk(notified)).to.equal(true);
    expect(notified).to.include({ 'code-retour': 'Annulation', motifrefus: 'Refus', numauto: '', brand: 'VI', cbmasquee: '************0002' });
    const back = returnFormOf(res);
    expect(back).to.deep.include({ action: `${shop.origin}/return`, method: 'get' });
    expect(back.fields).to.deep.equal({ attempt: 'A1', sig: 'err-signature', outcome: 'err' });
  });

  it('cancelled: Annulation without any card field, and the buyer back at url_retour_err', async () => {
    const { cardPagePath } = await open(sealed(requestFields(shop)));
    const res = await request(bank.app).post(cardPagePath).type('form').send({ action: 'cancel' }).expect(200);
    const notified = shop.received[0]!.fields;
    expect(fieldsReturnMacOk(notified)).to.equal(true);
    expect(notified).to.include({ 'code-retour': 'Annulation', numauto: '', brand: 'na', cvx: 'non' });
    expect(notified).to.not.have.property('cbmasquee');
    expect(returnFormOf(res).fields).to.include({ sig: 'err-signature' });
  });

  it('American Express and Diners: AM and DC, masked to their own lengths', async () => {
    for (const [number, cardType, cvc, brand, masked] of [
      ['3782 822463 10005', 'amex', '1234', 'AM', '***********0005'],
      ['3622 720627 1667', 'diners', '123', 'DC', '**********1667'],
    ] as const) {
      shop.reset();
      const { cardPagePath } = await open(sealed(requestFields(shop)));
      await pay(cardPagePath, { cardNumber: number, cardType, cvc }).expect(200);
      expect(shop.received[0]!.fields).to.include({ brand, cbmasquee: masked });
    }
  });

  it('the older kit: a positional request MAC is checked and the server return is sealed positionally', async () => {
    const fields = sealed(requestFields(shop, { TPE: OLD_KIT_TPE, reference: 'ABCDEF123456' }), { key: OTHER_KEY, method: 'positional' });
    const { cardPagePath } = await open(fields);
    await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    const { MAC, ...notified } = shop.received[0]!.fields;
    expect(MAC).to.equal(hmacSha1Hex(OTHER_KEY, specPositionalReturn(notified, OLD_KIT_TPE)));
    expect(notified).to.include({ reference: 'ABCDEF123456', 'code-retour': 'payetest' });
    // The same request sealed the current way does not verify for this merchant.
    await expectRefused(sealed(requestFields(shop, { TPE: OLD_KIT_TPE }), { key: OTHER_KEY }), 'bad_signature', 'MAC');
  });

  it('what it sends is what the gateway connector accepts, from a request the connector built', async () => {
    const { payment, attempt } = samplePayment();
    const connector = moneticoConnector({ paymentUrl: `${BANK_URL}${TEST_PATH}` });
    const form = await connector.buildRequest({ payment, attempt, returnUrl: `${shop.origin}/bank/monetico/return`, notifyUrl: shop.url, locale: 'en' });
    const { cardPagePath } = await open(form.fields);
    const res = await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);

    const notified = shop.received[0]!;
    const verified = await connector.verifyNotification({
      method: 'POST',
      fields: notified.fields,
      rawBody: Buffer.from(notified.body, 'utf8'),
      headers: { 'content-type': notified.contentType },
    });
    expect(verified.outcome).to.deep.include({ attemptRef: ATTEMPT_REF, status: 'authorised', amount: 2480, currency: 'EUR', card: { brand: 'visa', last4: '4242' } });
    // The browser return brings back the gateway's own signed ticket, untouched.
    const back = returnFormOf(res);
    expect(back.action).to.equal(`${shop.origin}/bank/monetico/return`);
    const ticket = await connector.verifyReturn({ method: 'GET', fields: back.fields, rawBody: Buffer.alloc(0), headers: {} });
    expect(ticket.outcome).to.deep.equal({ attemptRef: ATTEMPT_REF, status: 'pending', amount: 2480, currency: 'EUR' });
  });

  it('sends no server return for a merchant without a registered interface retour', async () => {
    const { cardPagePath, bankTxnId } = await open(sealed(requestFields(shop, { TPE: QUIET_TPE })));
    const res = await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
    expect(returnFormOf(res).fields.sig).to.equal('ok-signature');
    await sleep(50);
    expect(shop.received).to.have.length(0);
    expect(transaction(bankTxnId).notification).to.deep.equal({ state: 'not_sent', attempts: 0 });
  });

  describe('acknowledgements of the server return', () => {
    it('reads cdr=0 as delivered, cdr=1 as refused for good, anything else as to be tried again', () => {
      expect(readMoneticoAcknowledgement(200, CDR_OK)).to.equal('delivered');
      expect(readMoneticoAcknowledgement(200, 'version=2\r\ncdr=0\r\n')).to.equal('delivered');
      expect(readMoneticoAcknowledgement(200, CDR_NOT_OK)).to.equal('rejected');
      for (const [status, body] of [
        [200, ''],
        [200, 'OK'],
        [200, 'version=2\ncdr=10\n'],
        [503, CDR_OK],
        // The gateway's own "could not store it now": an error status, whatever the body says.
        [503, CDR_NOT_OK],
        [500, ''],
        [302, ''],
      ] as const) {
        expect(readMoneticoAcknowledgement(status, body), `${status} ${JSON.stringify(body)}`).to.equal('retry');
      }
    });

    it('cdr=0: delivered at the first try', async () => {
      const { cardPagePath, bankTxnId } = await open(sealed(requestFields(shop)));
      await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      await sleep(250);
      expect(shop.received).to.have.length(1);
      expect(transaction(bankTxnId).notification).to.deep.equal({ state: 'delivered', attempts: 1 });
    });

    it('cdr=1: rejected and never sent again', async () => {
      shop.answerNextWith({ status: 200, body: CDR_NOT_OK });
      const { cardPagePath, bankTxnId } = await open(sealed(requestFields(shop)));
      await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      await sleep(250);
      expect(shop.received).to.have.length(1);
      expect(transaction(bankTxnId).notification).to.deep.equal({ state: 'rejected', attempts: 1 });
    });

    it('503: tried again, with the same fields and MAC, until cdr=0', async () => {
      shop.answerNextWith({ status: 503, body: CDR_NOT_OK }, { status: 200, body: 'not a receipt' });
      const { cardPagePath, bankTxnId } = await open(sealed(requestFields(shop)));
      await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      await shop.waitFor(3);
      await sleep(250);
      expect(shop.received).to.have.length(3);
      expect(shop.received[2]!.body).to.equal(shop.received[0]!.body);
      expect(fieldsReturnMacOk(shop.received[2]!.fields)).to.equal(true);
      expect(transaction(bankTxnId).notification).to.deep.equal({ state: 'delivered', attempts: 3 });
    });
  });

  describe('references', () => {
    it('the same request again while the card is awaited reopens the same card page', async () => {
      const fields = sealed(requestFields(shop));
      const first = await open(fields);
      const again = await open(fields);
      expect(again.bankTxnId).to.equal(first.bankTxnId);
      // The same reference for another amount is not the same transaction.
      await expectRefused(sealed(requestFields(shop, { reference: fields.reference, montant: '10.00EUR' })), 'reference_in_use');
    });

    it('refuses a reference already decided', async () => {
      const fields = sealed(requestFields(shop));
      const { cardPagePath } = await open(fields);
      await pay(cardPagePath, { cardNumber: '4242424242424242' }).expect(200);
      await expectRefused(fields, 'reference_reused');
      await expectRefused(sealed(requestFields(shop, { reference: fields.reference, date: '18/03/2026:08:00:00' })), 'reference_reused');
    });
  });

  describe('refuses, and opens nothing', () => {
    it('a bad MAC: a field changed after sealing, a field added, another key, a malformed MAC', async () => {
      const fields = sealed(requestFields(shop));
      await expectRefused({ ...fields, montant: '0.01EUR' }, 'bad_signature', 'MAC');
      await expectRefused({ ...fields, url_retour_ok: 'https://evil.example/return' }, 'bad_signature', 'MAC');
      await expectRefused({ ...fields, options: 'aliascb=x' }, 'bad_signature', 'MAC');
      await expectRefused(sealed(requestFields(shop), { key: OTHER_KEY }), 'bad_signature', 'MAC');
      await expectRefused({ ...fields, MAC: fields.MAC!.slice(0, 39) }, 'bad_signature', 'MAC');
      await expectRefused({ ...fields, MAC: 'z'.repeat(40) }, 'bad_signature', 'MAC');
    });

    it('no MAC at all', async () => {
      const { MAC: _mac, ...fields } = sealed(requestFields(shop));
      await expectRefused(fields, 'missing_request', 'MAC');
    });

    it('an unknown TPE, or none', async () => {
      await expectRefused(sealed(requestFields(shop, { TPE: '9999999' })), 'unknown_merchant', 'TPE');
      await expectRefused(sealed(requestFields(shop, { TPE: undefined })), 'unknown_merchant', 'TPE');
    });

    it('a field given twice', async () => {
      const fields = sealed(requestFields(shop));
      const body = `${new URLSearchParams(fields).toString()}&montant=0.01EUR`;
      const before = bank.transactions().length;
      const res = await request(bank.app).post(TEST_PATH).type('form').send(body);
      expect(res.status).to.equal(400);
      expect(parse(res.text).querySelectorAll('code').map((c) => c.text)).to.include('malformed_request');
      expect(bank.transactions()).to.have.length(before);
    });

    it('a montant that is not an exact decimal amount with a known currency, even when sealed', async () => {
      for (const montant of ['24.800EUR', '24,80EUR', '1e3EUR', '-24.80EUR', '+24.80EUR', '24.80', 'EUR', '24.80 EUR', ' 24.80EUR', '24.80eur', '24.80XYZ', '24.EUR', '.80EUR', '0EUR', '0.00EUR', '1.5JPY', '1234567890123456EUR']) {
        await expectRefused(sealed(requestFields(shop, { montant })), 'invalid_claims', 'montant');
      }
    });

    it('other sealed fields that are invalid, naming the field', async () => {
      const cases: Array<[Record<string, string | undefined>, string]> = [
        [{ version: '1.0' }, 'version'],
        [{ version: undefined }, 'version'],
        [{ date: '2026-03-17T10:40:10Z' }, 'date'],
        [{ date: '32/03/2026:10:40:10' }, 'date'],
        [{ reference: 'has-dash' }, 'reference'],
        [{ reference: 'R'.repeat(51) }, 'reference'],
        [{ reference: undefined }, 'reference'],
        [{ lgue: 'english' }, 'lgue'],
        [{ lgue: undefined }, 'lgue'],
        [{ url_retour_ok: 'javascript:alert(1)' }, 'url_retour_ok'],
        [{ url_retour_ok: undefined }, 'url_retour_ok'],
        [{ url_retour_ok: `${shop.origin}/return?a=1&a=2` }, 'url_retour_ok'],
        [{ url_retour_err: 'ftp://x.example/' }, 'url_retour_err'],
        [{ 'texte-libre': 'x'.repeat(3201) }, 'texte-libre'],
      ];
      for (const [override, field] of cases) await expectRefused(sealed(requestFields(shop, override)), 'invalid_claims', field);
      // The older kit takes references of 12 characters at most.
      await expectRefused(sealed(requestFields(shop, { TPE: OLD_KIT_TPE, reference: 'R'.repeat(13) }), { key: OTHER_KEY, method: 'positional' }), 'invalid_claims', 'reference');
    });
  });

  it('refuses bad Monetico credentials when it starts', async () => {
    const start = (monetico: MoneticoMerchantCredentials) => createSandboxBank({ publicUrl: BANK_URL, merchants: [{ merchantId: 'm', monetico }], logger });
    const bad: MoneticoMerchantCredentials[] = [
      { tpe: '', key: KIT_DEMO_KEY },
      { tpe: 'TPE-1', key: KIT_DEMO_KEY },
      { tpe: TEST_TPE, key: 'short' },
      { tpe: TEST_TPE, key: 'Z'.repeat(40) },
      { tpe: TEST_TPE, key: KIT_DEMO_KEY, macMethod: 'sorted' as 'fields' },
      { tpe: TEST_TPE, key: KIT_DEMO_KEY, returnInterfaceUrl: 'not a url' },
    ];
    for (const monetico of bad) {
      let failed = false;
      await start(monetico).then(
        (b) => b.close(),
        () => (failed = true),
      );
      expect(failed, JSON.stringify(monetico)).to.equal(true);
    }
  });

  it('a merchant registered for native only cannot use Monetico', async () => {
    await expectRefused(sealed(requestFields(shop, { TPE: 'native' })), 'unknown_merchant', 'TPE');
  });

  it('keeps no key, MAC or card number in transactions() or any log line', () => {
    const texts = [JSON.stringify(bank.transactions()), ...logger.serialised()];
    for (const text of texts) {
      for (const secret of [KIT_DEMO_KEY, OTHER_KEY, '4242424242424242', '4242 4242 4242 4242', '5555555555554444', '****']) expect(text).to.not.include(secret);
      expect(text).to.not.match(/cbmasquee|[0-9a-fA-F]{40}/);
    }
  });
});
