import { expect } from 'chai';
import { authenticationOf } from '../../../src/connectors/native/response-authentication.js';

describe('native authentication claim (docs/protocol.md section 6.3)', () => {
  it('reads the documented example: Y, ECI 05, liability shifted, 2.2.0', () => {
    expect(authenticationOf({ status: 'Y', eci: '05', liability_shift: true, version: '2.2.0', method: 'challenge' })).to.deep.equal({
      status: 'authenticated',
      eci: '05',
      liabilityShift: true,
      version: '2.2.0',
    });
  });

  it('maps A, N, R, U and U with reason 13 (not enrolled)', () => {
    expect(authenticationOf({ status: 'A', liability_shift: true })?.status).to.equal('attempted');
    expect(authenticationOf({ status: 'N', trans_status_reason: '01', liability_shift: false })?.status).to.equal('failed');
    expect(authenticationOf({ status: 'R', liability_shift: false })?.status).to.equal('rejected');
    expect(authenticationOf({ status: 'U', trans_status_reason: '22', liability_shift: false })?.status).to.equal('unavailable');
    expect(authenticationOf({ status: 'U', trans_status_reason: '13', liability_shift: false })?.status).to.equal('not_enrolled');
  });

  it('never refuses: malformed values are dropped or unknown, an absent claim is no 3-D Secure', () => {
    expect(authenticationOf({ status: 'Z', eci: '5', liability_shift: 'yes', version: 'two' })).to.deep.equal({ status: 'unknown' });
    expect(authenticationOf('Y')).to.deep.equal({ status: 'unknown' });
    expect(authenticationOf(null)).to.deep.equal({ status: 'unknown' });
    expect(authenticationOf([])).to.deep.equal({ status: 'unknown' });
    expect(authenticationOf(undefined)).to.equal(undefined);
  });
});
