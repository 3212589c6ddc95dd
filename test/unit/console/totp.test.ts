import { expect } from 'chai';
import { totpCode, totpStep } from '../../../src/service/console/totp.js';

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to 20, 32 and 64 bytes; 8 digits.
const base32 = (ascii: string): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of Buffer.from(ascii, 'ascii')) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
};
const SHA1 = base32('12345678901234567890');
const SHA256 = base32('12345678901234567890123456789012');
const SHA512 = base32('1234567890123456789012345678901234567890123456789012345678901234');

const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('console TOTP (RFC 6238)', () => {
  for (const [seconds, sha1, sha256, sha512] of VECTORS) {
    it(`gives the RFC 6238 Appendix B codes at T = ${seconds} s for SHA-1, SHA-256 and SHA-512`, () => {
      const at = new Date(seconds * 1000);
      expect(totpCode(SHA1, at, { algorithm: 'SHA1', digits: 8 })).to.equal(sha1);
      expect(totpCode(SHA256, at, { algorithm: 'SHA256', digits: 8 })).to.equal(sha256);
      expect(totpCode(SHA512, at, { algorithm: 'SHA512', digits: 8 })).to.equal(sha512);
    });
  }

  it('accepts a code one step either side (clock drift) and names its step, refuses two steps away and junk', () => {
    const at = new Date(1111111111 * 1000);
    const step = Math.floor(1111111111 / 30);
    expect(totpStep(SHA1, '14050471', at, { digits: 8 })).to.equal(step);
    expect(totpStep(SHA1, totpCode(SHA1, new Date(at.getTime() - 30_000), { digits: 8 }), at, { digits: 8 })).to.equal(step - 1);
    expect(totpStep(SHA1, totpCode(SHA1, new Date(at.getTime() + 30_000), { digits: 8 }), at, { digits: 8 })).to.equal(step + 1);
    expect(totpStep(SHA1, totpCode(SHA1, new Date(at.getTime() - 90_000), { digits: 8 }), at, { digits: 8 })).to.equal(null);
    expect(totpStep(SHA1, 'abcdefgh', at, { digits: 8 })).to.equal(null);
    expect(totpStep(SHA1, '', at)).to.equal(null);
  });
});
