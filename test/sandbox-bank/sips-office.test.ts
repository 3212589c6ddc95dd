import { expect } from 'chai';
import request from 'supertest';
import { createSandboxBank, type SandboxBank } from '../../sandbox-bank/app.js';
import { computeOfficeSeal, officeSealMatches } from '../../src/protocols/sips/office.js';
import { independentHmacSeal } from '../connectors/sips/fixtures.js';
import { newRef } from './support/payment-request-token.js';

const BANK_URL = 'http://bank.test';
const SHOP = { sipsMerchantId: '011223344550000', key: 'sips_office_key_one_0123456789' };
const KNOBS = { sipsMerchantId: '011223344550001', key: 'sips_office_key_knobs_987654321' };
const OFFICE = '/sips/office/rs-services/v2';

/**
 * The sandbox bank's Sips Office JSON (Worldline Sips Office documentation: cashManagement validate,
 * cancel, refund; diagnostic getTransactionData): sealed requests, sealed answers, Worldline's codes
 * for the usual refusals, captures and refunds kept per transaction.
 */
describe('sandbox bank: Worldline Sips Office JSON back office', () => {
  let bank: SandboxBank;
  let offsetMs = 0;

  before(async () => {
    bank = await createSandboxBank({
      publicUrl: BANK_URL,
      merchants: [
        { merchantId: 'shop-1', jwksUrl: 'http://gw.test/jwks', displayName: 'Demo Shop', sips: { merchantId: SHOP.sipsMerchantId, keys: { '1': SHOP.key } } },
        { merchantId: 'knobs', jwksUrl: 'http://gw.test/jwks', sips: { merchantId: KNOBS.sipsMerchantId, keys: { '1': KNOBS.key } }, operations: { refund: 'timeout_once', capture: 'decline' } },
      ],
      notificationRetryDelaysMs: [100],
      clock: () => new Date(Date.now() + offsetMs),
      logger: { info() {}, warn() {}, error() {} },
    });
  });
  afterEach(() => {
    offsetMs = 0;
  });
  after(async () => {
    await bank.close();
  });

  /** A Sips transaction paid with 4242…, automatic or kept for validation. */
  async function paid(merchant = SHOP, extra: Record<string, string> = {}): Promise<{ ref: string; returned: string }> {
    const ref = newRef();
    const fields = { amount: '2480', currencyCode: '978', merchantId: merchant.sipsMerchantId, normalReturnUrl: 'https://shop.example/return', transactionReference: ref, keyVersion: '1', ...extra };
    const data = Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('|');
    const opened = await request(bank.app).post('/sips/paymentInit').type('form').send({ Data: data, Seal: await independentHmacSeal(data, merchant.key), InterfaceVersion: 'HP_2.20', SealAlgorithm: 'HMAC-SHA-256' });
    expect(opened.status, opened.text.slice(0, 300)).to.equal(303);
    const page = await request(bank.app).post(new URL(opened.headers.location as string).pathname).type('form').send({ cardNumber: '4242 4242 4242 4242', expiry: '12/39', cvc: '737', cardType: 'visa', action: 'pay' });
    expect(page.status).to.equal(200);
    return { ref, returned: page.text };
  }

  async function office(fn: string, fields: Record<string, string | number>, merchant = SHOP): Promise<{ status: number; body: Record<string, unknown> }> {
    const document = { merchantId: merchant.sipsMerchantId, keyVersion: '1', interfaceVersion: fn.startsWith('diagnostic') ? 'DR_WS_2.27' : 'CR_WS_2.55', ...fields };
    const res = await request(bank.app).post(`${OFFICE}/${fn}`).send({ ...document, seal: computeOfficeSeal(document, merchant.key) });
    return { status: res.status, body: res.body as Record<string, unknown> };
  }

  const cash = (ref: string, amount: number) => ({ transactionReference: ref, operationAmount: amount, currencyCode: '978', operationOrigin: 'TEST' });
  const bankSide = (ref: string) => bank.transactions().find((t) => t.protocol === 'sips' && t.ref === ref)!;

  it('refuses a request whose seal does not match (34) or whose merchant is unknown (03), unsealed, and changes nothing', async () => {
    const { ref } = await paid();
    const document = { merchantId: SHOP.sipsMerchantId, keyVersion: '1', interfaceVersion: 'CR_WS_2.55', ...cash(ref, 100) };
    const forged = await request(bank.app).post(`${OFFICE}/cashManagement/refund`).send({ ...document, seal: computeOfficeSeal({ ...document, operationAmount: 1 }, SHOP.key) });
    expect(forged.body).to.deep.equal({ responseCode: '34' });
    const stranger = await request(bank.app).post(`${OFFICE}/cashManagement/refund`).send({ ...document, merchantId: '999999999999999', seal: computeOfficeSeal(document, SHOP.key) });
    expect(stranger.body).to.deep.equal({ responseCode: '03' });
    expect(bankSide(ref).refunds).to.deep.equal([]);
  });

  it('answers 25, sealed, for a transaction it does not know, and 30 for a wrong interfaceVersion', async () => {
    const unknown = await office('diagnostic/getTransactionData', { transactionReference: newRef() });
    expect(unknown.body).to.include({ responseCode: '25' });
    expect(officeSealMatches(unknown.body, SHOP.key)).to.equal(true);
    const wrong = await office('cashManagement/refund', { ...cash(newRef(), 100), interfaceVersion: 'DR_WS_2.27' });
    expect(wrong.body).to.include({ responseCode: '30', errorFieldName: 'interfaceVersion' });
  });

  it('refunds in part, refuses an over-refund with 51, and shows CREDITED once all is refunded', async () => {
    const { ref } = await paid();
    const first = await office('cashManagement/refund', cash(ref, 1000));
    expect(first.body).to.include({ responseCode: '00', newAmount: 1480, newStatus: 'CAPTURED' });
    expect(officeSealMatches(first.body, SHOP.key)).to.equal(true);
    expect(first.body.authorisationId).to.match(/^[0-9a-f]{10}$/);
    expect((await office('cashManagement/refund', cash(ref, 1481))).body).to.include({ responseCode: '51', newAmount: 1480 });
    expect((await office('cashManagement/refund', cash(ref, 1480))).body).to.include({ responseCode: '00', newAmount: 0, newStatus: 'CREDITED' });
    const status = await office('diagnostic/getTransactionData', { transactionReference: ref });
    expect(status.body).to.include({ responseCode: '00', transactionStatus: 'CREDITED', originAmount: 2480, currentAmount: 0, currencyCode: '978', captureMode: 'AUTHOR_CAPTURE' });
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([1000, 1480]);
  });

  it('keeps a VALIDATION authorisation (echoed in the response), validates it once in part, and refuses what its state does not allow (24, 51)', async () => {
    const { ref, returned } = await paid(SHOP, { captureMode: 'VALIDATION', captureDay: '7' });
    expect(returned).to.contain('captureMode=VALIDATION').and.contain('captureDay=7');
    const waiting = await office('diagnostic/getTransactionData', { transactionReference: ref });
    expect(waiting.body).to.include({ transactionStatus: 'TO_VALIDATE', currentAmount: 2480, captureMode: 'VALIDATION' });
    expect(waiting.body.captureLimitDate).to.match(/^\d{8}$/);
    expect((await office('cashManagement/refund', cash(ref, 100))).body).to.include({ responseCode: '24', newStatus: 'TO_VALIDATE' });
    expect((await office('cashManagement/validate', cash(ref, 2481))).body).to.include({ responseCode: '51' });
    expect((await office('cashManagement/validate', cash(ref, 2000))).body).to.include({ responseCode: '00', newAmount: 2000, newStatus: 'CAPTURED' });
    expect((await office('cashManagement/validate', cash(ref, 480))).body).to.include({ responseCode: '24', newStatus: 'CAPTURED' });
    expect((await office('cashManagement/cancel', cash(ref, 2000))).body).to.include({ responseCode: '24' });
    expect(bankSide(ref).captures.map((c) => c.amount)).to.deep.equal([2000]);
  });

  it('refuses a validation after the capture limit with 24 and newStatus EXPIRED', async () => {
    const { ref } = await paid(SHOP, { captureMode: 'VALIDATION', captureDay: '7' });
    offsetMs = 8 * 24 * 3_600_000;
    expect((await office('cashManagement/validate', cash(ref, 2480))).body).to.include({ responseCode: '24', newStatus: 'EXPIRED', newAmount: 0 });
    expect(bankSide(ref).captures).to.deep.equal([]);
  });

  it('cancels a whole authorisation kept for validation: CANCELLED, newAmount 0', async () => {
    const { ref } = await paid(SHOP, { captureMode: 'VALIDATION', captureDay: '7' });
    expect((await office('cashManagement/cancel', cash(ref, 2480))).body).to.include({ responseCode: '00', newAmount: 0, newStatus: 'CANCELLED' });
    expect(bankSide(ref).voided).to.not.equal(undefined);
  });

  it('honours the test behaviours: timeout_once answers 504 once with the refund done, decline and test amount …51 refuse with 05', async () => {
    const { ref } = await paid(KNOBS);
    const timedOut = await office('cashManagement/refund', cash(ref, 500), KNOBS);
    expect(timedOut.status).to.equal(504);
    expect(bankSide(ref).refunds.map((r) => r.amount)).to.deep.equal([500]);
    expect((await office('cashManagement/refund', cash(ref, 300), KNOBS)).body).to.include({ responseCode: '00', newAmount: 1680 });

    const manual = await paid(KNOBS, { captureMode: 'VALIDATION', captureDay: '7' });
    expect((await office('cashManagement/validate', cash(manual.ref, 2480), KNOBS)).body).to.include({ responseCode: '05' });
    const { ref: other } = await paid();
    expect((await office('cashManagement/refund', cash(other, 1051))).body).to.include({ responseCode: '05' });
    expect(bankSide(other).refunds).to.deep.equal([]);
  });

  it('refuses a Paypage request with a captureMode Sips does not define', async () => {
    const ref = newRef();
    const data = `amount=2480|currencyCode=978|merchantId=${SHOP.sipsMerchantId}|normalReturnUrl=https://shop.example/return|transactionReference=${ref}|keyVersion=1|captureMode=LATER`;
    const res = await request(bank.app).post('/sips/paymentInit').type('form').send({ Data: data, Seal: await independentHmacSeal(data, SHOP.key), InterfaceVersion: 'HP_2.20', SealAlgorithm: 'HMAC-SHA-256' });
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('captureMode');
  });

  it('lists Sips transactions with their refunds on the back-office page', async () => {
    const { ref } = await paid();
    await office('cashManagement/refund', cash(ref, 1234));
    const page = await request(bank.app).get('/back-office').expect(200);
    expect(page.text).to.contain(ref).and.contain('12.34');
  });
});
