import { expect } from 'chai';
import { lyraAuthenticationOf } from '../../../src/connectors/lyra/authentication.js';
import { LYRA_RESPONSE_FIELDS } from '../../../src/connectors/lyra/response-fields.js';

describe('Lyra 3-D Secure response fields (Lyra data dictionary: vads_threeds_*; Sogecommerce guide "Transfert de responsabilité": vads_warranty_result)', () => {
  it('reads a published 3DS2 challenge response: enrolled Y, status Y, ECI 05, CHALLENGE, warranty YES', () => {
    const fields = {
      vads_threeds_auth_type: 'CHALLENGE',
      vads_threeds_cavv: 'Q2F2dkNhdnZDYXZ2Q2F2dkNhdnY=',
      vads_threeds_cavvAlgorithm: '2',
      vads_threeds_eci: '05',
      vads_threeds_enrolled: 'Y',
      vads_threeds_error_code: '',
      vads_threeds_exit_status: '10',
      vads_threeds_sign_valid: '1',
      vads_threeds_status: 'Y',
      vads_warranty_result: 'YES',
    };
    expect(lyraAuthenticationOf(fields)).to.deep.equal({ status: 'authenticated', eci: '05', liabilityShift: true });
  });

  it('reads a published response whose enrolment could not be checked: enrolled U, no status, no ECI', () => {
    const fields = { vads_threeds_auth_type: '', vads_threeds_eci: '', vads_threeds_enrolled: 'U', vads_threeds_error_code: '6', vads_threeds_exit_status: '6', vads_threeds_status: '' };
    expect(lyraAuthenticationOf(fields)).to.deep.equal({ status: 'unavailable' });
  });

  it('not enrolled (N), attempted (A), failed (N), an unknown letter, and a payment without 3-D Secure', () => {
    expect(lyraAuthenticationOf({ vads_threeds_enrolled: 'N', vads_threeds_status: '', vads_warranty_result: 'NO' })).to.deep.equal({ status: 'not_enrolled', liabilityShift: false });
    expect(lyraAuthenticationOf({ vads_threeds_enrolled: 'Y', vads_threeds_status: 'A', vads_threeds_eci: '06' })?.status).to.equal('attempted');
    expect(lyraAuthenticationOf({ vads_threeds_enrolled: 'Y', vads_threeds_status: 'N' })?.status).to.equal('failed');
    expect(lyraAuthenticationOf({ vads_threeds_enrolled: 'Y', vads_threeds_status: 'Q', vads_threeds_eci: '5' })).to.deep.equal({ status: 'unknown' });
    expect(lyraAuthenticationOf({ vads_trans_status: 'AUTHORISED' })).to.equal(undefined);
  });

  it('the response allow-list holds every field the sandbox sends for 3-D Secure, and no vads_liability_shift (the form API has none)', () => {
    for (const name of ['vads_threeds_enrolled', 'vads_threeds_status', 'vads_threeds_eci', 'vads_threeds_auth_type', 'vads_threeds_sign_valid', 'vads_warranty_result']) {
      expect(LYRA_RESPONSE_FIELDS.has(name), name).to.equal(true);
    }
    expect(LYRA_RESPONSE_FIELDS.has('vads_liability_shift')).to.equal(false);
  });
});
