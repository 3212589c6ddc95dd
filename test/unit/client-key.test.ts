import { expect } from 'chai';
import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import fc from 'fast-check';
import { clientKey } from '../../src/http/middleware/window-limiter.js';

const keyOf = (ip: string | undefined) => clientKey({ ip } as Request);

describe('clientKey (the rate limits’ key of an address)', () => {
  it('is what express-rate-limit’s ipKeyGenerator gives, for IPv4, IPv4-mapped, IPv6 and the edge forms', () => {
    for (const ip of ['127.0.0.1', '203.0.113.7', '::ffff:127.0.0.1', '::FFFF:198.51.100.20', '::1', '::', '2001:db8:abcd:12::1', '2001:db8:abcd:12ff:ffff::9', '::ffff:7f00:1', '::127.0.0.1']) {
      expect(keyOf(ip), ip).to.equal(ipKeyGenerator(ip));
    }
  });

  it('counts an IPv4 client the same whether the listener reports it plain or IPv4-mapped', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(keyOf(`::ffff:${ip}`)).to.equal(ip).and.equal(ipKeyGenerator(`::ffff:${ip}`));
        expect(keyOf(ip)).to.equal(ip);
      }),
    );
  });

  it('puts the addresses of one IPv6 /56 under one key, and the next /56 under another', () => {
    expect(keyOf('2001:db8:abcd:1200::1')).to.equal(keyOf('2001:db8:abcd:12ff:ffff::9'));
    expect(keyOf('2001:db8:abcd:1300::1')).not.to.equal(keyOf('2001:db8:abcd:1200::1'));
  });
});
