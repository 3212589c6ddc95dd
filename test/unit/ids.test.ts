import { expect } from 'chai';
import { newAttemptReference, newId } from '../../src/core/ids.js';

describe('core/ids', () => {
  describe('newId', () => {
    for (const prefix of ['pay', 'evt', 'att', 'msg'] as const) {
      it(`"${prefix}_" followed by 22 base64url characters`, () => {
        expect(newId(prefix)).to.match(new RegExp(`^${prefix}_[A-Za-z0-9_-]{22}$`));
      });
    }

    it('never repeats over many draws', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 20_000; i += 1) seen.add(newId('pay'));
      expect(seen.size).to.equal(20_000);
    });
  });

  describe('newAttemptReference', () => {
    it('is 27 characters of [A-Z0-9] only, starting with a letter', () => {
      for (let i = 0; i < 2_000; i += 1) {
        const ref = newAttemptReference();
        expect(ref).to.have.length(27);
        expect(ref).to.match(/^[A-Z][A-Z0-9]{26}$/);
      }
    });

    it('never repeats over many draws', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 20_000; i += 1) seen.add(newAttemptReference());
      expect(seen.size).to.equal(20_000);
    });

    it('uses the whole base32 alphabet (no stuck characters)', () => {
      const used = new Set<string>();
      for (let i = 0; i < 500; i += 1) for (const ch of newAttemptReference().slice(1)) used.add(ch);
      expect([...used].sort().join('')).to.equal('234567ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    });
  });
});
