import { expect } from 'chai';
import { decodeData, encodeData, formatData, parseData, peekField, SipsDataError } from '../../../src/protocols/sips/data.js';

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SipsDataError ? err.reason : `other: ${(err as Error).message}`;
  }
  return undefined;
}

describe('Sips Data', () => {
  it('formats key=value pairs joined with |, in order, and parses them back', () => {
    const text = formatData([
      ['amount', '2480'],
      ['normalReturnUrl', 'https://gw.example/bank/sips/return?x=1'],
      ['keyVersion', '1'],
    ]);
    expect(text).to.equal('amount=2480|normalReturnUrl=https://gw.example/bank/sips/return?x=1|keyVersion=1');
    expect([...parseData(text)]).to.deep.equal([
      ['amount', '2480'],
      ['normalReturnUrl', 'https://gw.example/bank/sips/return?x=1'],
      ['keyVersion', '1'],
    ]);
  });

  it('refuses to format a value holding | (it would add a field)', () => {
    expect(() => formatData([['orderId', 'a|amount=1']])).to.throw(/cannot contain/);
  });

  it('refuses Data with a pair without =, an empty or invalid key, or a key given twice', () => {
    expect(reasonOf(() => parseData(''))).to.equal('empty');
    expect(reasonOf(() => parseData('amount=1|garbage'))).to.equal('malformed_pair');
    expect(reasonOf(() => parseData('=1'))).to.equal('malformed_pair');
    expect(reasonOf(() => parseData('amo unt=1'))).to.equal('malformed_key');
    expect(reasonOf(() => parseData('amount=1|amount=100000'))).to.equal('duplicate_key');
  });

  it('peeks at one field only when it appears exactly once', () => {
    expect(peekField('amount=1|keyVersion=2', 'keyVersion')).to.equal('2');
    expect(peekField('amount=1', 'keyVersion')).to.equal(undefined);
    expect(peekField('keyVersion=1|keyVersion=2', 'keyVersion')).to.equal(undefined);
    expect(peekField('xkeyVersion=1', 'keyVersion')).to.equal(undefined);
  });

  it('decodes base64 and base64url strictly, and leaves plain Data as posted', () => {
    const plain = 'amount=2480|orderId=Café';
    for (const encoding of ['base64', 'base64url'] as const) expect(decodeData(encodeData(plain, encoding), encoding)).to.equal(plain);
    expect(decodeData(plain, undefined)).to.equal(plain);
    expect(decodeData(plain, '')).to.equal(plain);
    expect(reasonOf(() => decodeData(plain, 'base64'))).to.equal('malformed_encoding');
    expect(reasonOf(() => decodeData('YW1vdW50PTE=', 'rot13'))).to.equal('unknown_encoding');
    expect(reasonOf(() => decodeData('YW1v dW50PTE=', 'base64'))).to.equal('malformed_encoding');
  });
});
