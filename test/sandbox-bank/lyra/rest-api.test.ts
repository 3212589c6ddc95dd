import { expect } from 'chai';
import request from 'supertest';
import { createSandboxBank, type SandboxBank } from '../../../sandbox-bank/app.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { FakeGateway } from '../support/fake-gateway.js';
import { signForm } from './spec-signature.js';

const BANK_URL = 'http://bank.test';
const SITE_ID = '87654321';
const TEST_KEY = 'sandbox_lyra_test_key_0123456789';
const REST_PASSWORD = 'testpassword_sandboxREST0123456789';
const NO_REST_SITE_ID = '33334444';
const NO_REST_KEY = 'no_rest_shop_key_7777';
const CAPTURE_WINDOW_SECONDS = 3600;

let nextTransId = 1;

/**
 * The sandbox bank's Lyra REST API V4 (docs.lyra.com REST API V4: kb/authentication.html,
 * kb/webservice_usage.html, errors_psp.html): Basic auth with the shop id and REST password, the V4
 * envelope, and the PSP codes Lyra gives for the usual refusals.
 */
describe('sandbox bank: Lyra REST API V4 back office', () => {
  let gateway: FakeGateway;
  let bank: SandboxBank;
  let now = new Date();

  before(async () => {
    gateway = await FakeGateway.start();
    bank = await createSandboxBank({
      publicUrl: BANK_URL,
      merchants: [
        { merchantId: 'shop-1', lyra: { siteId: SITE_ID, testKey: TEST_KEY, restPassword: REST_PASSWORD } },
        { merchantId: 'shop-no-rest', lyra: { siteId: NO_REST_SITE_ID, testKey: NO_REST_KEY } },
      ],
      notificationRetryDelaysMs: [50],
      captureWindowSeconds: CAPTURE_WINDOW_SECONDS,
      logger: new CapturingLogger(),
      clock: () => now,
    });
  });
  beforeEach(() => {
    now = new Date();
  });
  after(async () => {
    await bank.close();
    await gateway.close();
  });

  /** A Lyra payment paid with Visa; its vads_trans_uuid from the IPN. */
  async function paid(amount: number, manual = false, order: Record<string, string> = {}): Promise<{ uuid: string; orderId: string }> {
    const transDate = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const orderId = order.vads_order_id ?? `ORDER${nextTransId}`;
    const fields = signForm(
      {
        vads_action_mode: 'INTERACTIVE',
        vads_amount: String(amount),
        vads_ctx_mode: 'TEST',
        vads_currency: '978',
        vads_order_id: orderId,
        vads_page_action: 'PAYMENT',
        vads_payment_config: 'SINGLE',
        vads_return_mode: 'POST',
        vads_site_id: SITE_ID,
        vads_trans_date: transDate,
        vads_trans_id: String(nextTransId++).padStart(6, '0'),
        vads_url_check: gateway.notifyUrl,
        vads_url_return: gateway.returnUrl,
        vads_version: 'V2',
        ...(manual ? { vads_validation_mode: '1', vads_capture_delay: '6' } : {}),
        ...order,
      },
      TEST_KEY,
      'HMAC-SHA-256',
    );
    const opened = await request(bank.app).post('/lyra/vads-payment/').type('form').send(new URLSearchParams(fields).toString());
    expect(opened.status, opened.text.slice(0, 300)).to.equal(303);
    const cardPage = new URL(opened.headers.location as string).pathname;
    const before = gateway.notifications.length;
    await request(bank.app).post(cardPage).type('form').send({ cardNumber: '4242 4242 4242 4242', expiry: '12/39', action: 'pay', cvc: '737', cardType: 'visa' }).expect(200);
    await gateway.waitForNotifications(before + 1);
    const ipn = gateway.notifications[before]!;
    const ipnFields = Object.fromEntries(new URLSearchParams(ipn.body));
    expect(ipnFields.vads_trans_status).to.equal(manual ? 'AUTHORISED_TO_VALIDATE' : 'AUTHORISED');
    expect(ipnFields.vads_validation_mode).to.equal(manual ? '1' : '0');
    return { uuid: ipnFields.vads_trans_uuid!, orderId };
  }

  const call = (service: string, body: unknown, auth: string | null = `Basic ${Buffer.from(`${SITE_ID}:${REST_PASSWORD}`).toString('base64')}`) => {
    const req = request(bank.app).post(`/lyra/api-payment/V4/${service}`).set('content-type', 'application/json');
    return (auth ? req.set('authorization', auth) : req).send(JSON.stringify(body));
  };

  it('answers in the V4 envelope: webService, version V4, status SUCCESS and the transaction (kb/webservice_usage.html, Transaction/Get)', async () => {
    const { uuid, orderId } = await paid(1500);
    const res = await call('Transaction/Get', { uuid }).expect(200);
    expect(res.body).to.include({ webService: 'Transaction/Get', version: 'V4', status: 'SUCCESS', _type: 'V4/WebService/Response' });
    expect(res.body.answer).to.deep.include({ uuid, amount: 1500, currency: 'EUR', operationType: 'DEBIT', detailedStatus: 'CAPTURED', orderDetails: { orderId } });
  });

  it('refuses a wrong REST password, a missing Authorization and a shop without REST access, and changes nothing (kb/authentication.html)', async () => {
    const { uuid } = await paid(1000);
    for (const auth of [`Basic ${Buffer.from(`${SITE_ID}:wrongpassword_0000`).toString('base64')}`, null, `Basic ${Buffer.from(`${NO_REST_SITE_ID}:${REST_PASSWORD}`).toString('base64')}`]) {
      const res = await call('Transaction/CancelOrRefund', { uuid, amount: 100, currency: 'EUR', resolutionMode: 'REFUND_ONLY' }, auth);
      expect(res.status).to.equal(401);
      expect(res.body).to.include({ status: 'ERROR' });
      expect(res.body.answer.errorCode).to.match(/^INT_\d{3}$/);
    }
    expect(bank.transactions().at(-1)!.refunds).to.have.length(0);
  });

  it('PSP_010 for an unknown transaction, PSP_020 for an over-refund, PSP_011 for a second validation (errors_psp.html)', async () => {
    expect((await call('Transaction/Get', { uuid: 'f'.repeat(32) })).body.answer.errorCode).to.equal('PSP_010');
    const { uuid } = await paid(1000);
    expect((await call('Transaction/CancelOrRefund', { uuid, amount: 600, currency: 'EUR', resolutionMode: 'REFUND_ONLY' })).body.status).to.equal('SUCCESS');
    const over = await call('Transaction/CancelOrRefund', { uuid, amount: 401, currency: 'EUR', resolutionMode: 'REFUND_ONLY' });
    expect(over.body).to.deep.include({ status: 'ERROR' });
    expect(over.body.answer.errorCode).to.equal('PSP_020');
    expect(bank.transactions().at(-1)!.refunds.map((r) => r.amount)).to.deep.equal([600]);

    const manual = await paid(800, true);
    expect((await call('Transaction/Validate', { uuid: manual.uuid })).body.answer.detailedStatus).to.equal('CAPTURED');
    expect((await call('Transaction/Validate', { uuid: manual.uuid })).body.answer.errorCode).to.equal('PSP_011');
  });

  it('a validation after the limit is PSP_011 and the transaction reads EXPIRED; a refund before validation is PSP_076 (errors_psp.html)', async () => {
    const { uuid } = await paid(700, true);
    expect((await call('Transaction/CancelOrRefund', { uuid, amount: 100, currency: 'EUR', resolutionMode: 'REFUND_ONLY' })).body.answer.errorCode).to.equal('PSP_076');
    now = new Date(now.getTime() + (CAPTURE_WINDOW_SECONDS + 1) * 1000);
    expect((await call('Transaction/Validate', { uuid })).body.answer.errorCode).to.equal('PSP_011');
    expect((await call('Transaction/Get', { uuid })).body.answer.detailedStatus).to.equal('EXPIRED');
    expect(bank.transactions().at(-1)!.captures).to.have.length(0);
  });

  it('Transaction/Update lowers the amount to validate, never raises it; the validation captures the lowered amount', async () => {
    const { uuid } = await paid(1000, true);
    expect((await call('Transaction/Update', { uuid, cardUpdate: { amount: 1001, currency: 'EUR' } })).body.answer.errorCode).to.equal('PSP_020');
    expect((await call('Transaction/Update', { uuid, cardUpdate: { amount: 600, currency: 'EUR' } })).body.answer.amount).to.equal(600);
    expect((await call('Transaction/Validate', { uuid })).body.answer).to.include({ amount: 600, detailedStatus: 'CAPTURED' });
    expect(bank.transactions().at(-1)!.captures.map((c) => c.amount)).to.deep.equal([600]);
  });

  it('Order/Get lists every transaction of one vads_order_id, each with its vads_order_info fields as metadata', async () => {
    const order = { vads_order_id: `SHOP-${nextTransId}`, vads_order_info: 'Two mugs' };
    const first = await paid(1500, false, { ...order, vads_order_info2: 'AFIRSTATTEMPT' });
    const second = await paid(1500, false, { ...order, vads_order_info2: 'ASECONDATTEMPT' });
    const res = await call('Order/Get', { orderId: order.vads_order_id }).expect(200);
    const debits = res.body.answer.transactions.map((t: { uuid: string; metadata: unknown; orderDetails: unknown }) => ({ uuid: t.uuid, metadata: t.metadata, orderDetails: t.orderDetails }));
    expect(debits).to.have.deep.members([
      { uuid: first.uuid, metadata: { orderInfo: 'Two mugs', orderInfo2: 'AFIRSTATTEMPT' }, orderDetails: { orderId: order.vads_order_id } },
      { uuid: second.uuid, metadata: { orderInfo: 'Two mugs', orderInfo2: 'ASECONDATTEMPT' }, orderDetails: { orderId: order.vads_order_id } },
    ]);
  });

  it('a test amount ending in 52 does the refund and answers 504 once; Order/Get then lists it with its metadata', async () => {
    const { uuid, orderId } = await paid(2000);
    const first = await call('Transaction/CancelOrRefund', { uuid, amount: 352, currency: 'EUR', resolutionMode: 'REFUND_ONLY', metadata: { hppOperationId: 're_x' } });
    expect(first.status).to.equal(504);
    const order = await call('Order/Get', { orderId }).expect(200);
    const credits = order.body.answer.transactions.filter((t: { operationType: string }) => t.operationType === 'CREDIT');
    expect(credits).to.have.length(1);
    expect(credits[0]).to.deep.include({ amount: 352, metadata: { hppOperationId: 're_x' } });
    expect(credits[0].transactionDetails.parentTransactionUuid).to.equal(uuid);
  });

  it('a test amount ending in 51 is refused PSP_003, nothing refunded; the back-office page lists the Lyra transactions', async () => {
    const { uuid } = await paid(2000);
    expect((await call('Transaction/CancelOrRefund', { uuid, amount: 151, currency: 'EUR', resolutionMode: 'REFUND_ONLY' })).body.answer.errorCode).to.equal('PSP_003');
    expect(bank.transactions().at(-1)!.refunds).to.have.length(0);
    const page = await request(bank.app).get('/back-office').expect(200);
    expect(page.text).to.contain('lyra');
  });
});
