import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { storeKeyPrefix } from '../../src/store/redis-key-space.js';
import { freshPayment } from '../contract/fresh-payment.js';
import { RedisClusterSet } from '../support/redis-cluster.js';
import { randomPrefix } from '../support/redis-server.js';

const IN_FLIGHT = 16;
const ROUNDS = 20;

/**
 * On a Cluster as on one Redis, the commands of requests in flight together leave for a node in one
 * write (auto-pipelining): one write, one read on the server, per turn of the event loop, not per command.
 */
describe('processes: a Redis Cluster client pipelines the commands in flight together', function () {
  this.timeout(60_000);
  let set: RedisClusterSet;
  let store: GatewayStore | undefined;
  let probe: Redis | undefined;
  before(async function () {
    const started = await RedisClusterSet.start();
    if (!started) {
      if (process.env.CI) throw new Error('redis-cli is not installed (.ci/run installs it)');
      this.skip();
    }
    set = started;
  });
  after(async () => {
    probe?.disconnect();
    await store?.close();
    await set?.stop();
  });

  it(`reads the store's node once for many of ${IN_FLIGHT} concurrent commands, not once each`, async () => {
    const prefix = randomPrefix();
    store = createPaymentStore({ redis: set.target, prefix, logger: createLogger('silent') });
    const payment = freshPayment();
    expect((await store.createPayment({ payment, events: [] })).kind).to.equal('created');
    probe = new Redis({ port: await set.primaryPortOf(`${storeKeyPrefix(prefix, { isCluster: true })}p:x`), host: '127.0.0.1' });
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await probe!.info('stats'))?.[1]);
    const before = await reads();
    for (let round = 0; round < ROUNDS; round += 1) {
      const read = await Promise.all(Array.from({ length: IN_FLIGHT }, () => store!.getPayment(payment.id)));
      expect(read.every((p) => p?.id === payment.id)).to.equal(true);
    }
    // The probe's own INFO is one read of the node.
    const perCommand = (await reads() - before - 1) / (ROUNDS * IN_FLIGHT);
    console.log(`      ${perCommand.toFixed(3)} reads of the node per command, ${IN_FLIGHT} in flight`);
    expect(perCommand).to.be.below(0.25);
  });
});
