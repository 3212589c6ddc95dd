import { expect } from 'chai';
import { Redis, ReplyError } from 'ioredis';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { toGatewayError } from '../../src/http/problem.js';
import { isStoreFailure } from '../../src/core/store-failure.js';
import { createLogger } from '../../src/logger.js';
import { openRedis } from '../../src/store/redis-connection.js';
import { freePort } from '../support/processes.js';

/** Which errors mean "the store cannot answer now" (503, retry) and which stay internal errors (500). */
describe('store failures', () => {
  it('recognises the errors ioredis rejects commands with while Redis is away', async () => {
    const port = await freePort();
    const offline = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0, retryStrategy: () => 20 });
    offline.on('error', () => undefined);
    const unwritable = new Redis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, lazyConnect: true });
    const closed = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true });
    for (const client of [unwritable, closed]) client.on('error', () => undefined);
    closed.disconnect();
    try {
      const errors = await Promise.all([offline.get('k'), unwritable.get('k'), closed.get('k')].map((p) => p.then(() => null, (err: unknown) => err)));
      expect(errors.map((e) => (e as Error).message)).to.have.length(3);
      for (const err of errors) {
        expect(isStoreFailure(err), (err as Error).message).to.equal(true);
        expect(toGatewayError(err)).to.be.instanceOf(StoreUnavailableError);
        expect(toGatewayError(err)).to.include({ code: 'store_unavailable', status: 503, retryAfterSeconds: 2 });
      }
    } finally {
      offline.disconnect();
      unwritable.disconnect();
    }
  });

  it('recognises what ioredis Cluster raises when a command outlasts its retries through a failover', () => {
    const err = new Error('Too many Cluster redirections. Last error: Error: Connection is closed.');
    expect(isStoreFailure(err)).to.equal(true);
    expect(toGatewayError(err)).to.include({ code: 'store_unavailable', status: 503 });
    expect(isStoreFailure(new Error('Cluster redirections are fun'))).to.equal(false);
  });

  it('recognises what ioredis raises while no sentinel answers, and fails the command within seconds', async () => {
    for (const message of ['All sentinels are unreachable and retry is disabled.', 'All sentinels are unreachable. Retrying from scratch after 10ms. Last error: connect ECONNREFUSED 127.0.0.1:26379']) {
      expect(isStoreFailure(new Error(message)), message).to.equal(true);
    }
    const logger = createLogger('silent');
    const redis = openRedis({ sentinels: [{ host: '127.0.0.1', port: await freePort() }, { host: '127.0.0.1', port: await freePort() }], masterName: 'gateway' }, { name: 'payments', logger });
    try {
      const startedAt = Date.now();
      const err = await redis.get('k').then(() => null, (e: unknown) => e);
      expect(Date.now() - startedAt, 'a request waits seconds, not for as long as the sentinels are away').to.be.lessThan(5000);
      expect(isStoreFailure(err), (err as Error).message).to.equal(true);
      expect(toGatewayError(err)).to.include({ code: 'store_unavailable', status: 503 });
    } finally {
      redis.disconnect();
    }
  });

  it('recognises the replies of a Redis that is there but cannot serve now', () => {
    for (const message of ['LOADING Redis is loading the dataset in memory', 'READONLY You can\'t write against a read only replica.', 'MASTERDOWN Link with MASTER is down', 'CLUSTERDOWN The cluster is down', 'TRYAGAIN Multiple keys request during rehashing of slot', 'BUSY Redis is busy running a script.', 'NOREPLICAS Not enough good replicas to write.', 'OOM command not allowed when used memory > \'maxmemory\'.', 'MISCONF Redis is configured to save RDB snapshots']) {
      expect(isStoreFailure(new ReplyError(message)), message).to.equal(true);
    }
  });

  it('leaves bugs and other failures internal errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    for (const err of [new TypeError('x is undefined'), new ReplyError('ERR wrong number of arguments'), new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), refused, 'Connection is closed.', null]) {
      expect(isStoreFailure(err), String(err)).to.equal(false);
      expect(toGatewayError(err).status).to.equal(500);
    }
  });
});
