import { expect } from 'chai';
import type { IncomingBankMessage } from '../../../src/connectors/bank-connector.js';
import { InvalidBankMessageError } from '../../../src/core/errors.js';
import { ATTEMPT_REF, moneticoConnector } from './fixtures.js';
import { formBody, paidFields, serverReturn, specFieldsString, TEST_TPE } from './monetico-bank.js';

function post(fields: Record<string, string>): IncomingBankMessage {
  return { method: 'POST', fields: {}, rawBody: Buffer.from(formBody(fields), 'utf8'), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
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

const VISA = '4111111111111111';

describe('Monetico server return: exactly the fields Monetico sends', () => {
  const connector = moneticoConnector();

  it('refuses two sealed fields merged into one (code-retour hidden in cbmasquee): the MAC is the same, the meaning is not', async () => {
    const sealed = serverReturn(paidFields(ATTEMPT_REF));
    const { 'code-retour': codeRetour, MAC: mac, ...rest } = sealed;
    const merged: Record<string, string> = { ...rest, cbmasquee: `${rest.cbmasquee}*code-retour=${codeRetour}` };
    // The sorted `name=value*…` string, and so the MAC, are unchanged.
    expect(specFieldsString(merged)).to.equal(specFieldsString({ ...rest, 'code-retour': codeRetour! }));
    expect(await reason(connector.verifyNotification(post({ ...merged, MAC: mac! })))).to.equal('ambiguous_field');
  });

  it('refuses a field Monetico does not send, sealed or not, under either seal', async () => {
    expect(await reason(connector.verifyNotification(post(serverReturn(paidFields(ATTEMPT_REF, { numautorisation: '010101' })))))).to.equal('unknown_field');
    const positional = moneticoConnector({ macMethod: 'positional' });
    const reference = ATTEMPT_REF.slice(0, 12);
    const fields = serverReturn(paidFields(reference, { 'texte-libre': `${ATTEMPT_REF} order-1` }), { method: 'positional', tpe: TEST_TPE });
    expect((await positional.verifyNotification(post(fields))).outcome.status).to.equal('authorised');
    expect(await reason(positional.verifyNotification(post({ ...fields, code_retour: 'paiement' })))).to.equal('unknown_field');
  });

  it('refuses a sealed return without code-retour rather than acknowledging it as delivered', async () => {
    const { 'code-retour': _dropped, ...withoutCode } = paidFields(ATTEMPT_REF);
    expect(await reason(connector.verifyNotification(post(serverReturn(withoutCode))))).to.equal('missing_code-retour');
  });

  it('accepts every field of a full return from the kit documentation, and the sandbox bank\'s masked card', async () => {
    const full = paidFields(ATTEMPT_REF, {
      authentification: 'eyJzdGF0dXMiOiJhdXRoZW50aWNhdGVkIn0=',
      usage: 'credit',
      typecompte: 'particulier',
      ecard: 'non',
      cbmasquee: '************1111',
      montantech: '',
      filtragecause: '',
      filtragevaleur: '',
      filtrage_etat: '',
      cbenregistree: '0',
      motifrefusautorisation: '',
      veres: '',
      pares: '',
      motifrefus: '',
    });
    const { outcome } = await connector.verifyNotification(post(serverReturn(full)));
    expect(outcome).to.include({ status: 'authorised', authorisationCode: '010101' });
    expect(outcome.card).to.deep.equal({ brand: 'visa', last4: '1111' });
  });

  it('refuses a card number as numauto or as the masked card, and masks one in the free-text motifrefus', async () => {
    expect(await reason(connector.verifyNotification(post(serverReturn(paidFields(ATTEMPT_REF, { numauto: VISA })))))).to.equal('card_number_in_numauto');
    expect(await reason(connector.verifyNotification(post(serverReturn(paidFields(ATTEMPT_REF, { cbmasquee: VISA })))))).to.equal('card_number_in_cbmasquee');
    const refused = paidFields(ATTEMPT_REF, { 'code-retour': 'Annulation', numauto: '', motifrefus: `Refus ${VISA}` });
    const { outcome } = await connector.verifyNotification(post(serverReturn(refused)));
    expect(outcome.responseCode).to.equal('Annulation:Refus [card …1111]');
    expect(JSON.stringify(outcome)).not.to.contain(VISA);
  });
});
