import { expect } from 'chai';
import { moneticoAuthenticationOf } from '../../../src/connectors/monetico/authentication.js';

const base64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');

describe('Monetico 3-D Secure return field (Monetico Paiement, "Documentation technique", interface retour: authentification)', () => {
  it('reads the documented example: authenticated, 3DSecure 2.1.0, liabilityShift Y after a challenge (ARes C, CRes Y)', () => {
    const authentification = base64({
      status: 'authenticated',
      protocol: '3DSecure',
      version: '2.1.0',
      details: { liabilityShift: 'Y', ARes: 'C', CRes: 'Y', merchantPreference: 'no_preference', transactionID: '555bd9d9-1cf1-4ba8-b37c-1a96bc8b603a', authenticationValue: 'cmJvd0E2ckZ0WnRzZjN4b2x1aTE=' },
    });
    expect(moneticoAuthenticationOf(new Map([['authentification', authentification]]))).to.deep.equal({ status: 'authenticated', liabilityShift: true, version: '2.1.0' });
  });

  it('maps each documented status; an unknown one is unknown', () => {
    const cases: Array<[string, string]> = [
      ['authentication_attempted', 'attempted'],
      ['not_authenticated', 'failed'],
      ['authentication_rejected', 'rejected'],
      ['authentication_not_performed', 'unavailable'],
      ['not_enrolled', 'not_enrolled'],
      ['disabled', 'unknown'],
    ];
    for (const [status, expected] of cases) {
      expect(moneticoAuthenticationOf(new Map([['authentification', base64({ status, protocol: '3DSecure', version: '2.2.0', details: { liabilityShift: 'N' } })]])), status).to.deep.equal({
        status: expected,
        liabilityShift: false,
        version: '2.2.0',
      });
    }
  });

  it('never throws: a field that is not base64 JSON of an object reads as unknown, an absent one as no 3-D Secure', () => {
    for (const bad of ['%%%', base64('not json'), base64('[1,2]'), base64('null'), 'A'.repeat(5000)]) {
      expect(moneticoAuthenticationOf(new Map([['authentification', bad]])), bad.slice(0, 20)).to.deep.equal({ status: 'unknown' });
    }
    expect(moneticoAuthenticationOf(new Map())).to.equal(undefined);
    expect(moneticoAuthenticationOf(new Map([['authentification', '']]))).to.equal(undefined);
  });
});
