import { expect } from 'chai';
import fc from 'fast-check';
import { findDuplicateKey } from '../../src/http/duplicate-keys.js';

const scan = (text: string) => findDuplicateKey(Buffer.from(text, 'utf8'));

describe('findDuplicateKey', () => {
  it('finds a key given twice at any depth and names its path', () => {
    expect(scan('{"a":1,"a":2}')).to.equal('a');
    expect(scan('{"m":{"x":"1","y":"2","x":"3"}}')).to.equal('m.x');
    expect(scan('{"list":[{"k":1},{"k":1,"k":2}]}')).to.equal('list.1.k');
    expect(scan('[{"a":1},[],{"b":{"c":0,"c":0}}]')).to.equal('2.b.c');
  });

  it('compares keys as JSON.parse reads them: escapes and non-ASCII text', () => {
    expect(scan('{"amount":1,"am\\u006funt":2}')).to.equal('amount');
    expect(scan('{"caf\\u00e9":1,"café":2}')).to.equal('café');
    expect(scan('{"😀":1,"\\ud83d\\ude00":2}')).to.equal('😀');
    expect(scan('{"café":1,"cafe":2}')).to.equal(null);
  });

  it('takes no string value, nor anything inside one, for a key', () => {
    expect(scan('{"a":"a","b":"a"}')).to.equal(null);
    expect(scan('{"a":"\\",\\"a\\":{","b":["a","a"]}')).to.equal(null);
    expect(scan('{"a":{"a":{"a":1}}}')).to.equal(null);
  });

  it('leaves malformed bodies to JSON.parse without throwing', () => {
    for (const text of ['', '{', '{"a', '{"a":1,"a', '}}}]]', '{"\\u12":1,"\\u12":2}', '"a","a"', '\xff\xfe{']) {
      expect(() => scan(text), text).not.to.throw();
    }
  });

  it('agrees with JSON.parse on generated objects: null when unique, the key when one is repeated', () => {
    const key = fc.string({ unit: 'grapheme', maxLength: 6 });
    fc.assert(
      fc.property(fc.jsonValue(), key, fc.jsonValue(), (value, repeated, other) => {
        // JSON.stringify never writes a key twice.
        expect(scan(JSON.stringify(value))).to.equal(null);
        const text = JSON.stringify({ [repeated]: other, nested: value });
        const twice = `${text.slice(0, -1)},${JSON.stringify(repeated)}:0}`;
        expect(scan(twice)).to.equal(repeated);
      }),
      { numRuns: 300 },
    );
  });
});
