import { expect } from 'chai';
import { InvalidBankMessageError } from '../../../src/core/errors.js';
import { SIPS_RESPONSE_CODES } from '../../../src/connectors/sips/response-codes.js';
import { SipsConnector } from '../../../src/connectors/sips/sips-connector.js';
import type { IncomingBankMessage } from '../../../src/connectors/bank-connector.js';
import { dataOf, independentHmacSeal, KEY_1, KEY_2, message, responseFields, sealedResponse, sipsSettings } from './fixtures.js';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidBankMessageError);
    return (err as InvalidBankMessageError).reason;
  }
  throw new Error('the message was accepted');
}

describe('Sips connector: responses', () => {
  const connector = new SipsConnector(sipsSettings());
  const both = (m: IncomingBankMessage) => [connector.verifyReturn(m), connector.verifyNotification(m)];

  it('reads a valid authorised response, by return and by automatic response alike', async () => {
    const posted = await sealedResponse(dataOf(responseFields()), KEY_1);
    for (const verified of await Promise.all(both(message(posted)))) {
      expect(verified.outcome).to.deep.equal({
        attemptRef: 'AREF234567ABCDEFGHIJKLMNOPQ',
        status: 'authorised',
        amount: 2480,
        currency: 'EUR',
        bankTransactionId: 'AREF234567ABCDEFGHIJKLMNOPQ',
        authorisationCode: '123456',
        card: { brand: 'visa', last4: '4242' },
        responseCode: '00/00',
      });
      // The same sealed message comes by both ways: no single-use id, retries are idempotent in the state machine.
      expect(verified.messageId).to.equal(undefined);
    }
  });

  it('reads a refusal with the acquirer code, a cancellation without card, and a pending transaction', async () => {
    const refused = await connector.verifyNotification(message(await sealedResponse(dataOf(responseFields({ responseCode: '05', acquirerResponseCode: '51', authorisationId: undefined })), KEY_1)));
    expect(refused.outcome).to.include({ status: 'refused', responseCode: '05/51' });
    expect(refused.outcome).to.not.have.property('authorisationCode');

    const cancelled = await connector.verifyReturn(
      message(await sealedResponse(dataOf(responseFields({ responseCode: '17', acquirerResponseCode: undefined, authorisationId: undefined, maskedPan: undefined, paymentMeanBrand: undefined })), KEY_1)),
    );
    expect(cancelled.outcome).to.deep.equal({ attemptRef: 'AREF234567ABCDEFGHIJKLMNOPQ', status: 'cancelled', amount: 2480, currency: 'EUR', bankTransactionId: 'AREF234567ABCDEFGHIJKLMNOPQ', responseCode: '17' });

    const pending = await connector.verifyNotification(message(await sealedResponse(dataOf(responseFields({ responseCode: '60' })), KEY_1)));
    expect(pending.outcome.status).to.equal('pending');
  });

  it('keeps only the last four digits of maskedPan, and no card when fewer are shown', async () => {
    const shown = await connector.verifyReturn(message(await sealedResponse(dataOf(responseFields({ maskedPan: '555555######4444', paymentMeanBrand: 'MASTERCARD' })), KEY_1)));
    expect(shown.outcome.card).to.deep.equal({ brand: 'mastercard', last4: '4444' });
    expect(JSON.stringify(shown)).to.not.contain('555555');
    const twoDigits = await connector.verifyReturn(message(await sealedResponse(dataOf(responseFields({ maskedPan: '4242##########42' })), KEY_1)));
    expect(twoDigits.outcome).to.not.have.property('card');
  });

  it('refuses a card number as authorisationId or as an unmasked maskedPan, sealed or not; keeps authorisationId only in its AN10 grammar', async () => {
    const sealed = async (overrides: Record<string, string | undefined>) => message(await sealedResponse(dataOf(responseFields(overrides)), KEY_1));
    expect(await refusal(connector.verifyNotification(await sealed({ authorisationId: '4111111111111111' })))).to.equal('card_number_in_authorisationId');
    expect(await refusal(connector.verifyNotification(await sealed({ maskedPan: '4242424242424242' })))).to.equal('card_number_in_maskedPan');
    const long = await connector.verifyNotification(await sealed({ authorisationId: 'ABCDEFGHIJK' }));
    expect(long.outcome).not.to.have.property('authorisationCode');
    expect((await connector.verifyNotification(await sealed({ authorisationId: 'A1b-2.3' }))).outcome.authorisationCode).to.equal('A1b-2.3');
  });

  it('the seal covers the names: a renamed key fails it, a key sealed twice is refused, Encode cannot give one Data two readings', async () => {
    const posted = await sealedResponse(dataOf(responseFields()), KEY_1);
    expect(await refusal(connector.verifyNotification(message({ ...posted, Data: posted.Data!.replace('responseCode=', 'responseCodf=') })))).to.equal('bad_seal');
    const twice = await sealedResponse(`${dataOf(responseFields({ responseCode: '05' }))}|responseCode=00`, KEY_1);
    expect(await refusal(connector.verifyNotification(message(twice)))).to.equal('duplicate_key');
    // Encode is not sealed: plain Data is not base64, and base64 Data read as plain has no key=value pairs.
    expect(await refusal(connector.verifyNotification(message({ ...posted, Encode: 'base64' })))).to.equal('malformed_encoding');
    const { Encode: _encoding, ...unencoded } = await sealedResponse(dataOf(responseFields()), KEY_1, { encode: 'base64' });
    expect(await refusal(connector.verifyNotification(message(unencoded)))).to.match(/^(missing_keyVersion|malformed_pair|malformed_key)$/);
  });

  it('maps paymentMeanBrand to the stored brand names', async () => {
    const cases: Array<[string, string]> = [['VISA', 'visa'], ['MASTERCARD', 'mastercard'], ['AMEX', 'amex'], ['DINERS', 'diners'], ['CB', 'cb'], ['MAESTRO', 'maestro'], ['NEWBRAND', 'newbrand']];
    for (const [sips, ours] of cases) {
      const verified = await connector.verifyReturn(message(await sealedResponse(dataOf(responseFields({ paymentMeanBrand: sips })), KEY_1)));
      expect(verified.outcome.card?.brand, sips).to.equal(ours);
    }
  });

  it('verifies base64 Data (Encode=base64 and base64url), sealed over the encoded text', async () => {
    for (const encode of ['base64', 'base64url'] as const) {
      const posted = await sealedResponse(dataOf(responseFields({ orderId: 'Commande-é?>' })), KEY_1, { encode });
      const verified = await connector.verifyNotification(message(posted));
      expect(verified.outcome.status).to.equal('authorised');
      // The seal is over Data as posted: a seal over the decoded text does not verify.
      const wrong = { ...posted, Seal: await independentHmacSeal(dataOf(responseFields({ orderId: 'Commande-é?>' })), KEY_1) };
      expect(await refusal(connector.verifyNotification(message(wrong)))).to.equal('bad_seal');
    }
  });

  it('key rotation: verifies with the key of the keyVersion the response names', async () => {
    const v1 = await connector.verifyReturn(message(await sealedResponse(dataOf(responseFields({ keyVersion: '1' })), KEY_1)));
    const v2 = await connector.verifyReturn(message(await sealedResponse(dataOf(responseFields({ keyVersion: '2' })), KEY_2)));
    expect(v1.outcome.status).to.equal('authorised');
    expect(v2.outcome.status).to.equal('authorised');
  });

  describe('refuses, before believing anything', () => {
    it('tampered Data (amount, responseCode or reference changed after sealing)', async () => {
      const posted = await sealedResponse(dataOf(responseFields({ responseCode: '05' })), KEY_1);
      for (const [from, to] of [['responseCode=05', 'responseCode=00'], ['amount=2480', 'amount=1'], ['AREF234567ABCDEFGHIJKLMNOPQ', 'AREF234567ABCDEFGHIJKLMNOPR']]) {
        const tampered = { ...posted, Data: posted.Data!.replace(from!, to!) };
        expect(tampered.Data).to.not.equal(posted.Data);
        expect(await refusal(connector.verifyNotification(message(tampered)))).to.equal('bad_seal');
      }
    });

    it('a field appended after sealing', async () => {
      const posted = await sealedResponse(dataOf(responseFields()), KEY_1);
      expect(await refusal(connector.verifyReturn(message({ ...posted, Data: `${posted.Data}|responseCode=05` })))).to.equal('bad_seal');
    });

    it('a response sealed with a key that is not ours', async () => {
      const posted = await sealedResponse(dataOf(responseFields()), 'someone-elses-key');
      expect(await refusal(connector.verifyNotification(message(posted)))).to.equal('bad_seal');
    });

    it('a response naming keyVersion 2 but sealed with key 1, and one naming a version we do not have', async () => {
      expect(await refusal(connector.verifyNotification(message(await sealedResponse(dataOf(responseFields({ keyVersion: '2' })), KEY_1)))))
        .to.equal('bad_seal');
      expect(await refusal(connector.verifyNotification(message(await sealedResponse(dataOf(responseFields({ keyVersion: '9' })), KEY_1)))))
        .to.equal('unknown_key_version');
      expect(await refusal(connector.verifyNotification(message(await sealedResponse(dataOf(responseFields({ keyVersion: undefined })), KEY_1)))))
        .to.equal('missing_keyVersion');
      // keyVersion given twice: no key is chosen from an ambiguous message.
      const twice = `${dataOf(responseFields())}|keyVersion=2`;
      expect(await refusal(connector.verifyNotification(message(await sealedResponse(twice, KEY_2))))).to.equal('missing_keyVersion');
      // Inherited names are not key versions.
      expect(await refusal(connector.verifyNotification(message(await sealedResponse(dataOf(responseFields({ keyVersion: 'constructor' })), KEY_1)))))
        .to.equal('unknown_key_version');
    });

    it('a correctly sealed response about another merchantId', async () => {
      const posted = await sealedResponse(dataOf(responseFields({ merchantId: '002001000000001' })), KEY_1);
      expect(await refusal(connector.verifyNotification(message(posted)))).to.equal('wrong_merchant');
    });

    it('the legacy seal, unless SIPS_LEGACY_SEAL is set', async () => {
      const legacy = await sealedResponse(dataOf(responseFields()), KEY_1, { legacy: true });
      expect(await refusal(connector.verifyNotification(message(legacy)))).to.equal('bad_seal');
      const accepting = new SipsConnector(sipsSettings({ legacySeal: true }));
      expect((await accepting.verifyNotification(message(legacy))).outcome.status).to.equal('authorised');
      // Accepting the legacy seal does not mean accepting anything: a wrong legacy seal still fails.
      const wrong = await sealedResponse(dataOf(responseFields()), KEY_2, { legacy: true });
      expect(await refusal(accepting.verifyNotification(message(wrong)))).to.equal('bad_seal');
    });

    it('missing Data or Seal, a garbled seal, oversized or undecodable Data', async () => {
      const posted = await sealedResponse(dataOf(responseFields()), KEY_1);
      expect(await refusal(connector.verifyReturn(message({ Seal: posted.Seal! })))).to.equal('missing_response');
      expect(await refusal(connector.verifyReturn(message({ Data: posted.Data! })))).to.equal('missing_response');
      expect(await refusal(connector.verifyReturn(message({ ...posted, Seal: 'not-a-seal' })))).to.equal('bad_seal');
      expect(await refusal(connector.verifyReturn(message({ ...posted, Data: 'a'.repeat(20_000) })))).to.equal('oversized');
      expect(await refusal(connector.verifyReturn(message({ ...posted, Encode: 'base64' })))).to.equal('malformed_encoding');
    });

    it('sealed Data without the fields a verdict needs, or with an unknown currency', async () => {
      for (const [override, reason] of [
        [{ responseCode: undefined }, 'missing_responseCode'],
        [{ transactionReference: undefined }, 'missing_transactionReference'],
        [{ amount: '24.80' }, 'malformed_amount'],
        [{ currencyCode: '999' }, 'unknown_currency'],
        [{ transactionReference: 'has-dash' }, 'malformed_transactionReference'],
      ] as const) {
        const posted = await sealedResponse(dataOf(responseFields(override as Record<string, string | undefined>)), KEY_1);
        expect(await refusal(connector.verifyNotification(message(posted)))).to.equal(reason);
      }
    });
  });

  it('acknowledges the automatic response with 200 and an empty body; 400 when refused, 503 to be retried', () => {
    expect(connector.acknowledge('accepted')).to.deep.equal({ status: 200, contentType: 'text/plain', body: '' });
    expect(connector.acknowledge('rejected')).to.deep.equal({ status: 400, contentType: 'text/plain', body: '' });
    expect(connector.acknowledge('retry')).to.deep.equal({ status: 503, contentType: 'text/plain', body: '' });
  });

  describe('responseCode mapping', () => {
    const table: Array<[string, string]> = [
      ['00', 'authorised'],
      ['02', 'refused'],
      ['03', 'refused'],
      ['05', 'refused'],
      ['12', 'refused'],
      ['14', 'refused'],
      ['17', 'cancelled'],
      ['24', 'error'],
      ['25', 'error'],
      ['30', 'error'],
      ['34', 'refused'],
      ['40', 'error'],
      ['51', 'refused'],
      ['54', 'refused'],
      ['60', 'pending'],
      ['63', 'refused'],
      ['75', 'refused'],
      ['90', 'error'],
      ['94', 'error'],
      ['97', 'refused'],
      ['99', 'error'],
      ['42', 'error'],
    ];
    for (const [code, status] of table) {
      it(`${code} → ${status}`, async () => {
        const posted = await sealedResponse(dataOf(responseFields({ responseCode: code })), KEY_1);
        const verified = await connector.verifyNotification(message(posted));
        expect(verified.outcome.status).to.equal(status);
        expect(verified.outcome.responseCode).to.equal(`${code}/00`);
      });
    }
    it('the table in code lists exactly the codes above but 42', () => {
      expect(Object.keys(SIPS_RESPONSE_CODES).sort()).to.deep.equal(table.map(([c]) => c).filter((c) => c !== '42').sort());
    });
  });
});
