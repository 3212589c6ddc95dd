import { expect } from 'chai';
import nock from 'nock';
import type { OperationTarget } from '../../../src/connectors/bank-operations.js';
import { SipsConnector } from '../../../src/connectors/sips/sips-connector.js';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import type { Refund } from '../../../src/core/refund.js';
import { computeOfficeSeal, officeSealInput, officeSealMatches } from '../../../src/protocols/sips/office.js';
import { independentHmacSeal, KEY_1, KEY_2, MERCHANT_ID, sipsSettings } from './fixtures.js';

/**
 * The Sips Office JSON operations, checked against Worldline's published documentation: the data
 * dictionary pages of cashManagement refund / validate / cancel and diagnostic getTransactionData
 * (docs.sips.worldline-solutions.com/en/data-dictionary/office/…), the seal rule of the Office JSON
 * interface (values sorted by field name, keyVersion and sealAlgorithm left out, HMAC-SHA-256), and
 * the HMAC vector of Worldline's Java SDK seal calculator test.
 */
const OFFICE = 'https://office-server.test.sips-services.com';
const BASE = `${OFFICE}/rs-services/v2/`;
const REF = 'TREFEXA2015';
const AUTHORISED_AT = '2026-11-23T10:00:00.000Z';

function connector(): SipsConnector {
  return new SipsConnector(sipsSettings({ officeUrl: BASE, captureDays: 7 }), { officeTimeoutMs: 300 });
}

function refundOf(id: string, amount: number, status: Refund['status']): Refund {
  return { id, paymentId: 'pay_x', amount, currency: 'EUR', status, reason: null, bankReference: null, failureReason: null, createdAt: AUTHORISED_AT, updatedAt: AUTHORISED_AT } as Refund;
}

function target(overrides: Partial<Payment> = {}, operationId = 're_1'): OperationTarget {
  const attempt: Attempt = { ref: REF, connector: 'sips', status: 'authorised', createdAt: AUTHORISED_AT, updatedAt: AUTHORISED_AT, bankTransactionId: REF };
  const payment: Payment = {
    id: 'pay_x',
    version: 4,
    status: 'succeeded',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-1042',
    description: null,
    customer: null,
    returnUrl: null,
    metadata: {},
    connector: 'sips',
    createdAt: AUTHORISED_AT,
    updatedAt: AUTHORISED_AT,
    expiresAt: '2026-11-23T10:30:00.000Z',
    attempts: [attempt],
    anomalies: [],
    ...overrides,
  };
  return { payment, attempt, operationId };
}

/** A sealed answer as Sips Office sends it (sealed with the key of the request's version, 2 here). */
function sealed(fields: Record<string, string | number>, key = KEY_2): Record<string, string | number> {
  return { ...fields, seal: computeOfficeSeal(fields, key) };
}

/** Records each request body posted to `path` and answers with `answer`. */
function office(path: string, answer: (body: Record<string, unknown>) => [number, unknown]): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  nock(OFFICE)
    .post(`/rs-services/v2/${path}`)
    .reply(function (_uri, body) {
      seen.push(body as Record<string, unknown>);
      return answer(body as Record<string, unknown>);
    });
  return seen;
}

