import { Writable } from 'node:stream';
import { expect } from 'chai';
import { IgnoredBankMessage, type IncomingBankMessage, type VerifiedBankMessage } from '../../../src/connectors/bank-connector.js';
import { cardBrandName } from '../../../src/connectors/lyra/response.js';
import { LYRA_RESPONSE_FIELDS } from '../../../src/connectors/lyra/response-fields.js';
import { TRANS_STATUSES } from '../../../src/connectors/lyra/trans-status.js';
import { InvalidBankMessageError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/logger.js';
import { lyraConnector, samplePayment } from './fixtures.js';
import { lyraResponse, PRODUCTION_KEY, specSignature, TEST_KEY } from './lyra-bank.js';
import { SYSTEMPAY_FORM_API_EXAMPLE, SYSTEMPAY_V2_SHA1_EXAMPLE } from './published-vectors.js';

/** Every vads_ field the sandbox bank's Lyra side puts in a result (src/sandbox-bank/protocols/lyra-response.ts). */
const SANDBOX_RESULT_FIELDS = [
  'vads_action_mode', 'vads_amount', 'vads_ctx_mode', 'vads_currency', 'vads_effective_amount', 'vads_effective_currency',
  'vads_extra_result', 'vads_operation_type', 'vads_page_action', 'vads_payment_config', 'vads_result', 'vads_site_id',
  'vads_trans_date', 'vads_trans_id', 'vads_trans_status', 'vads_trans_uuid', 'vads_validation_mode', 'vads_version',
  'vads_auth_mode', 'vads_auth_result', 'vads_auth_number', 'vads_capture_delay', 'vads_card_brand', 'vads_card_number',
  'vads_order_id', 'vads_order_info', 'vads_order_info2', 'vads_order_info3', 'vads_language', 'vads_url_check_src', 'vads_hash',
];

function message(fields: Record<string, string>): IncomingBankMessage {
  const rawBody = Buffer.from(new URLSearchParams(fields).toString(), 'utf8');
  return { method: 'POST', fields, rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

async function requestFields(connector = lyraConnector()): Promise<Record<string, string>> {
  const { payment, attempt } = samplePayment();
  const form = await connector.buildRequest({ payment, attempt, locale: 'en', returnUrl: 'https://g/r', notifyUrl: 'https://g/n' });
  return form.fields;
}

async function refusal(promise: Promise<VerifiedBankMessage>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof InvalidBankMessageError) return err.reason;
    throw err;
  }
  throw new Error('the message was accepted');
}

describe('Lyra responses: verification and reading', () => {
  it('reads an authorised IPN: order id, amount, alphabetic currency, UUID, auth number, card brand and last four, result codes', async () => {
    const request = await requestFields();
    const { outcome, messageId } = await lyraConnector().verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED' })));
    expect(outcome).to.deep.equal({
      attemptRef: request.vads_order_info2,
      status: 'authorised',
      amount: 2480,
      currency: 'EUR',
      bankTransactionId: 'a3c1e0f25b7d4c6e9f8a7b6c5d4e3f21',
      authorisationCode: '3fb0de',
      card: { brand: 'cb', last4: '0055' },
      responseCode: '00/00',
    });
    // No single-use id in this protocol (README.md): replays are harmless repeats for the state machine.
    expect(messageId).to.equal(undefined);
    expect(JSON.stringify(outcome)).not.to.contain('497010');
  });

  it('reads the same fields from the browser return', async () => {
    const request = await requestFields();
    const { outcome } = await lyraConnector().verifyReturn(message(lyraResponse(request, { status: 'REFUSED' })));
    expect(outcome).to.include({ status: 'refused', responseCode: '05/51' });
    expect(outcome).not.to.have.property('authorisationCode');
  });

  it('maps every documented vads_trans_status', async () => {
    const expected: Record<string, string> = {
      AUTHORISED: 'authorised',
      AUTHORISED_TO_VALIDATE: 'authorised',
      CAPTURED: 'authorised',
      ACCEPTED: 'authorised',
      REFUSED: 'refused',
      NOT_CREATED: 'refused',
      ABANDONED: 'cancelled',
      CANCELLED: 'cancelled',
      EXPIRED: 'cancelled',
      INITIAL: 'pending',
      WAITING_AUTHORISATION: 'pending',
      WAITING_AUTHORISATION_TO_VALIDATE: 'pending',
      UNDER_VERIFICATION: 'pending',
      PRE_AUTHORISED: 'pending',
      SUSPENDED: 'pending',
      WAITING_FOR_PAYMENT: 'pending',
      CAPTURE_FAILED: 'error',
      ERROR: 'error',
    };
    expect(TRANS_STATUSES).to.deep.equal(expected);
    const request = await requestFields();
    const connector = lyraConnector();
    for (const [status, mapped] of Object.entries(expected)) {
      const { outcome } = await connector.verifyNotification(message(lyraResponse(request, { status })));
      expect(outcome.status, status).to.equal(mapped);
    }
  });

  it('reads an unknown status as pending and logs it', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const connector = lyraConnector({ logger: createLogger('info', sink) });
    const request = await requestFields();
    const { outcome } = await connector.verifyNotification(message(lyraResponse(request, { status: 'SOMETHING_NEW' })));
    expect(outcome.status).to.equal('pending');
    expect(lines.join('')).to.contain('SOMETHING_NEW').and.contain('unknown Lyra transaction status');
  });

  it('reads an abandoned payment without card, result or authorisation', async () => {
    const request = await requestFields();
    const { outcome } = await lyraConnector().verifyReturn(message(lyraResponse(request, { status: 'ABANDONED' })));
    expect(outcome).to.deep.equal({
      attemptRef: request.vads_order_info2,
      status: 'cancelled',
      amount: 2480,
      currency: 'EUR',
      bankTransactionId: 'a3c1e0f25b7d4c6e9f8a7b6c5d4e3f21',
      responseCode: 'ABANDONED',
    });
  });

  it('requires a vads_trans_uuid of 32 hex digits: no other field stands in for the transaction id', async () => {
    const request = await requestFields();
    const connector = lyraConnector();
    for (const uuid of ['', 'a3c1e0f25b7d4c6e9f8a7b6c5d4e3f2', 'a3c1e0f25b7d4c6e9f8a7b6c5d4e3f21a', 'g3c1e0f25b7d4c6e9f8a7b6c5d4e3f21']) {
      expect(await refusal(connector.verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED', overrides: { vads_trans_uuid: uuid } })))), uuid).to.equal(
        'malformed_trans_uuid',
      );
    }
    const upper = await connector.verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED', overrides: { vads_trans_uuid: 'A3C1E0F25B7D4C6E9F8A7B6C5D4E3F21' } })));
    expect(upper.outcome.bankTransactionId).to.equal('a3c1e0f25b7d4c6e9f8a7b6c5d4e3f21');
  });

  it('refuses a vads_ field Lyra does not define, even when the signature holds (a renamed field keeps it)', async () => {
    const request = await requestFields();
    const connector = lyraConnector();
    const good = lyraResponse(request, { status: 'AUTHORISED' });
    const { vads_trans_uuid: uuid, signature, ...rest } = good;
    const renamed: Record<string, string> = { ...rest, vads_trans_uuie: uuid! };
    expect(specSignature(renamed, TEST_KEY)).to.equal(signature);
    expect(await refusal(connector.verifyNotification(message({ ...renamed, signature: signature! })))).to.equal('unknown_field');
    expect(await refusal(connector.verifyReturn(message({ ...renamed, signature: signature! })))).to.equal('unknown_field');
    // Signed by the shop's own key, an undefined field is still not Lyra's.
    expect(await refusal(connector.verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED', overrides: { vads_extra: '' } }))))).to.equal('unknown_field');
  });

  it('refuses a form that posts a vads_ field twice (which value was signed cannot be told)', async () => {
    const request = await requestFields();
    const good = lyraResponse(request, { status: 'AUTHORISED' });
    const body = `${new URLSearchParams(good).toString()}&vads_trans_uuid=${'b'.repeat(32)}`;
    const twice: IncomingBankMessage = { method: 'POST', fields: good, rawBody: Buffer.from(body, 'utf8'), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    expect(await refusal(lyraConnector().verifyNotification(twice))).to.equal('duplicate_field');
  });

  it('knows every field of the published examples, of the test bank and of the sandbox bank', async () => {
    const request = await requestFields();
    const names = [
      ...Object.keys(SYSTEMPAY_FORM_API_EXAMPLE.fields),
      ...Object.keys(SYSTEMPAY_V2_SHA1_EXAMPLE.fields),
      ...Object.keys(request),
      ...Object.keys(lyraResponse(request, { status: 'AUTHORISED' })),
      ...SANDBOX_RESULT_FIELDS,
    ].filter((name) => name.startsWith('vads_'));
    expect(names.filter((name) => !LYRA_RESPONSE_FIELDS.has(name))).to.deep.equal([]);
  });

  it('refuses a card number where Lyra sends a code or a masked number, even when signed', async () => {
    const request = await requestFields();
    const connector = lyraConnector();
    const signed = (overrides: Record<string, string>) => message(lyraResponse(request, { status: 'AUTHORISED', overrides }));
    expect(await refusal(connector.verifyNotification(signed({ vads_auth_number: '4111111111111111' })))).to.equal('card_number_in_vads_auth_number');
    expect(await refusal(connector.verifyNotification(signed({ vads_card_number: '4970101234560054' })))).to.equal('card_number_in_vads_card_number');
    expect((await connector.verifyNotification(signed({ vads_card_number: '497010XXXXXX0055' }))).outcome.card).to.deep.equal({ brand: 'cb', last4: '0055' });
  });

  it('names card brands in lower case', () => {
    expect(cardBrandName('VISA')).to.equal('visa');
    expect(cardBrandName('MASTERCARD')).to.equal('mastercard');
    expect(cardBrandName('CB')).to.equal('cb');
    expect(cardBrandName('AMEX')).to.equal('amex');
    expect(cardBrandName('E-CARTEBLEUE')).to.equal('e_cartebleue');
    expect(cardBrandName('VISA_ELECTRON')).to.equal('visa_electron');
    expect(cardBrandName('')).to.equal('unknown');
  });

  it('verifies the legacy SHA-1 signature when configured for it, and only then', async () => {
    const sha1 = lyraConnector({ signatureAlgorithm: 'SHA-1' });
    const request = await requestFields(sha1);
    const signed = lyraResponse(request, { status: 'AUTHORISED', algorithm: 'SHA-1' });
    expect(signed.signature).to.match(/^[0-9a-f]{40}$/);
    expect((await sha1.verifyNotification(message(signed))).outcome.status).to.equal('authorised');
    expect(await refusal(lyraConnector().verifyNotification(message(signed)))).to.equal('bad_signature');
    expect(await refusal(sha1.verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED' }))))).to.equal('bad_signature');
  });

  it('refuses before reading: no signature, an oversized one, no vads_ field, a tampered field, an added field, another key', async () => {
    const connector = lyraConnector();
    const request = await requestFields();
    const good = lyraResponse(request, { status: 'AUTHORISED' });
    const { signature, ...unsigned } = good;
    expect(await refusal(connector.verifyNotification(message(unsigned)))).to.equal('missing_signature');
    expect(await refusal(connector.verifyNotification(message({ ...good, signature: 'A'.repeat(500) })))).to.equal('malformed_signature');
    expect(await refusal(connector.verifyNotification(message({ signature: signature! })))).to.equal('missing_fields');
    expect(await refusal(connector.verifyNotification(message({ ...good, vads_amount: '1' })))).to.equal('bad_signature');
    expect(await refusal(connector.verifyNotification(message({ ...good, vads_trans_status: 'AUTHORISED', vads_extra: '' })))).to.equal('bad_signature');
    expect(await refusal(connector.verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED', key: 'another-key' }))))).to.equal('bad_signature');
    // Fields that are not vads_ are not signed and never read.
    expect((await connector.verifyNotification(message({ ...good, other: 'x' }))).outcome.status).to.equal('authorised');
  });

  it('never verifies with the key a message asks for: TEST-signed ctx_mode=TEST is refused by a PRODUCTION connector', async () => {
    const production = lyraConnector({ ctxMode: 'PRODUCTION', key: PRODUCTION_KEY });
    const request = await requestFields(production);
    expect(request.vads_ctx_mode).to.equal('PRODUCTION');
    const forged = lyraResponse(request, { status: 'AUTHORISED', key: TEST_KEY, overrides: { vads_ctx_mode: 'TEST' } });
    expect(await refusal(production.verifyNotification(message(forged)))).to.equal('bad_signature');
    expect(await refusal(production.verifyReturn(message(forged)))).to.equal('bad_signature');
    // Even correctly signed with the production key, a TEST response is not believed in PRODUCTION.
    const wrongMode = lyraResponse(request, { status: 'AUTHORISED', key: PRODUCTION_KEY, overrides: { vads_ctx_mode: 'TEST' } });
    expect(await refusal(production.verifyNotification(message(wrongMode)))).to.equal('ctx_mode_mismatch');
    expect((await production.verifyNotification(message(lyraResponse(request, { status: 'AUTHORISED', key: PRODUCTION_KEY })))).outcome.status).to.equal('authorised');
  });

  it('refuses a response for another shop (vads_site_id), signed with our key', async () => {
    const request = await requestFields();
    const other = lyraResponse(request, { status: 'AUTHORISED', overrides: { vads_site_id: '87654321' } });
    expect(await refusal(lyraConnector().verifyNotification(message(other)))).to.equal('site_id_mismatch');
  });

  it('refuses malformed order ids, amounts and currencies even when signed', async () => {
    const request = await requestFields();
    const connector = lyraConnector();
    const signed = (overrides: Record<string, string>) => message(lyraResponse(request, { status: 'AUTHORISED', overrides }));
    expect(await refusal(connector.verifyNotification(signed({ vads_order_info2: '' })))).to.equal('unknown_attempt');
    expect(await refusal(connector.verifyNotification(signed({ vads_order_info2: 'A-1' })))).to.equal('unknown_attempt');
    expect(await refusal(connector.verifyNotification(signed({ vads_amount: '24.80' })))).to.equal('malformed_amount');
    expect(await refusal(connector.verifyNotification(signed({ vads_amount: '-1' })))).to.equal('malformed_amount');
    expect(await refusal(connector.verifyNotification(signed({ vads_currency: '999' })))).to.equal('unknown_currency');
    expect(await refusal(connector.verifyNotification(signed({ vads_currency: 'EUR' })))).to.equal('unknown_currency');
    expect(await refusal(connector.verifyNotification(signed({ vads_trans_status: '' })))).to.equal('malformed_trans_status');
  });

  it('acknowledges a refund notification without effect, and refuses one on the browser return', async () => {
    const request = await requestFields();
    const credit = message(lyraResponse(request, { status: 'CAPTURED', overrides: { vads_operation_type: 'CREDIT' } }));
    const connector = lyraConnector();
    const err = await connector.verifyNotification(credit).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(IgnoredBankMessage);
    expect(await refusal(connector.verifyReturn(credit))).to.equal('credit_operation');
  });

  it('answers the IPN in plain text: 200 OK, 400 KO with the reason word, 503 to be retried', () => {
    const connector = lyraConnector();
    expect(connector.acknowledge('accepted')).to.deep.equal({ status: 200, contentType: 'text/plain', body: 'OK' });
    expect(connector.acknowledge('rejected', 'bad_signature')).to.deep.equal({ status: 400, contentType: 'text/plain', body: 'KO bad_signature' });
    expect(connector.acknowledge('rejected', '<script>')).to.deep.equal({ status: 400, contentType: 'text/plain', body: 'KO script' });
    expect(connector.acknowledge('rejected')).to.deep.equal({ status: 400, contentType: 'text/plain', body: 'KO' });
    expect(connector.acknowledge('retry')).to.deep.equal({ status: 503, contentType: 'text/plain', body: 'RETRY' });
  });

  it('verifies UTF-8 values as sent (accented bank label)', async () => {
    const request = await requestFields();
    const fields = lyraResponse(request, { status: 'AUTHORISED', overrides: { vads_bank_label: 'Crédit Agricole — Île-de-France' } });
    const decoded = Object.fromEntries(new URLSearchParams(new URLSearchParams(fields).toString()));
    expect(decoded.signature).to.equal(specSignature({ ...decoded }, TEST_KEY));
    expect((await lyraConnector().verifyNotification(message(decoded))).outcome.status).to.equal('authorised');
  });
});
