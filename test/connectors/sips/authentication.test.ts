import { expect } from 'chai';
import { sipsAuthenticationOf } from '../../../src/connectors/sips/authentication.js';

/** The `Data` pairs of a response, as `key=value|…`. */
function data(text: string): Map<string, string> {
  return new Map(text.split('|').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

describe('Sips 3-D Secure response fields (Worldline Sips 2.0 data dictionary: holderAuthentStatus, holderAuthentProgram, guaranteeIndicator)', () => {
  it('reads the published Paypage POST response example (Sherlock\'s Paypage, "Exemple de Seal"): NOT_PARTICIPATING, 3DS_V2, guaranteeIndicator N', () => {
    const fields = data(
      'captureDay=0|captureMode=AUTHOR_CAPTURE|currencyCode=978|responseCode=00|transactionReference=SIM20221114112037|keyVersion=1|acquirerResponseCode=00|amount=1000|authorisationId=664865|guaranteeIndicator=N|paymentMeanBrand=VISA|paymentMeanType=CARD|maskedPan=############0600|holderAuthentRelegation=N|holderAuthentStatus=NOT_PARTICIPATING|holderAuthentMethod=NO_AUTHENT_METHOD|holderAuthentProgram=3DS_V2|holderAuthentType=null|authentExemptionReasonList=null',
    );
    expect(sipsAuthenticationOf(fields)).to.deep.equal({ status: 'not_enrolled', liabilityShift: false, version: '2' });
  });

  it('maps each holderAuthentStatus of the dictionary, in its HP_2.x and older 3D_ forms', () => {
    const cases: Array<[string, string]> = [
      ['SUCCESS', 'authenticated'],
      ['3D_SUCCESS', 'authenticated'],
      ['ATTEMPT', 'attempted'],
      ['FAILURE', 'failed'],
      ['CANCEL', 'failed'],
      ['3D_ABORT', 'failed'],
      ['NOT_ENROLLED', 'not_enrolled'],
      ['ERROR', 'unavailable'],
      ['SOMETHING_NEW', 'unknown'],
    ];
    for (const [value, status] of cases) expect(sipsAuthenticationOf(data(`holderAuthentStatus=${value}`))?.status, value).to.equal(status);
  });

  it('guaranteeIndicator Y shifts the liability, U says nothing; no status (empty or null) means no 3-D Secure', () => {
    expect(sipsAuthenticationOf(data('holderAuthentStatus=SUCCESS|guaranteeIndicator=Y'))).to.deep.equal({ status: 'authenticated', liabilityShift: true });
    expect(sipsAuthenticationOf(data('holderAuthentStatus=ERROR|guaranteeIndicator=U'))).to.deep.equal({ status: 'unavailable' });
    expect(sipsAuthenticationOf(data('holderAuthentStatus=|holderAuthentRelegation=N'))).to.equal(undefined);
    expect(sipsAuthenticationOf(data('holderAuthentStatus=null'))).to.equal(undefined);
  });
});