describe('Sips Office JSON operations', () => {
  afterEach(() => nock.cleanAll());

  describe('the seal (Worldline Sips Office documentation, JSON seal computation)', () => {
    it('covers the values of every field but keyVersion, sealAlgorithm and seal, sorted by field name', async () => {
      const request = { transactionReference: REF, operationAmount: 1000, merchantId: MERCHANT_ID, keyVersion: 2, interfaceVersion: 'CR_WS_2.55', currencyCode: '978', operationOrigin: 'HPP-GATEWAY', sealAlgorithm: 'HMAC-SHA-256' };
      // currencyCode, interfaceVersion, merchantId, operationAmount, operationOrigin, transactionReference.
      expect(officeSealInput(request)).to.equal(`978CR_WS_2.55${MERCHANT_ID}1000HPP-GATEWAY${REF}`);
      expect(computeOfficeSeal(request, KEY_2)).to.equal(await independentHmacSeal(`978CR_WS_2.55${MERCHANT_ID}1000HPP-GATEWAY${REF}`, KEY_2));
    });

    it('is HMAC-SHA-256 in lowercase hex (Worldline Sips Java SDK, seal calculator test vector)', () => {
      expect(computeOfficeSeal({ data: 'This is a test!' }, 'superSafeSecretKey')).to.equal('198e5f278e3f8548e174e84492953c4871732278b7e2aa2cbf20bb1ab85914ea');
    });

    it('is checked on a whole document; one changed value, another key or a malformed seal never matches', () => {
      const document = sealed({ responseCode: '00', newAmount: 1480 });
      expect(officeSealMatches(document, KEY_2)).to.equal(true);
      expect(officeSealMatches({ ...document, newAmount: 1479 }, KEY_2)).to.equal(false);
      expect(officeSealMatches(document, KEY_1)).to.equal(false);
      expect(officeSealMatches({ ...document, seal: 'zz' }, KEY_2)).to.equal(false);
      expect(officeSealMatches({ ...document, seal: undefined }, KEY_2)).to.equal(false);
    });
  });

  describe('refund (Worldline Sips Office documentation, cashManagement refund)', () => {
    const captured = { amountCaptured: 2480, capture: 'automatic' as const };

    it('posts the documented fields, sealed, to cashManagement/refund, and reads the documented answer as succeeded', async () => {
      const seen = office('cashManagement/refund', () => [200, sealed({ acquirerResponseCode: '00', authorisationId: '987654', newAmount: 1480, newStatus: 'CAPTURED', operationDateTime: '2026-11-24T09:00:00+01:00', responseCode: '00' })]);
      const answer = await connector().operations!.refund(target(captured), 1000, 'one mug broken');
      expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 1000, currency: 'EUR', bankReference: '987654' });
      expect(seen).to.have.length(1);
      const body = seen[0]!;
      expect(body).to.deep.include({ currencyCode: '978', interfaceVersion: 'CR_WS_2.55', keyVersion: '2', merchantId: MERCHANT_ID, operationAmount: 1000, operationOrigin: 'HPP-GATEWAY', transactionReference: REF });
      expect(body.seal).to.equal(await independentHmacSeal(`978CR_WS_2.55${MERCHANT_ID}1000HPP-GATEWAY${REF}`, KEY_2));
    });

    it('an answer whose seal does not match is no answer: unknown, never refused', async () => {
      office('cashManagement/refund', () => [200, { ...sealed({ newAmount: 1480, responseCode: '00' }), newAmount: 2480 }]);
      const answer = await connector().operations!.refund(target(captured), 1000, null);
      expect(answer).to.deep.equal({ outcome: 'unknown', reason: 'bad_seal' });
    });

    for (const code of ['90', '91', '97', '98', '99']) {
      it(`responseCode ${code} is Worldline's "retry later": unknown`, async () => {
        office('cashManagement/refund', () => [200, sealed({ responseCode: code })]);
        expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.equal({ outcome: 'unknown', reason: `retry_later_${code}` });
      });
    }

    it('a 5xx, a cut connection and a timeout are unknown', async () => {
      office('cashManagement/refund', () => [503, 'busy']);
      expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.equal({ outcome: 'unknown', reason: 'http_503' });
      nock(OFFICE).post('/rs-services/v2/cashManagement/refund').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.equal({ outcome: 'unknown', reason: 'network_error' });
      nock(OFFICE).post('/rs-services/v2/cashManagement/refund').delay(1000).reply(200, sealed({ responseCode: '00', newAmount: 1480 }));
      expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.equal({ outcome: 'unknown', reason: 'timeout' });
    });

    it('51 (amount over what the transaction allows) and 25 (unknown transaction) are refusals in the gateway words', async () => {
      office('cashManagement/refund', () => [200, sealed({ responseCode: '51', newAmount: 2480, newStatus: 'CAPTURED' })]);
      expect(await connector().operations!.refund(target(captured), 3000, null)).to.deep.equal({ outcome: 'refused', reason: 'amount_not_refundable' });
      office('cashManagement/refund', () => [200, sealed({ responseCode: '25' })]);
      expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.equal({ outcome: 'refused', reason: 'unknown_transaction' });
    });

    it('a bank that refunded less than asked answers with what it did, for the anomaly path', async () => {
      office('cashManagement/refund', () => [200, sealed({ responseCode: '00', newAmount: 2000, newStatus: 'CAPTURED' })]);
      expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.include({ outcome: 'succeeded', amount: 480 });
    });

    it('24 with newStatus TO_CAPTURE (not yet remitted) is done by cancel of the same amount instead (Worldline integrators: refund before remittance)', async () => {
      office('cashManagement/refund', () => [200, sealed({ responseCode: '24', newStatus: 'TO_CAPTURE', newAmount: 2480 })]);
      const cancels = office('cashManagement/cancel', () => [200, sealed({ responseCode: '00', newAmount: 1480, newStatus: 'TO_CAPTURE' })]);
      expect(await connector().operations!.refund(target(captured), 1000, null)).to.deep.include({ outcome: 'succeeded', amount: 1000, currency: 'EUR' });
      expect(cancels[0]).to.deep.include({ operationAmount: 1000, transactionReference: REF });
    });
  });

  describe('refund whose answer never came (Worldline Sips Office documentation, diagnostic getTransactionData)', () => {
    const pending = { amountCaptured: 2480, amountRefunded: 300, refunds: [refundOf('re_0', 300, 'succeeded'), refundOf('re_1', 1000, 'pending')] };

    it('is succeeded, without a second refund, when currentAmount shows it made', async () => {
      const asked = office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '00', transactionStatus: 'CAPTURED', originAmount: 2480, currentAmount: 1180, currencyCode: '978' })]);
      expect(await connector().operations!.refundStatus!(target(pending))).to.deep.equal({ outcome: 'succeeded', amount: 1000, currency: 'EUR' });
      expect(asked[0]).to.deep.include({ interfaceVersion: 'DR_WS_2.27', transactionReference: REF, merchantId: MERCHANT_ID });
      expect(nock.pendingMocks()).to.deep.equal([]);
    });

    it('is sent, once, when currentAmount shows it was never made', async () => {
      office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '00', transactionStatus: 'CAPTURED', originAmount: 2480, currentAmount: 2180 })]);
      const refunds = office('cashManagement/refund', () => [200, sealed({ responseCode: '00', newAmount: 1180, newStatus: 'CAPTURED' })]);
      expect(await connector().operations!.refundStatus!(target(pending))).to.deep.include({ outcome: 'succeeded', amount: 1000 });
      expect(refunds).to.have.length(1);
    });

    it('stays unknown while the bank does not answer', async () => {
      office('diagnostic/getTransactionData', () => [502, '']);
      expect(await connector().operations!.refundStatus!(target(pending))).to.deep.equal({ outcome: 'unknown', reason: 'http_502' });
    });
  });

  describe('capture (Worldline Sips Office documentation, cashManagement validate)', () => {
    const authorized = { status: 'authorized' as const, capture: 'manual' as const, amountCapturable: 2480, amountCaptured: 0 };

    it('validates the amount; the answer newAmount is what was captured', async () => {
      const seen = office('cashManagement/validate', () => [200, sealed({ responseCode: '00', newAmount: 2000, newStatus: 'TO_CAPTURE', operationDateTime: '2026-11-24T09:00:00+01:00', captureLimitDate: '20261130' })]);
      expect(await connector().operations!.capture!(target(authorized, 'op_1'), 2000)).to.deep.equal({ outcome: 'succeeded', amount: 2000, currency: 'EUR' });
      expect(seen[0]).to.deep.include({ interfaceVersion: 'CR_WS_2.55', operationAmount: 2000, currencyCode: '978', transactionReference: REF });
    });

    it('24 with newStatus EXPIRED is capture_window_closed; 24 after an earlier try that validated is that success', async () => {
      office('cashManagement/validate', () => [200, sealed({ responseCode: '24', newStatus: 'EXPIRED', newAmount: 0 })]);
      expect(await connector().operations!.capture!(target(authorized, 'op_1'), 2000)).to.deep.equal({ outcome: 'refused', reason: 'capture_window_closed' });

      office('cashManagement/validate', () => [200, sealed({ responseCode: '24', newStatus: 'TO_CAPTURE', newAmount: 2000 })]);
      office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '00', transactionStatus: 'TO_CAPTURE', originAmount: 2480, currentAmount: 2000 })]);
      expect(await connector().operations!.capture!(target(authorized, 'op_1'), 2000)).to.deep.equal({ outcome: 'succeeded', amount: 2000, currency: 'EUR' });
    });
  });

  describe('void (Worldline Sips Office documentation, cashManagement cancel)', () => {
    it('cancels the whole authorisation', async () => {
      const seen = office('cashManagement/cancel', () => [200, sealed({ responseCode: '00', newAmount: 0, newStatus: 'CANCELLED', operationDateTime: '2026-11-24T09:00:00+01:00' })]);
      expect(await connector().operations!.void!(target({ status: 'authorized', capture: 'manual' }, 'op_2'))).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR' });
      expect(seen[0]).to.deep.include({ operationAmount: 2480, interfaceVersion: 'CR_WS_2.55' });
    });
  });

  describe('status (Worldline Sips Office documentation, diagnostic getTransactionData)', () => {
    it('TO_VALIDATE is an authorisation kept for validation, until the start of captureLimitDate', async () => {
      office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '00', transactionReference: REF, transactionStatus: 'TO_VALIDATE', originAmount: 2480, currentAmount: 2480, currencyCode: '978', captureLimitDate: '20261130', authorisationId: '123456' })]);
      const { payment, attempt } = target({ status: 'pending' });
      expect(await connector().operations!.status!({ payment, attempt })).to.deep.equal({
        attemptRef: REF,
        status: 'authorised',
        capture: 'manual',
        captureBefore: '2026-11-30T00:00:00.000Z',
        amount: 2480,
        currency: 'EUR',
        bankTransactionId: REF,
        authorisationCode: '123456',
        responseCode: 'TO_VALIDATE',
      });
    });

    it('CAPTURED is authorised; 25 is a transaction the bank does not know; an answer about another reference is refused', async () => {
      const { payment, attempt } = target({ status: 'pending' });
      office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '00', transactionStatus: 'CAPTURED', originAmount: 2480, currentAmount: 2480, currencyCode: '978' })]);
      expect(await connector().operations!.status!({ payment, attempt })).to.deep.include({ status: 'authorised', amount: 2480 });
      office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '25' })]);
      expect(await connector().operations!.status!({ payment, attempt })).to.equal(null);
      office('diagnostic/getTransactionData', () => [200, sealed({ responseCode: '00', transactionReference: 'OTHER1', transactionStatus: 'CAPTURED', originAmount: 2480, currentAmount: 2480 })]);
      let thrown: unknown;
      await connector().operations!.status!({ payment, attempt }).catch((err: unknown) => (thrown = err));
      expect((thrown as { reason?: string }).reason).to.equal('answer_for_another_transaction');
    });
  });

  describe('manual capture at payment time (Worldline Sips Paypage documentation, captureMode and captureDay)', () => {
    it('a manual payment asks captureMode=VALIDATION with captureDay; an automatic one names neither', async () => {
      const { payment, attempt } = target({ status: 'pending', capture: 'manual' });
      const urls = { returnUrl: 'https://gw.example/bank/sips/return', notifyUrl: 'https://gw.example/bank/sips/notify' };
      const manual = await connector().buildRequest({ payment, attempt, locale: 'en', ...urls });
      expect(manual.fields.Data).to.contain('|captureMode=VALIDATION|captureDay=7');
      const automatic = await connector().buildRequest({ payment: { ...payment, capture: 'automatic' }, attempt, locale: 'en', ...urls });
      expect(automatic.fields.Data).to.not.contain('captureMode');
    });
  });
});
