import { expect } from 'chai';
import nock from 'nock';
import type { OperationTarget } from '../../../src/connectors/bank-operations.js';
import { readLyraSettings } from '../../../src/connectors/lyra/settings.js';
import { createLogger } from '../../../src/logger.js';
import { LogCapture } from '../../support/stack.js';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { lyraConnector, samplePayment } from './fixtures.js';
import { SITE_ID, TEST_KEY } from './lyra-bank.js';

/**
 * The Lyra connector's operations over the REST API V4, read against Lyra's published documentation:
 * docs.lyra.com / paiement.systempay.fr "REST API V4" pages (kb/authentication.html,
 * kb/webservice_usage.html, errors-reference.html, errors_psp.html, and the playground pages of
 * Transaction/Get, Transaction/Validate, Transaction/Update, Transaction/CancelOrRefund, Order/Get).
 */

const REST = 'https://api.payzen.eu';
const PASSWORD = 'testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M';
const UUID = '9c2e4ef8a3b34b99a04d7e72f1b3c9e1';
const REFUND_UUID = '4a1d6c0f3e5b47d8a2c9f1e0b7d6a5c4';

/** The envelope of kb/webservice_usage.html, around an answer. */
function envelope(webService: string, answer: Record<string, unknown>, status: 'SUCCESS' | 'ERROR' = 'SUCCESS') {
  return { webService, version: 'V4', applicationVersion: '4.5.1', status, answer, ticket: null, serverDateTime: '2024-03-05T10:21:00+00:00', applicationProvider: 'PAYZEN', metadata: null, _type: 'V4/WebService/Response' };
}

/** The error answer of errors-reference.html: errorCode, errorMessage, detailedErrorCode, detailedErrorMessage. */
function error(webService: string, errorCode: string, errorMessage: string) {
  return envelope(webService, { errorCode, errorMessage, detailedErrorCode: null, detailedErrorMessage: null, _type: 'V4/WebService/WebServiceError' }, 'ERROR');
}

/** A V4/PaymentTransaction, with the fields the playground's Transaction reference lists. */
function transaction(overrides: Record<string, unknown> = {}) {
  return {
    uuid: UUID,
    amount: 2480,
    currency: 'EUR',
    operationType: 'DEBIT',
    status: 'PAID',
    detailedStatus: 'CAPTURED',
    // The form's vads_order_id (the shop's reference) and vads_order_info fields, as Order/Get returns them.
    orderDetails: { orderId: 'order-1' },
    metadata: { orderInfo: 'A T-shirt', orderInfo2: 'ATESTATTEMPTREF0000000000001' },
    transactionDetails: { parentTransactionUuid: null, cardDetails: { manualValidation: 'NO', expectedCaptureDate: '2024-03-05T10:20:44+00:00' } },
    _type: 'V4/PaymentTransaction',
    ...overrides,
  };
}

function target(overrides: Partial<Payment> = {}, attempt: Partial<Attempt> = { bankTransactionId: UUID }): OperationTarget {
  const sample = samplePayment(overrides);
  const withUuid: Attempt = { ...sample.attempt, ...attempt };
  return { payment: { ...sample.payment, attempts: [withUuid] }, attempt: withUuid, operationId: 're_0123456789abcdef' };
}

const connector = (timeoutMs?: number) => lyraConnector({ rest: { url: REST, password: PASSWORD, ...(timeoutMs ? { timeoutMs } : {}) } });
const BASIC = `Basic ${Buffer.from(`${SITE_ID}:${PASSWORD}`).toString('base64')}`;

