import { expect } from 'chai';
import request from 'supertest';
import { LyraConnector } from '../../../src/connectors/lyra/lyra-connector.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { API_KEY, servicesOf, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { formFields, lyraResponse, PAYZEN_URL, PRODUCTION_KEY, SITE_ID, specSignature, TEST_KEY, type ResponseOptions } from './lyra-bank.js';

const GATEWAY = 'http://gateway.test';

/** A gateway whose only bank is Lyra, on a memory store that also gives the vads_trans_id counter. */
async function lyraGateway(mode: 'TEST' | 'PRODUCTION' = 'TEST'): Promise<TestGateway> {
  let store: MemoryPaymentStore | undefined;
  const connector = new LyraConnector({
    siteId: SITE_ID,
    ctxMode: mode,
    key: mode === 'TEST' ? TEST_KEY : PRODUCTION_KEY,
    paymentUrl: PAYZEN_URL,
    signatureAlgorithm: 'HMAC-SHA-256',
    services: servicesOf(() => store),
  });
  return testGateway({ store: (outboxTargets) => (store = new MemoryPaymentStore({ outboxTargets })), connectors: () => [connector] });
}

describe('Lyra form API through the gateway', () => {
  let gw: TestGateway;
  let paymentId: string;
  /** The signed form the buyer's browser posted to Lyra. */
  let sent: Record<string, string>;
  let redirectPage: request.Response;

  /** A payment, and the buyer through the checkout page and "Pay" to the auto-submitting form. */
  async function buyerAtLyra(): Promise<void> {
    const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    expect(created.status).to.equal(201);
    paymentId = created.body.id;
    const agent = request.agent(gw.app);
    const page = await agent.get(`/checkout/${paymentId}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    redirectPage = await agent.post(`/checkout/${paymentId}/pay`).type('form').send({ _csrf: csrf });
    expect(redirectPage.status).to.equal(200);
    sent = formFields(redirectPage.text);
  }

  const post = (path: string, fields: Record<string, string>) =>
    request(gw.app).post(path).type('form').send(new URLSearchParams(fields).toString());
  const notify = (fields: Record<string, string>) => post('/bank/lyra/notify', fields);
  const browserReturn = (fields: Record<string, string>) => post('/bank/lyra/return', fields);
  const lyra = (options: ResponseOptions) => lyraResponse(sent, options);
  const snapshot = async () => ({
    payment: await gw.app.gateway.store.getPayment(paymentId),
    events: await gw.app.gateway.store.listEvents(paymentId),
  });

  async function expectRefusedWithoutChange(fields: Record<string, string>, reason: string): Promise<void> {
    const before = await snapshot();
    const res = await notify(fields);
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    expect(res.text).to.equal(`KO ${reason}`);
    const page = await browserReturn(fields);
    expect(page.status).to.equal(400);
    expect(page.text).to.contain('could not confirm');
    expect(await snapshot()).to.deep.equal(before);
  }

  describe('in TEST mode', () => {
    beforeEach(async () => {
      gw = await lyraGateway('TEST');
      await buyerAtLyra();
    });
    afterEach(() => gw.close());

    it('sends the buyer to Lyra with a signed vads_ form whose return and IPN URLs are the gateway', () => {
      expect(redirectPage.headers['content-security-policy']).to.contain(`form-action 'self' https://secure.payzen.eu`);
      expect(redirectPage.text).to.contain(`action="${PAYZEN_URL}"`).and.contain('method="POST"');
      const { signature, ...rest } = sent;
      expect(signature).to.equal(specSignature(rest, TEST_KEY));
      expect(rest).to.include({
        vads_amount: '2480',
        vads_currency: '978',
        vads_ctx_mode: 'TEST',
        vads_site_id: SITE_ID,
        vads_trans_id: '000001',
        vads_language: 'en',
        vads_cust_email: 'buyer@example.com',
        vads_return_mode: 'POST',
        vads_url_return: `${GATEWAY}/bank/lyra/return`,
        vads_url_success: `${GATEWAY}/bank/lyra/return`,
        vads_url_refused: `${GATEWAY}/bank/lyra/return`,
        vads_url_cancel: `${GATEWAY}/bank/lyra/return`,
        vads_url_check: `${GATEWAY}/bank/lyra/notify`,
      });
      // The shop's order number where the back office is searched; the attempt in a field Lyra returns.
      expect(rest.vads_order_id).to.match(/^order-[a-z0-9]+$/);
      expect(rest.vads_order_info).to.equal('A T-shirt');
      expect(rest.vads_order_info2).to.match(/^A[A-Z2-7]{26}$/);
    });

    it('IPN AUTHORISED: the payment succeeds, Lyra gets 200 OK in plain text, only the last four digits are kept', async () => {
      const res = await notify(lyra({ status: 'AUTHORISED' }));
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/plain/);
      expect(res.text).to.equal('OK');
      const { payment, events } = await snapshot();
      expect(payment!.status).to.equal('succeeded');
      expect(payment!.attempts[0]).to.include({
        ref: sent.vads_order_info2,
        status: 'authorised',
        bankTransactionId: 'a3c1e0f25b7d4c6e9f8a7b6c5d4e3f21',
        authorisationCode: '3fb0de',
        responseCode: '00/00',
      });
      expect(payment!.attempts[0]!.card).to.deep.equal({ brand: 'cb', last4: '0055' });
      expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
      expect(JSON.stringify(payment)).not.to.contain('497010');
      expect(gw.logs.join('')).not.to.contain('497010');
    });

    it('IPN REFUSED: the payment fails (the buyer may try again)', async () => {
      expect((await notify(lyra({ status: 'REFUSED' }))).status).to.equal(200);
      const { payment, events } = await snapshot();
      expect(payment!.status).to.equal('failed');
      expect(payment!.attempts[0]).to.include({ status: 'refused', responseCode: '05/51' });
      expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed']);
    });

    it('IPN CANCELLED: the payment is cancelled', async () => {
      expect((await notify(lyra({ status: 'CANCELLED' }))).status).to.equal(200);
      const { payment, events } = await snapshot();
      expect(payment!.status).to.equal('cancelled');
      expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.cancelled']);
    });

    it('the same IPN twice (Lyra retry): acknowledged twice, one transition', async () => {
      const ipn = lyra({ status: 'AUTHORISED' });
      expect((await notify(ipn)).text).to.equal('OK');
      expect((await notify({ ...ipn })).text).to.equal('OK');
      const retry = lyra({ status: 'AUTHORISED', overrides: { vads_url_check_src: 'RETRY' } });
      expect((await notify(retry)).text).to.equal('OK');
      const { payment, events } = await snapshot();
      expect(events.filter((e) => e.type === 'payment.succeeded')).to.have.length(1);
      expect(payment!.version).to.equal(3);
    });

    it('a tampered field (vads_amount) with the old signature: 400 and nothing changed', async () => {
      const ipn = lyra({ status: 'AUTHORISED' });
      await expectRefusedWithoutChange({ ...ipn, vads_amount: '1' }, 'bad_signature');
      await expectRefusedWithoutChange({ ...ipn, vads_order_id: 'AOTHERATTEMPT' }, 'bad_signature');
      await expectRefusedWithoutChange({ ...ipn, vads_order_info2: 'AOTHERATTEMPT' }, 'bad_signature');
      await expectRefusedWithoutChange({ ...lyra({ status: 'REFUSED' }), vads_trans_status: 'AUTHORISED' }, 'bad_signature');
      const { signature, ...unsigned } = ipn;
      expect(signature).to.be.a('string');
      await expectRefusedWithoutChange(unsigned, 'missing_signature');
    });

    it('a captured return re-posted with vads_trans_uuid renamed (signature still valid): refused, no second success', async () => {
      const captured = lyra({ status: 'AUTHORISED' });
      expect((await browserReturn(captured)).status).to.equal(303);
      const { vads_trans_uuid: uuid, ...rest } = captured;
      // `vads_trans_uuie` sorts where `vads_trans_uuid` did: the signed values, and so the signature, are the same.
      const renamed: Record<string, string> = { ...rest, vads_trans_uuie: uuid! };
      const { signature, ...unsigned } = renamed;
      expect(specSignature(unsigned, TEST_KEY)).to.equal(signature);
      await expectRefusedWithoutChange(renamed, 'unknown_field');
      const { payment } = await snapshot();
      expect(payment!.status).to.equal('succeeded');
      expect(payment!.anomalies).to.deep.equal([]);
      expect(payment!.attempts[0]!.bankTransactionId).to.equal(uuid);
    });

    it('a response without a well-formed vads_trans_uuid, correctly signed: refused, nothing changed', async () => {
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', overrides: { vads_trans_uuid: '' } }), 'malformed_trans_uuid');
      const { vads_trans_uuid: _uuid, ...withoutUuid } = lyra({ status: 'AUTHORISED' });
      const { signature: _old, ...unsigned } = withoutUuid;
      await expectRefusedWithoutChange({ ...unsigned, signature: specSignature(unsigned, TEST_KEY) }, 'malformed_trans_uuid');
    });

    it('a card number as the authorisation number, correctly signed: refused before anything is stored', async () => {
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', overrides: { vads_auth_number: '4111111111111111' } }), 'card_number_in_vads_auth_number');
      const { payment } = await snapshot();
      expect(JSON.stringify(payment)).not.to.contain('4111111111111111');
    });

    it('a response signed with another key: 400 and nothing changed', async () => {
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', key: 'not-the-shop-key' }), 'bad_signature');
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', key: PRODUCTION_KEY, overrides: { vads_ctx_mode: 'PRODUCTION' } }), 'bad_signature');
    });

    it('an amount or currency other than asked, correctly signed: refused and recorded as anomalies, nothing else', async () => {
      const amount = await notify(lyra({ status: 'AUTHORISED', overrides: { vads_amount: '1' } }));
      expect(amount.status).to.equal(400);
      expect(amount.text).to.equal('KO amount_mismatch');
      const currency = await notify(lyra({ status: 'AUTHORISED', overrides: { vads_currency: '840' } }));
      expect(currency.status).to.equal(400);
      expect(currency.text).to.equal('KO currency_mismatch');
      const { payment, events } = await snapshot();
      expect(payment!.status).to.equal('pending');
      expect(payment!.attempts[0]!.status).to.equal('pending');
      expect(payment!.attempts[0]).not.to.have.property('bankTransactionId');
      expect(payment!.anomalies).to.have.members(['amount_mismatch', 'currency_mismatch']);
      expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.anomaly', 'payment.anomaly']);
    });

    it('an unknown attempt in vads_order_info2, correctly signed: refused, nothing changed', async () => {
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', overrides: { vads_order_info2: 'AUNKNOWNATTEMPT000000000001' } }), 'unknown_attempt');
    });

    it('no vads_order_info2, correctly signed: names no attempt, refused, nothing changed', async () => {
      const { vads_order_info2: dropped, ...request } = sent;
      expect(dropped).to.be.a('string');
      await expectRefusedWithoutChange(lyraResponse(request, { status: 'AUTHORISED' }), 'unknown_attempt');
    });

    it('an attempt opened before vads_order_info2 existed (its reference as vads_order_id, no vads_order_info2): its IPN still lands on it', async () => {
      const { vads_order_info2: attemptRef, ...request } = sent;
      expect((await notify(lyraResponse({ ...request, vads_order_id: attemptRef! }, { status: 'AUTHORISED' }))).text).to.equal('OK');
      const { payment } = await snapshot();
      expect(payment!.status).to.equal('succeeded');
      expect(payment!.attempts.map((a) => [a.ref, a.status])).to.deep.equal([[attemptRef, 'authorised']]);
    });

    it('two attempts of one payment share the order id, and each IPN reaches its own attempt', async () => {
      const first = sent;
      expect((await notify(lyra({ status: 'REFUSED' }))).status).to.equal(200);
      const agent = request.agent(gw.app);
      const page = await agent.get(`/checkout/${paymentId}`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const second = formFields((await agent.post(`/checkout/${paymentId}/pay`).type('form').send({ _csrf: csrf })).text);
      expect(second.vads_order_id).to.equal(first.vads_order_id);
      expect(second.vads_order_info2).not.to.equal(first.vads_order_info2);

      expect((await notify(lyraResponse(second, { status: 'AUTHORISED' }))).text).to.equal('OK');
      // The first attempt's IPN again (a Lyra retry) still lands on the first attempt, not the paid one.
      expect((await notify(lyraResponse(first, { status: 'REFUSED' }))).text).to.equal('OK');
      const { payment } = await snapshot();
      expect(payment!.status).to.equal('succeeded');
      expect(payment!.attempts.map((a) => [a.ref, a.status])).to.deep.equal([
        [first.vads_order_info2, 'refused'],
        [second.vads_order_info2, 'authorised'],
      ]);
    });

    it('a refusal after success: the payment stays succeeded, an anomaly is recorded and notified once', async () => {
      await notify(lyra({ status: 'AUTHORISED' }));
      const later = await notify(lyra({ status: 'REFUSED' }));
      expect(later.status).to.equal(200);
      // A back-office cancellation of the captured payment reads the same way.
      expect((await notify(lyra({ status: 'CANCELLED', overrides: { vads_url_check_src: 'MERCH_BO' } }))).status).to.equal(200);
      const { payment, events } = await snapshot();
      expect(payment!.status).to.equal('succeeded');
      expect(payment!.attempts[0]!.status).to.equal('authorised');
      expect(payment!.anomalies).to.deep.equal(['regression_after_success']);
      expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded', 'payment.anomaly']);
    });

    it('the browser return POST (no session cookie): 303 to the result page, which shows the outcome', async () => {
      const res = await browserReturn(lyra({ status: 'AUTHORISED' }));
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`${GATEWAY}/checkout/${paymentId}/result`);
      expect(res.headers['set-cookie']).to.equal(undefined);
      const page = await request(gw.app).get(`/checkout/${paymentId}/result`);
      expect(page.status).to.equal(200);
      expect(page.text).to.contain('data-status="succeeded"');
    });

    it('the buyer who gives up on the Lyra page comes back ABANDONED: 303, payment cancelled', async () => {
      const res = await browserReturn(lyra({ status: 'ABANDONED' }));
      expect(res.status).to.equal(303);
      expect((await snapshot()).payment!.status).to.equal('cancelled');
    });

    it('the return and the IPN at the same moment: one transition', async () => {
      const [back, ipn] = await Promise.all([browserReturn(lyra({ status: 'AUTHORISED' })), notify(lyra({ status: 'AUTHORISED' }))]);
      expect(back.status).to.equal(303);
      expect(ipn.text).to.equal('OK');
      expect((await snapshot()).events.filter((e) => e.type === 'payment.succeeded')).to.have.length(1);
    });

    it('a waiting status changes nothing; the later authorisation IPN settles the payment', async () => {
      expect((await notify(lyra({ status: 'WAITING_AUTHORISATION' }))).text).to.equal('OK');
      const waiting = await snapshot();
      expect(waiting.payment!.status).to.equal('pending');
      expect(waiting.payment!.version).to.equal(2);
      expect((await notify(lyra({ status: 'AUTHORISED', overrides: { vads_url_check_src: 'BATCH_AUTO' } }))).text).to.equal('OK');
      expect((await snapshot()).payment!.status).to.equal('succeeded');
    });

    it('a refund notified from the back office (CREDIT) is acknowledged and changes nothing', async () => {
      await notify(lyra({ status: 'AUTHORISED' }));
      const before = await snapshot();
      const res = await notify(lyra({ status: 'CAPTURED', overrides: { vads_operation_type: 'CREDIT', vads_url_check_src: 'MERCH_BO' } }));
      expect(res.status).to.equal(200);
      expect(res.text).to.equal('OK');
      expect(await snapshot()).to.deep.equal(before);
    });

    it('a second click on "Pay" sends the same vads_trans_id for the same attempt', async () => {
      const agent = request.agent(gw.app);
      const page = await agent.get(`/checkout/${paymentId}`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const again = formFields((await agent.post(`/checkout/${paymentId}/pay`).type('form').send({ _csrf: csrf })).text);
      expect(again.vads_order_id).to.equal(sent.vads_order_id);
      expect(again.vads_order_info2).to.equal(sent.vads_order_info2);
      expect(again.vads_trans_id).to.equal(sent.vads_trans_id);
      expect(again.vads_trans_date).to.equal(sent.vads_trans_date);
    });
  });

  describe('in PRODUCTION mode', () => {
    beforeEach(async () => {
      gw = await lyraGateway('PRODUCTION');
      await buyerAtLyra();
    });
    afterEach(() => gw.close());

    it('refuses a response switched to vads_ctx_mode=TEST and signed with the TEST key', async () => {
      expect(sent.vads_ctx_mode).to.equal('PRODUCTION');
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', key: TEST_KEY, overrides: { vads_ctx_mode: 'TEST' } }), 'bad_signature');
      // And one that says TEST while signed with the production key.
      await expectRefusedWithoutChange(lyra({ status: 'AUTHORISED', key: PRODUCTION_KEY, overrides: { vads_ctx_mode: 'TEST' } }), 'ctx_mode_mismatch');
    });

    it('accepts the production response signed with the production key', async () => {
      expect((await notify(lyra({ status: 'AUTHORISED', key: PRODUCTION_KEY }))).text).to.equal('OK');
      expect((await snapshot()).payment!.status).to.equal('succeeded');
    });
  });
});
