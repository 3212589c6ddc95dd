import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { openRedis, redisTargetOf } from '../../src/store/redis-connection.js';

/** Nothing listens on port 1: the connections below are opened for their options and closed at once. */
const NOWHERE = { host: '127.0.0.1', port: 1 };
const quiet = createLogger('silent');

describe('openRedis settings', () => {
  it('hands Sentinel\'s passwords and TLS to ioredis: sentinelTLS for the sentinels, tls with enableTLSForSentinelMode for the primary', () => {
    const redis = openRedis({ sentinels: [NOWHERE], masterName: 'gateway', sentinelPassword: 's', password: 'p', sentinelTls: true, tls: true }, { name: 'payments', logger: quiet }) as Redis;
    try {
      expect(redis.options).to.include({ name: 'gateway', role: 'master', sentinelPassword: 's', password: 'p', enableTLSForSentinelMode: true });
      expect(redis.options.sentinelTLS).to.deep.equal({});
      expect(redis.options.tls).to.deep.equal({});
    } finally {
      redis.disconnect();
    }
  });

  it('speaks no TLS to a Sentinel set unless asked', () => {
    const redis = openRedis({ sentinels: [NOWHERE], masterName: 'gateway' }, { name: 'payments', logger: quiet }) as Redis;
    try {
      expect(redis.options.sentinelTLS).to.equal(undefined);
      expect(redis.options.tls).to.equal(undefined);
      expect(redis.options.enableTLSForSentinelMode).to.not.equal(true);
    } finally {
      redis.disconnect();
    }
  });

  it('opens a Cluster client for REDIS_CLUSTER_NODES, reading and writing on primaries, with the password and TLS on every node', () => {
    const target = redisTargetOf({ redisCluster: { nodes: [NOWHERE], password: 'p', tls: true } });
    expect(target).to.deep.equal({ cluster: [NOWHERE], password: 'p', tls: true });
    const cluster = openRedis(target!, { name: 'payments', logger: quiet });
    try {
      expect(cluster).to.be.instanceOf(Cluster);
      const { options } = cluster as Cluster;
      expect(options.scaleReads).to.equal('master');
      expect(options.redisOptions).to.include({ password: 'p', maxRetriesPerRequest: 1 });
      expect(options.redisOptions?.tls).to.deep.equal({});
    } finally {
      cluster.disconnect();
    }
  });

  it('prefers the Cluster, then Sentinel, then the URL, as the configuration holds one at most', () => {
    expect(redisTargetOf({})).to.equal(undefined);
    expect(redisTargetOf({ redisUrl: 'redis://x:6379' })).to.equal('redis://x:6379');
  });
});