describe('Lyra REST API V4 operations', () => {
  afterEach(() => nock.cleanAll());

  it('declares its capabilities: manual capture for vads_capture_delay days, one validation, void, refund, status (Transaction/Validate playground page)', () => {
    expect(connector().operations!.capabilities).to.deep.equal({ manualCapture: true, captureWindowMs: 6 * 24 * 3600_000, multipleCaptures: false, capture: true, void: true, refund: true, status: true });
    expect(lyraConnector().operations).to.equal(undefined);
  });

  it('authenticates with Basic shopId:REST password and posts JSON to /api-payment/V4/Transaction/Get (kb/authentication.html, Transaction/Get playground)', async () => {
    const scope = nock(REST, { reqheaders: { authorization: BASIC, 'content-type': 'application/json' } })
      .post('/api-payment/V4/Transaction/Get', { uuid: UUID })
      .reply(200, envelope('Transaction/Get', transaction()));
    const outcome = await connector().operations!.status!(target());
    expect(scope.isDone()).to.equal(true);
    expect(outcome).to.deep.include({ attemptRef: 'ATESTATTEMPTREF0000000000001', status: 'authorised', amount: 2480, currency: 'EUR', bankTransactionId: UUID, responseCode: 'CAPTURED' });
  });

  it('reads AUTHORISED_TO_VALIDATE as a manual authorisation with its expectedCaptureDate as the limit (Transaction/Get, detailedStatus)', async () => {
    nock(REST).post('/api-payment/V4/Transaction/Get').reply(200, envelope('Transaction/Get', transaction({ status: 'RUNNING', detailedStatus: 'AUTHORISED_TO_VALIDATE', transactionDetails: { cardDetails: { manualValidation: 'YES', expectedCaptureDate: '2024-03-11T10:20:44+00:00' } } })));
    const outcome = await connector().operations!.status!(target());
    expect(outcome).to.deep.include({ status: 'authorised', capture: 'manual', captureBefore: '2024-03-11T10:20:44.000Z' });
  });

  it('PSP_010 "transaction not found" is no transaction to the status query (errors_psp.html)', async () => {
    nock(REST).post('/api-payment/V4/Transaction/Get').reply(200, error('Transaction/Get', 'PSP_010', 'transaction not found'));
    expect(await connector().operations!.status!(target())).to.equal(null);
  });

  it('an attempt whose notification was lost (no uuid yet) is asked about by Order/Get with its vads_order_id (Order/Get playground, OrderTransactions)', async () => {
    nock(REST).post('/api-payment/V4/Order/Get', { orderId: 'order-1' }).reply(200, envelope('Order/Get', { orderId: 'order-1', transactions: [transaction()], _type: 'V4/OrderTransactions' }));
    const outcome = await connector().operations!.status!(target({}, {}));
    expect(outcome).to.deep.include({ status: 'authorised', bankTransactionId: UUID });
  });

  it('Order/Get with two attempts of one payment: the transaction whose metadata names this attempt is taken, in either order', async () => {
    const earlier = transaction({ uuid: 'e'.repeat(32), status: 'UNPAID', detailedStatus: 'REFUSED', metadata: { orderInfo: 'A T-shirt', orderInfo2: 'AEARLIERATTEMPT000000000001' } });
    for (const transactions of [[earlier, transaction()], [transaction(), earlier]]) {
      nock(REST).post('/api-payment/V4/Order/Get', { orderId: 'order-1' }).reply(200, envelope('Order/Get', { orderId: 'order-1', transactions, _type: 'V4/OrderTransactions' }));
      expect(await connector().operations!.status!(target({}, {}))).to.deep.include({ attemptRef: 'ATESTATTEMPTREF0000000000001', status: 'authorised', bankTransactionId: UUID });
    }
    // Only another attempt's transaction: this attempt has none yet.
    nock(REST).post('/api-payment/V4/Order/Get').reply(200, envelope('Order/Get', { orderId: 'order-1', transactions: [earlier], _type: 'V4/OrderTransactions' }));
    expect(await connector().operations!.status!(target({}, {}))).to.equal(null);
  });

  it('a shop reference Lyra does not accept as an order id: Order/Get asks by the attempt reference sent in its place', async () => {
    nock(REST).post('/api-payment/V4/Order/Get', { orderId: 'ATESTATTEMPTREF0000000000001' }).reply(200, envelope('Order/Get', { orderId: 'ATESTATTEMPTREF0000000000001', transactions: [transaction({ orderDetails: { orderId: 'ATESTATTEMPTREF0000000000001' } })], _type: 'V4/OrderTransactions' }));
    expect(await connector().operations!.status!(target({ reference: 'commande n°42' }, {}))).to.deep.include({ status: 'authorised', bankTransactionId: UUID });
  });

  it('Transaction/Get answering with another attempt\'s transaction is not believed', async () => {
    nock(REST).post('/api-payment/V4/Transaction/Get').reply(200, envelope('Transaction/Get', transaction({ metadata: { orderInfo2: 'AEARLIERATTEMPT000000000001' } })));
    let reason: string | undefined;
    await connector().operations!.status!(target()).catch((err: { reason?: string }) => { reason = err.reason; });
    expect(reason).to.equal('answer_for_another_transaction');
  });

  it('a partial capture lowers the amount with Transaction/Update (cardUpdate.amount, downward only) then validates (Transaction/Update and Transaction/Validate playground)', async () => {
    const scope = nock(REST)
      .post('/api-payment/V4/Transaction/Update', { uuid: UUID, cardUpdate: { amount: 2000, currency: 'EUR' } })
      .reply(200, envelope('Transaction/Update', transaction({ amount: 2000, detailedStatus: 'AUTHORISED_TO_VALIDATE' })))
      .post('/api-payment/V4/Transaction/Validate', { uuid: UUID })
      .reply(200, envelope('Transaction/Validate', transaction({ amount: 2000, detailedStatus: 'AUTHORISED' })));
    const answer = await connector().operations!.capture!(target({ status: 'authorized', capture: 'manual' }), 2000);
    expect(scope.isDone()).to.equal(true);
    expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 2000, currency: 'EUR' });
  });

  it('a full capture is Transaction/Validate alone; a validated amount other than asked goes to the service as it is, for the anomaly path', async () => {
    nock(REST).post('/api-payment/V4/Transaction/Validate').reply(200, envelope('Transaction/Validate', transaction({ amount: 2400, detailedStatus: 'AUTHORISED' })));
    expect(await connector().operations!.capture!(target(), 2480)).to.deep.equal({ outcome: 'succeeded', amount: 2400, currency: 'EUR' });
  });

  it('a capture retried after a lost answer meets PSP_011 "incorrect transaction status" and reads the transaction: validated, so succeeded (errors_psp.html)', async () => {
    nock(REST)
      .post('/api-payment/V4/Transaction/Validate').reply(200, error('Transaction/Validate', 'PSP_011', 'incorrect transaction status'))
      .post('/api-payment/V4/Transaction/Get').reply(200, envelope('Transaction/Get', transaction({ detailedStatus: 'AUTHORISED' })));
    expect(await connector().operations!.capture!(target(), 2480)).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR' });
  });

  it('a capture after the limit: PSP_011 and the transaction EXPIRED is capture_window_closed (errors_psp.html, transaction lifecycle)', async () => {
    nock(REST)
      .post('/api-payment/V4/Transaction/Validate').reply(200, error('Transaction/Validate', 'PSP_011', 'incorrect transaction status'))
      .post('/api-payment/V4/Transaction/Get').reply(200, envelope('Transaction/Get', transaction({ status: 'UNPAID', detailedStatus: 'EXPIRED' })));
    expect(await connector().operations!.capture!(target(), 2480)).to.deep.equal({ outcome: 'refused', reason: 'capture_window_closed' });
  });

  it('a void is Transaction/CancelOrRefund with resolutionMode CANCELLATION_ONLY; CANCELLED is succeeded (Transaction/CancelOrRefund playground)', async () => {
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund', { uuid: UUID, currency: 'EUR', resolutionMode: 'CANCELLATION_ONLY' }).reply(200, envelope('Transaction/CancelOrRefund', transaction({ status: 'UNPAID', detailedStatus: 'CANCELLED' })));
    expect(await connector().operations!.void!(target())).to.deep.equal({ outcome: 'succeeded', amount: 2480, currency: 'EUR' });
  });

  it('a refund is CancelOrRefund REFUND_ONLY with amount, alphabetic currency, comment and the operation id in metadata; the CREDIT transaction answers (Transaction/CancelOrRefund playground)', async () => {
    const scope = nock(REST)
      .post('/api-payment/V4/Transaction/CancelOrRefund', { uuid: UUID, amount: 500, currency: 'EUR', resolutionMode: 'REFUND_ONLY', comment: 'one mug broken', metadata: { hppOperationId: 're_0123456789abcdef' } })
      .reply(200, envelope('Transaction/CancelOrRefund', transaction({ uuid: REFUND_UUID, amount: 500, operationType: 'CREDIT', detailedStatus: 'CAPTURED', transactionDetails: { parentTransactionUuid: UUID } })));
    const answer = await connector().operations!.refund!(target(), 500, 'one mug broken');
    expect(scope.isDone()).to.equal(true);
    expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 500, currency: 'EUR', bankReference: REFUND_UUID });
  });

  it('a refund whose answer was lost is found by Order/Get among the order\'s CREDIT transactions by its metadata, never sent again (Order/Get playground)', async () => {
    const other = transaction({ uuid: 'b'.repeat(32), amount: 100, operationType: 'CREDIT', metadata: { hppOperationId: 're_other' } });
    const ours = transaction({ uuid: REFUND_UUID, amount: 500, operationType: 'CREDIT', metadata: { hppOperationId: 're_0123456789abcdef' }, transactionDetails: { parentTransactionUuid: UUID } });
    nock(REST).post('/api-payment/V4/Order/Get').reply(200, envelope('Order/Get', { orderId: 'ATESTATTEMPTREF0000000000001', transactions: [transaction(), other, ours] }));
    expect(await connector().operations!.refundStatus!(target())).to.deep.equal({ outcome: 'succeeded', amount: 500, currency: 'EUR', bankReference: REFUND_UUID });
    nock(REST).post('/api-payment/V4/Order/Get').reply(200, envelope('Order/Get', { orderId: 'ATESTATTEMPTREF0000000000001', transactions: [transaction(), other] }));
    expect(await connector().operations!.refundStatus!(target())).to.deep.equal({ outcome: 'unknown', reason: 'refund_not_found' });
  });

  for (const [code, message, reason] of [
    ['PSP_010', 'transaction not found', 'unknown_transaction'],
    ['PSP_011', 'incorrect transaction status', 'invalid_state'],
    ['PSP_020', 'invalid amount', 'invalid_amount'],
    ['PSP_043', 'Refund is not allowed for this MID', 'operation_not_supported'],
    ['PSP_076', 'The refund operation is not yet available, please try to cancel', 'invalid_state'],
    ['INT_902', 'web-service input data validation error', 'invalid_request'],
  ] as const) {
    it(`a refund answered ${code} "${message}" is refused as ${reason} (errors_psp.html, webservice_usage.html)`, async () => {
      nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(200, error('Transaction/CancelOrRefund', code, message));
      expect(await connector().operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'refused', reason });
    });
  }

  it('a code the connector does not know (PSP_999, or one Lyra adds later) leaves the refund unknown, never refused (errors-reference.html: new codes may be added)', async () => {
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(200, error('Transaction/CancelOrRefund', 'PSP_999', 'internal error'));
    expect(await connector().operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'lyra_psp_999' });
  });

  it('a timeout, a 5xx, a cut connection or a body that is not the V4 envelope is unknown, never refused', async () => {
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(502, 'Bad gateway');
    expect(await connector().operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'http_502' });
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await connector().operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'network_error' });
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').delay(300).reply(200, envelope('Transaction/CancelOrRefund', transaction()));
    expect(await connector(100).operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'timeout' });
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(200, '<html>maintenance</html>');
    expect(await connector().operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'unreadable_answer' });
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(200, envelope('Transaction/Get', transaction()));
    expect(await connector().operations!.refund!(target(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'answer_of_another_service' });
  });

  it('the REST password reaches no log line, whatever the answer (kb/authentication.html: the password is a secret)', async () => {
    const capture = new LogCapture();
    const logged = lyraConnector({ rest: { url: REST, password: PASSWORD }, logger: createLogger('debug', capture) });
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(503, 'down');
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').reply(200, error('Transaction/CancelOrRefund', 'PSP_020', 'invalid amount'));
    nock(REST).post('/api-payment/V4/Transaction/CancelOrRefund').replyWithError(Object.assign(new Error(`connect failed ${BASIC}`), { code: 'ECONNREFUSED' }));
    for (let i = 0; i < 3; i++) await logged.operations!.refund!(target(), 500, null);
    expect(capture.lines.length).to.be.greaterThan(2);
    expect(capture.text()).to.not.contain(PASSWORD);
    expect(capture.text()).to.not.contain(BASIC.slice(6));
  });

  it('an answer about another transaction is not believed', async () => {
    nock(REST).post('/api-payment/V4/Transaction/Validate').reply(200, envelope('Transaction/Validate', transaction({ uuid: 'c'.repeat(32), detailedStatus: 'AUTHORISED' })));
    expect(await connector().operations!.capture!(target(), 2480)).to.deep.equal({ outcome: 'unknown', reason: 'answer_for_another_transaction' });
  });

  it('a manual payment is sent with vads_validation_mode=1 and vads_capture_delay, both signed (form API data dictionary)', async () => {
    const sample = samplePayment({ capture: 'manual' });
    const form = await connector().buildRequest({ ...sample, locale: 'en', returnUrl: 'https://gw.example/r', notifyUrl: 'https://gw.example/n' });
    expect(form.fields).to.include({ vads_validation_mode: '1', vads_capture_delay: '6' });
    const automatic = await connector().buildRequest({ ...samplePayment(), locale: 'en', returnUrl: 'https://gw.example/r', notifyUrl: 'https://gw.example/n' });
    expect(automatic.fields).to.not.have.property('vads_validation_mode');
  });

  it('settings: LYRA_REST_PASSWORD turns the operations on, LYRA_REST_URL needs it, and no message repeats the password', () => {
    const base = { LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY };
    expect(readLyraSettings({ ...base, LYRA_REST_PASSWORD: PASSWORD }, { production: false }).settings?.rest).to.deep.equal({ url: 'https://api.payzen.eu', password: PASSWORD });
    expect(readLyraSettings({ ...base, LYRA_REST_URL: 'https://api.systempay.fr' }, { production: false }).problems).to.deep.equal(['LYRA_REST_PASSWORD: required when LYRA_REST_URL is set (the REST password of the back office)']);
    const bad = readLyraSettings({ ...base, LYRA_REST_PASSWORD: 'has a space', LYRA_REST_URL: 'http://api.example', LYRA_CAPTURE_DELAY_DAYS: '0' }, { production: true });
    expect(bad.problems).to.deep.equal([
      'LYRA_REST_PASSWORD: must be the REST API password from the back office, without spaces',
      'LYRA_REST_URL: must be https in production',
      'LYRA_CAPTURE_DELAY_DAYS: must be a whole number of days from 1 to 30',
    ]);
    expect(bad.problems.join('\n')).to.not.contain('has a space');
  });
});
