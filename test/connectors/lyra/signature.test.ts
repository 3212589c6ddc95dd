import { expect } from 'chai';
import { LyraConnector } from '../../../src/connectors/lyra/lyra-connector.js';
import { computeSignature, signatureMatches, signedString } from '../../../src/protocols/lyra/signature.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { samplePayment } from './fixtures.js';
import { PAYZEN_URL, SITE_ID, specSignature, TEST_KEY } from './lyra-bank.js';
import { SYSTEMPAY_FORM_API_EXAMPLE, SYSTEMPAY_V2_SHA1_EXAMPLE } from './published-vectors.js';


describe('Lyra form API signature', () => {
  it('matches the Systempay form API documentation, signature computation example (HMAC-SHA-256, Base64)', () => {
    const v = SYSTEMPAY_FORM_API_EXAMPLE;
    expect(signedString(v.fields, v.key)).to.equal(v.signedString);
    expect(computeSignature(v.fields, v.key, 'HMAC-SHA-256')).to.equal(v.signature);
    expect(signatureMatches(v.fields, v.key, 'HMAC-SHA-256', v.signature)).to.equal(true);
    expect(signatureMatches({ ...v.fields, vads_amount: '5125' }, v.key, 'HMAC-SHA-256', v.signature)).to.equal(false);
    expect(signatureMatches(v.fields, '1122334455667789', 'HMAC-SHA-256', v.signature)).to.equal(false);
  });

  it('matches the Systempay v2 documentation example (SHA-1, hex, legacy mode), fields given out of order', () => {
    const v = SYSTEMPAY_V2_SHA1_EXAMPLE;
    expect(Object.keys(v.fields)[0]).to.equal('vads_version');
    expect(computeSignature(v.fields, v.key, 'SHA-1')).to.equal(v.signature);
    expect(signatureMatches(v.fields, v.key, 'SHA-1', v.signature)).to.equal(true);
    expect(signatureMatches(v.fields, v.key, 'SHA-1', v.signature.toUpperCase())).to.equal(false);
    expect(signatureMatches(v.fields, v.key, 'HMAC-SHA-256', v.signature)).to.equal(false);
  });

  it('agrees with the independent computation used by these tests on both published examples', () => {
    for (const v of [SYSTEMPAY_FORM_API_EXAMPLE, SYSTEMPAY_V2_SHA1_EXAMPLE]) {
      expect(specSignature(v.fields, v.key, v.algorithm), v.source).to.equal(v.signature);
    }
  });

  it('signs only vads_ fields, keeps empty values, orders names by ASCII (upper case first) and reads UTF-8', () => {
    const fields = { vads_threeds_eci: '05', vads_threeds_cavvAlgorithm: '', vads_b: 'é', other: 'ignored', signature: 'ignored' };
    expect(signedString(fields, 'k')).to.equal('é++05+k');
    expect(computeSignature(fields, 'k', 'HMAC-SHA-256')).to.equal(specSignature(fields, 'k'));
    expect(computeSignature({ ...fields, other: 'changed', signature: 'x' }, 'k', 'HMAC-SHA-256')).to.equal(specSignature(fields, 'k'));
  });

  for (const algorithm of ['HMAC-SHA-256', 'SHA-1'] as const) {
    it(`signs a request built by the connector so that the documented recipe verifies it (${algorithm})`, async () => {
      const store = new MemoryPaymentStore();
      const connector = new LyraConnector({
        siteId: SITE_ID,
        ctxMode: 'TEST',
        key: TEST_KEY,
        paymentUrl: PAYZEN_URL,
        signatureAlgorithm: algorithm,
        services: store,
        clock: () => new Date('2024-03-05T10:20:30.123Z'),
      });
      const { payment, attempt } = samplePayment();
      const form = await connector.buildRequest({
        payment,
        attempt,
        locale: 'fr',
        returnUrl: 'https://gateway.example/bank/lyra/return',
        notifyUrl: 'https://gateway.example/bank/lyra/notify',
      });
      expect(form.url).to.equal(PAYZEN_URL);
      expect(form.method).to.equal('POST');
      expect(connector.bankOrigin).to.equal('https://secure.payzen.eu');
      const { signature, ...rest } = form.fields;
      expect(signature).to.equal(specSignature(rest, TEST_KEY, algorithm));
      expect(rest).to.deep.equal({
        vads_action_mode: 'INTERACTIVE',
        vads_amount: '2480',
        vads_ctx_mode: 'TEST',
        vads_currency: '978',
        vads_cust_email: 'buyer@example.com',
        vads_language: 'fr',
        vads_order_id: 'order-1',
        vads_order_info: 'A T-shirt',
        vads_order_info2: attempt.ref,
        vads_page_action: 'PAYMENT',
        vads_payment_config: 'SINGLE',
        vads_return_mode: 'POST',
        vads_site_id: SITE_ID,
        vads_trans_date: '20240305102030',
        vads_trans_id: '000001',
        vads_url_cancel: 'https://gateway.example/bank/lyra/return',
        vads_url_check: 'https://gateway.example/bank/lyra/notify',
        vads_url_refused: 'https://gateway.example/bank/lyra/return',
        vads_url_return: 'https://gateway.example/bank/lyra/return',
        vads_url_success: 'https://gateway.example/bank/lyra/return',
        vads_version: 'V2',
      });
    });
  }

  it('sends the ISO 4217 numeric currency and minor units (JPY has none), and no e-mail when there is none', async () => {
    const connector = new LyraConnector({ siteId: SITE_ID, ctxMode: 'PRODUCTION', key: 'p', paymentUrl: 'https://paiement.systempay.fr/vads-payment/', signatureAlgorithm: 'HMAC-SHA-256', services: new MemoryPaymentStore() });
    const { payment, attempt } = samplePayment({ amount: 1500, currency: 'JPY', customer: null });
    const form = await connector.buildRequest({ payment, attempt, locale: 'en', returnUrl: 'https://g/r', notifyUrl: 'https://g/n' });
    expect(form.fields).to.include({ vads_amount: '1500', vads_currency: '392', vads_ctx_mode: 'PRODUCTION', vads_language: 'en' });
    expect(form.fields).not.to.have.property('vads_cust_email');
    expect(connector.bankOrigin).to.equal('https://paiement.systempay.fr');
    const { signature, ...rest } = form.fields;
    expect(signature).to.equal(specSignature(rest, 'p'));
  });
});
