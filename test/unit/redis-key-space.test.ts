import { expect } from 'chai';
import { hasHashTag, rateLimitKeyPrefix, sessionKeyPrefix, storeKeyPrefix } from '../../src/store/redis-key-space.js';

describe('Redis key space', () => {
  const single = { isCluster: false };
  const cluster = { isCluster: true };

  it('keeps the store\'s keys of earlier versions on one Redis (direct or through Sentinel)', () => {
    expect(storeKeyPrefix('hpp:', single)).to.equal('hpp:');
    expect(storeKeyPrefix('shop-a:hpp:', single)).to.equal('shop-a:hpp:');
  });

  it('puts the whole store under one hash tag on a Cluster, so no script crosses slots', () => {
    expect(storeKeyPrefix('hpp:', cluster)).to.equal('{hpp}:');
    expect(storeKeyPrefix('shop-a:hpp:', cluster)).to.equal('{shop-a:hpp}:');
    expect(storeKeyPrefix('hpp', cluster)).to.equal('{hpp}:');
    expect(storeKeyPrefix('{t1}:', cluster)).to.equal('{t1}:');
  });

  it('reads a hash tag as Redis does: the first {…} that is not empty', () => {
    expect(hasHashTag('{hpp}:p:1')).to.equal(true);
    expect(hasHashTag('a{b}c')).to.equal(true);
    expect(hasHashTag('{}hpp:')).to.equal(false);
    expect(hasHashTag('hpp:')).to.equal(false);
    expect(hasHashTag('hpp:{')).to.equal(false);
  });

  it('leaves sessions and rate-limit counters untagged, one key per command, spread over the primaries', () => {
    expect(sessionKeyPrefix('hpp:')).to.equal('hpp:sess:');
    expect(rateLimitKeyPrefix('hpp:', 'api')).to.equal('hpp:rl:api:');
  });
});
