import { expect } from 'chai';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { SipsConnector } from '../../../src/connectors/sips/sips-connector.js';
import { independentHmacSeal, KEY_1, KEY_2, MERCHANT_ID, sipsSettings } from './fixtures.js';

function payment(overrides: Partial<Payment> = {}): Payment {
  return {
    id: 'pay_x',
    version: 2,
    status: 'pending',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-1042',
    description: 'A T-shirt',
    customer: null,
    returnUrl: 'https://shop.example/orders/1',
    metadata: {},
    connector: 'sips',
    createdAt: '2026-11-23T10:00:00.000Z',
    updatedAt: '2026-11-23T10:00:00.000Z',
    expiresAt: '2026-11-23T10:30:00.000Z',
    attempts: [],
    anomalies: [],
    ...overrides,
  };
}

const attempt: Attempt = { ref: 'AREF234567ABCDEFGHIJKLMNOPQ', connector: 'sips', status: 'pending', createdAt: '2026-11-23T10:00:00.000Z', updatedAt: '2026-11-23T10:00:00.000Z' };
const urls = { returnUrl: 'https://gw.example/bank/sips/return', notifyUrl: 'https://gw.example/bank/sips/notify' };

function dataFields(data: string): Record<string, string> {
  return Object.fromEntries(data.split('|').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

describe('Sips connector: payment request', () => {
  it('posts Data, Seal, InterfaceVersion and SealAlgorithm to the Paypage, sealed with the key of SIPS_KEY_VERSION', async () => {
    const connector = new SipsConnector(sipsSettings());
    const form = await connector.buildRequest({ payment: payment(), attempt, locale: 'fr', ...urls });
    expect(form.url).to.equal('https://payment-webinit.simu.sips-services.com/paymentInit');
    expect(form.method).to.equal('POST');
    expect(Object.keys(form.fields).sort()).to.deep.equal(['Data', 'InterfaceVersion', 'Seal', 'SealAlgorithm']);
    expect(form.fields.InterfaceVersion).to.equal('HP_2.20');
    expect(form.fields.SealAlgorithm).to.equal('HMAC-SHA-256');
    // An independent computation over Data exactly as posted, with key version 2's key.
    expect(form.fields.Seal).to.equal(await independentHmacSeal(form.fields.Data!, KEY_2));
    expect(form.fields.Seal).to.not.equal(await independentHmacSeal(form.fields.Data!, KEY_1));
    expect(form.fields.Seal).to.match(/^[0-9a-f]{64}$/);

    expect(dataFields(form.fields.Data!)).to.deep.equal({
      amount: '2480',
      currencyCode: '978',
      merchantId: MERCHANT_ID,
      normalReturnUrl: urls.returnUrl,
      automaticResponseUrl: urls.notifyUrl,
      transactionReference: attempt.ref,
      keyVersion: '2',
      orderId: 'order-1042',
      customerLanguage: 'fr',
      orderChannel: 'INTERNET',
    });
    expect(connector.bankOrigin).to.equal('https://payment-webinit.simu.sips-services.com');
  });

  it('writes the ISO 4217 numeric currency and minor units: 1500 JPY, 1 BHD', async () => {
    const connector = new SipsConnector(sipsSettings());
    const jpy = await connector.buildRequest({ payment: payment({ amount: 1500, currency: 'JPY' }), attempt, locale: 'en', ...urls });
    expect(dataFields(jpy.fields.Data!)).to.include({ amount: '1500', currencyCode: '392', customerLanguage: 'en' });
    const bhd = await connector.buildRequest({ payment: payment({ amount: 1, currency: 'BHD' }), attempt, locale: 'en', ...urls });
    expect(dataFields(bhd.fields.Data!)).to.include({ amount: '1', currencyCode: '048' });
  });

  it('with SIPS_ENCODE_BASE64: Data in base64, Encode=base64, and the seal over the base64 text as posted', async () => {
    const connector = new SipsConnector(sipsSettings({ encodeBase64: true }));
    const form = await connector.buildRequest({ payment: payment(), attempt, locale: 'en', ...urls });
    expect(form.fields.Encode).to.equal('base64');
    expect(form.fields.Data).to.match(/^[A-Za-z0-9+/]+=*$/);
    expect(form.fields.Seal).to.equal(await independentHmacSeal(form.fields.Data!, KEY_2));
    const plain = Buffer.from(form.fields.Data!, 'base64').toString('utf8');
    expect(dataFields(plain)).to.include({ amount: '2480', transactionReference: attempt.ref, keyVersion: '2' });
  });

  it('keeps orderId within the 32 characters Sips takes', async () => {
    const connector = new SipsConnector(sipsSettings());
    const long = 'x'.repeat(40);
    const form = await connector.buildRequest({ payment: payment({ reference: long }), attempt, locale: 'en', ...urls });
    expect(dataFields(form.fields.Data!).orderId).to.equal('x'.repeat(32));
  });

  it('refuses to start without the key of its own key version', () => {
    expect(() => new SipsConnector(sipsSettings({ keyVersion: '3' }))).to.throw(/key version 3/);
  });
});
