import { expect } from 'chai';
import { randomBytes } from '../../src/core/random-bytes.js';

describe('core: random bytes drawn from a pooled block', () => {
  it('hands out the size asked for, across block refills and beyond the block size', () => {
    for (const size of [1, 12, 16, 17, 24, 4095, 4096, 4097, 10_000]) expect(randomBytes(size)).to.have.length(size);
  });

  it('never hands out the same bytes twice, across many refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) seen.add(randomBytes(16).toString('hex'));
    expect(seen.size).to.equal(20_000);
  });

  it('gives each caller its own buffer: changing one changes no other value, past or future', () => {
    const first = randomBytes(16);
    const copy = Buffer.from(first);
    const second = randomBytes(16);
    second.fill(0);
    expect(first.equals(copy)).to.equal(true);
    first.fill(0xff);
    const third = randomBytes(16);
    expect(third.equals(Buffer.alloc(16, 0xff))).to.equal(false);
    expect(third.equals(Buffer.alloc(16))).to.equal(false);
  });

  it('looks uniform: every byte value appears, none far more often than the others', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4000; i += 1) for (const byte of randomBytes(64)) counts[byte]! += 1;
    const expected = (4000 * 64) / 256;
    expect(Math.min(...counts)).to.be.above(expected * 0.8);
    expect(Math.max(...counts)).to.be.below(expected * 1.2);
  });
});
