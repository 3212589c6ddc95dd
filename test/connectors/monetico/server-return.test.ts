import { expect } from 'chai';
import request from 'supertest';
import type { MoneticoConnectorOptions } from '../../../src/connectors/monetico/monetico-connector.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import type { CommitInput } from '../../../src/store/payment-store.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { moneticoConnector } from './fixtures.js';
import { formBody, LIVE_SERVER_URL, OTHER_KEY, paidFields, serverReturn, type Method } from './monetico-bank.js';

const CDR_OK = 'version=2\ncdr=0\n';
const CDR_NOT_OK = 'version=2\ncdr=1\n';

/** A store whose next commits fail, as when Redis is unreachable for a moment. */
class FlakyStore extends MemoryPaymentStore {
  failures = 0;
  override async commit(input: CommitInput): Promise<boolean> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('store unavailable');
    }
    return super.commit(input);
  }
}

function suite(method: Method): void {
  describe(`Monetico server return through the gateway (${method} method)`, () => {
    let gw: TestGateway;
    let store: FlakyStore;
    let paymentId: string;
    let ref: string;

    async function start(options: Partial<MoneticoConnectorOptions> = {}): Promise<void> {
      gw = await testGateway({ store: (outboxTargets) => (store = new FlakyStore({ outboxTargets })), connectors: () => [moneticoConnector({ macMethod: method, ...options })] });
      const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ reference: 'order-1' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.connector).to.equal('monetico');
      paymentId = res.body.id;
      const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'monetico');
      ref = attempt!.ref;
    }
    afterEach(() => gw.close());

    /** The fields Monetico returns for our attempt: the reference and texte-libre we sent. */
    function fields(overrides: Record<string, string> = {}): Record<string, string> {
      const ours = method === 'fields' ? { reference: ref, 'texte-libre': 'order-1' } : { reference: ref.slice(0, 12), 'texte-libre': `${ref} order-1` };
      return paidFields(ours.reference, { 'texte-libre': ours['texte-libre'], ...overrides });
    }
    const sealed = (overrides: Record<string, string> = {}, key?: string) => serverReturn(fields(overrides), { method, ...(key ? { key } : {}) });
    const notify = (body: Record<string, string> | string) =>
      request(gw.app)
        .post('/bank/monetico/notify')
        .type('form')
        .send(typeof body === 'string' ? body : formBody(body));
    const snapshot = async () => ({ payment: await gw.app.gateway.store.getPayment(paymentId), events: await gw.app.gateway.store.listEvents(paymentId) });

    function expectReceipt(res: request.Response, body: string, status = 200): void {
      expect(res.status).to.equal(status);
      expect(res.headers['content-type']).to.match(/^text\/plain/);
      expect(res.text).to.equal(body);
    }

    async function expectRefusedWithoutChange(body: Record<string, string> | string, reason?: RegExp): Promise<void> {
      const before = await snapshot();
      const logged = gw.logs.length;
      expectReceipt(await notify(body), CDR_NOT_OK);
      expect(await snapshot()).to.deep.equal(before);
      if (reason) expect(gw.logs.slice(logged).join('')).to.match(reason);
    }

    describe('on the test server', () => {
      beforeEach(() => start());

      it('applies "paiement", answers exactly version=2\\ncdr=0\\n in text/plain, and records what the MAC covers', async () => {
        expectReceipt(await notify(sealed()), CDR_OK);
        const { payment, events } = await snapshot();
        expect(payment!.status).to.equal('succeeded');
        const attempt = payment!.attempts[0]!;
        expect(attempt).to.include({ ref, status: 'authorised', authorisationCode: '010101', responseCode: 'paiement', bankTransactionId: fields().reference });
        // cbmasquee is sealed by the current kit only; the older seal does not cover it, so it is not read.
        if (method === 'fields') expect(attempt.card).to.deep.equal({ brand: 'visa', last4: '0001' });
        else expect(attempt.card).to.equal(undefined);
        expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
      });

      it('records "Annulation" as a refusal: the payment fails and the buyer may try again', async () => {
        expectReceipt(await notify(sealed({ 'code-retour': 'Annulation', numauto: '', motifrefus: 'Refus' })), CDR_OK);
        const { payment, events } = await snapshot();
        expect(payment!.status).to.equal('failed');
        expect(payment!.attempts[0]).to.include({ status: 'refused', responseCode: 'Annulation:Refus' });
        expect(payment!.attempts[0]).not.to.have.property('authorisationCode');
        expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed']);
        const retry = await gw.app.gateway.service.startAttempt(paymentId, 'monetico');
        expect(retry.attempt!.ref).not.to.equal(ref);
      });

      it('accepts "payetest" from the test server', async () => {
        expectReceipt(await notify(sealed({ 'code-retour': 'payetest' })), CDR_OK);
        expect((await snapshot()).payment!.status).to.equal('succeeded');
      });

      it('answers cdr=1 to a bad MAC and changes nothing', async () => {
        await expectRefusedWithoutChange({ ...sealed(), MAC: 'ab'.repeat(20) }, /bad_mac/);
        await expectRefusedWithoutChange({ ...sealed(), MAC: sealed().MAC!.slice(0, 39) }, /bad_mac/);
        const { MAC: _mac, ...unsealed } = sealed();
        await expectRefusedWithoutChange(unsealed, /missing_mac/);
      });

      it('answers cdr=1 to a tampered field and changes nothing', async () => {
        const genuine = sealed({ 'code-retour': 'Annulation', numauto: '' });
        await expectRefusedWithoutChange({ ...genuine, 'code-retour': 'paiement' }, /bad_mac/);
        await expectRefusedWithoutChange({ ...genuine, montant: '0.01EUR' }, /bad_mac/);
        await expectRefusedWithoutChange({ ...genuine, reference: `${genuine.reference!.slice(0, -1)}${genuine.reference!.endsWith('B') ? 'C' : 'B'}` }, /bad_mac/);
        await expectRefusedWithoutChange({ ...genuine, 'texte-libre': `${genuine['texte-libre']} ` }, /bad_mac/);
        // A value changed inside the raw body, and a field added after sealing.
        await expectRefusedWithoutChange(formBody(genuine).replace('Annulation', 'paiement'), /bad_mac/);
        if (method === 'fields') await expectRefusedWithoutChange({ ...genuine, extra: '1' }, /bad_mac/);
      });

      it('answers cdr=1 to a message sealed with another key and changes nothing', async () => {
        await expectRefusedWithoutChange(sealed({}, OTHER_KEY), /bad_mac/);
      });

      it('answers cdr=1 to a body that names a field twice', async () => {
        await expectRefusedWithoutChange(`${formBody(sealed())}&code-retour=paiement`, /duplicate_field/);
        await expectRefusedWithoutChange(`code-retour=Annulation&${formBody(sealed())}`, /duplicate_field/);
      });

      it('refuses another terminal (TPE) even when sealed with our key', async () => {
        await expectRefusedWithoutChange(sealed({ TPE: '7654321' }), /wrong_tpe/);
      });

      it('refuses an amount or currency other than asked (correctly sealed) and records only the anomaly', async () => {
        expectReceipt(await notify(sealed({ montant: '0.01EUR' })), CDR_NOT_OK);
        expectReceipt(await notify(sealed({ montant: '24.80USD' })), CDR_NOT_OK);
        const { payment, events } = await snapshot();
        expect(payment!.status).to.equal('pending');
        expect(payment!.attempts[0]!.status).to.equal('pending');
        expect(payment!.anomalies).to.have.members(['amount_mismatch', 'currency_mismatch']);
        expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.anomaly', 'payment.anomaly']);
      });

      it('refuses a sealed return for a reference we never sent', async () => {
        const unknown: Record<string, string> = method === 'fields' ? { reference: 'AUNKNOWNATTEMPT234567ABCDEF' } : { reference: 'AUNKNOWNATTE', 'texte-libre': 'AUNKNOWNATTEMPT234567ABCDEF order-1' };
        await expectRefusedWithoutChange(sealed(unknown), /unknown_attempt/);
      });

      it('acknowledges a duplicate with cdr=0 and applies it once', async () => {
        const message = sealed();
        expectReceipt(await notify(message), CDR_OK);
        const after = await snapshot();
        expectReceipt(await notify(message), CDR_OK);
        expectReceipt(await notify(message), CDR_OK);
        expect(await snapshot()).to.deep.equal(after);
        expect(after.events.filter((e) => e.type === 'payment.succeeded')).to.have.length(1);
      });

      it('records a refusal after success as an anomaly only', async () => {
        expectReceipt(await notify(sealed()), CDR_OK);
        expectReceipt(await notify(sealed({ 'code-retour': 'Annulation', numauto: '' })), CDR_OK);
        const { payment, events } = await snapshot();
        expect(payment!.status).to.equal('succeeded');
        expect(payment!.attempts[0]!.status).to.equal('authorised');
        expect(payment!.anomalies).to.deep.equal(['regression_after_success']);
        expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded', 'payment.anomaly']);
      });

      it('reads montant exactly: 24.8EUR is 2480 cents', async () => {
        expectReceipt(await notify(sealed({ montant: '24.8EUR' })), CDR_OK);
        expect((await snapshot()).payment!.status).to.equal('succeeded');
      });

      for (const montant of ['24.800EUR', '1e3EUR', '2.48e1EUR', '24,80EUR', '-24.80EUR', '+24.80EUR', ' 24.80EUR', '24.80 EUR', '24.80eur', '0x9B0EUR', 'InfinityEUR', '24.80', 'EUR', '24.80XXX', '24.80ZZZ']) {
        it(`refuses the amount ${JSON.stringify(montant)} (correctly sealed) without guessing`, async () => {
          await expectRefusedWithoutChange(sealed({ montant }), /malformed_amount|unknown_currency/);
        });
      }

      it('acknowledges a code it never asked for (split payment instalment) without any change', async () => {
        const before = await snapshot();
        expectReceipt(await notify(sealed({ 'code-retour': 'paiement_pf2' })), CDR_OK);
        expect(await snapshot()).to.deep.equal(before);
        expect(gw.logs.join('')).to.contain('unhandled_code_retour');
      });

      it('answers 503 with cdr=1 when the outcome cannot be stored now, and applies the retry', async () => {
        store.failures = 1;
        const before = await snapshot();
        expectReceipt(await notify(sealed()), CDR_NOT_OK, 503);
        expect(await snapshot()).to.deep.equal(before);
        expectReceipt(await notify(sealed()), CDR_OK);
        expect((await snapshot()).payment!.status).to.equal('succeeded');
      });

      it('refuses a body that is not a form', async () => {
        const before = await snapshot();
        const res = await request(gw.app).post('/bank/monetico/notify').set('Content-Type', 'application/json').send(JSON.stringify(sealed()));
        expectReceipt(res, CDR_NOT_OK);
        expect(await snapshot()).to.deep.equal(before);
      });

      if (method === 'positional') {
        it('maps the 12-character reference to the attempt named in the sealed texte-libre, and only if it is its prefix', async () => {
          await expectRefusedWithoutChange(sealed({ reference: 'AOTHERREF234' }), /reference_mismatch/);
          await expectRefusedWithoutChange(sealed({ 'texte-libre': 'order-1' }), /reference_mismatch/);
        await expectRefusedWithoutChange(sealed({ reference: ref.slice(0, 11), 'texte-libre': `${ref} order-1` }), /reference_mismatch/);
          await expectRefusedWithoutChange(sealed({ 'texte-libre': `${ref}*x order-1` }), /malformed_body/);
        });
      }
    });

    describe('on the live server', () => {
      beforeEach(() => start({ paymentUrl: LIVE_SERVER_URL }));

      it('does not let a test-server payment ("payetest") pay a live order', async () => {
        const before = await snapshot();
        expectReceipt(await notify(sealed({ 'code-retour': 'payetest' })), CDR_OK);
        expect(await snapshot()).to.deep.equal(before);
        expect(gw.logs.join('')).to.contain('test_payment_on_live_terminal');
      });

      it('applies "paiement"', async () => {
        expectReceipt(await notify(sealed()), CDR_OK);
        expect((await snapshot()).payment!.status).to.equal('succeeded');
      });
    });
  });
}

suite('fields');
suite('positional');
