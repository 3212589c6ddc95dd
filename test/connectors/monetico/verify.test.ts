import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { parseMontant } from '../../../src/connectors/monetico/amount.js';
import type { IncomingBankMessage } from '../../../src/connectors/bank-connector.js';
import { cardOf } from '../../../src/connectors/monetico/server-return.js';
import { InvalidBankMessageError } from '../../../src/core/errors.js';
import { ATTEMPT_REF, moneticoConnector } from './fixtures.js';
import { formBody, paidFields, serverReturn, specFieldsString, specKey, KIT_DEMO_KEY } from './monetico-bank.js';

function post(body: string | Buffer): IncomingBankMessage {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  return { method: 'POST', fields: {}, rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof InvalidBankMessageError) return err.reason;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Monetico server return verification', () => {
  const connector = moneticoConnector();

  it('checks the MAC over the bytes received, whatever character set the bank used', async () => {
    const fields = paidFields(ATTEMPT_REF, { 'texte-libre': 'Commande réf. 42' });
    const text = specFieldsString(fields);
    for (const charset of ['latin1', 'utf8'] as const) {
      const mac = createHmac('sha1', specKey(KIT_DEMO_KEY)).update(Buffer.from(text, charset)).digest('hex');
      const body = Object.entries({ ...fields, MAC: mac })
        .map(([k, v]) => `${encodeURIComponent(k)}=${[...Buffer.from(v, charset)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`)
        .join('&');
      const { outcome } = await connector.verifyNotification(post(body));
      expect(outcome).to.include({ attemptRef: ATTEMPT_REF, status: 'authorised', amount: 2480, currency: 'EUR' });
    }
  });

  it('refuses before reading anything: malformed escapes, no MAC, another method or content type', async () => {
    const good = formBody(serverReturn(paidFields(ATTEMPT_REF)));
    expect(await reason(connector.verifyNotification(post(`${good}&x=%ZZ`)))).to.equal('malformed_body');
    expect(await reason(connector.verifyNotification(post(`${good}&bad name=1`)))).to.equal('malformed_body');
    expect(await reason(connector.verifyNotification(post(good.replace(/&MAC=[0-9a-f]+/, ''))))).to.equal('missing_mac');
    expect(await reason(connector.verifyNotification({ ...post(good), method: 'GET' }))).to.equal('method');
    expect(await reason(connector.verifyNotification({ ...post(good), headers: { 'content-type': 'text/plain' } }))).to.equal('content_type');
    expect(await reason(connector.verifyNotification(post('')))).to.equal('missing_mac');
  });

  it('accepts the MAC in upper case too', async () => {
    const fields = serverReturn(paidFields(ATTEMPT_REF));
    const { outcome } = await connector.verifyNotification(post(formBody({ ...fields, MAC: fields.MAC!.toUpperCase() })));
    expect(outcome.status).to.equal('authorised');
  });

  it('answers the receipts Monetico reads', () => {
    expect(connector.acknowledge('accepted')).to.deep.equal({ status: 200, contentType: 'text/plain', body: 'version=2\ncdr=0\n' });
    expect(connector.acknowledge('rejected')).to.deep.equal({ status: 200, contentType: 'text/plain', body: 'version=2\ncdr=1\n' });
    expect(connector.acknowledge('retry')).to.deep.equal({ status: 503, contentType: 'text/plain', body: 'version=2\ncdr=1\n' });
  });

  it('reads montant exactly or not at all', () => {
    expect(parseMontant('24.80EUR')).to.deep.equal({ amount: 2480, currency: 'EUR' });
    expect(parseMontant('24.8EUR')).to.deep.equal({ amount: 2480, currency: 'EUR' });
    expect(parseMontant('24EUR')).to.deep.equal({ amount: 2400, currency: 'EUR' });
    expect(parseMontant('24.EUR')).to.deep.equal({ amount: 2400, currency: 'EUR' });
    expect(parseMontant('0.07EUR')).to.deep.equal({ amount: 7, currency: 'EUR' });
    expect(parseMontant('1500JPY')).to.deep.equal({ amount: 1500, currency: 'JPY' });
    expect(parseMontant('0.001BHD')).to.deep.equal({ amount: 1, currency: 'BHD' });
    expect(parseMontant('90071992547409.91EUR')).to.deep.equal({ amount: 9007199254740991, currency: 'EUR' });
    for (const bad of ['24.800EUR', '1e3EUR', '1500.5JPY', '90071992547409.92EUR', '.5EUR', '24.80', '']) {
      expect(() => parseMontant(bad), bad).to.throw(InvalidBankMessageError);
    }
  });

  it('keeps only the brand and the last four digits of the masked card', () => {
    expect(cardOf('VI', '497010XXXXXX0001')).to.deep.equal({ brand: 'visa', last4: '0001' });
    expect(cardOf('MC', '513100******0008')).to.deep.equal({ brand: 'mastercard', last4: '0008' });
    expect(cardOf('AM', 'XXXXXXXXXXX1005')).to.deep.equal({ brand: 'amex', last4: '1005' });
    expect(cardOf('na', 'XXXXXXXXXXXX0001')).to.deep.equal({ brand: 'other', last4: '0001' });
    expect(cardOf('VI', undefined)).to.equal(undefined);
    expect(cardOf('VI', 'XXXX')).to.equal(undefined);
  });
});
