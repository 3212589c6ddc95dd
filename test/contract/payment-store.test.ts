import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createPaymentStore } from '../../src/store/create-store.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { freshPayment } from './fresh-payment.js';
import { paymentStoreContract, type StoreFixture } from './payment-store.contract.js';

describe('PaymentStore contract: memory', () => {
  paymentStoreContract(async () => {
    let nowMs = Date.parse('2031-03-01T10:00:00.000Z');
    return {
      store: new MemoryPaymentStore({ clock: () => new Date(nowMs) }),
      now: () => new Date(nowMs),
      elapse: async (ms) => {
        nowMs += ms;
      },
    };
  });
});

describe('PaymentStore contract: redis', () => {
  paymentStoreContract(async (ctx): Promise<StoreFixture> => {
    const url = await requireRedis(ctx);
    // Redis expires keys by its own wall clock, so time passes for real.
    return {
      store: new RedisPaymentStore(new Redis(url), { prefix: randomPrefix(), ownsConnection: true }),
      now: () => new Date(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  });
});

describe('RedisPaymentStore specifics', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisPaymentStore;

  beforeEach(async function () {
    redis = new Redis(await requireRedis(this));
    prefix = randomPrefix();
    store = new RedisPaymentStore(redis, { prefix });
  });

  afterEach(async () => {
    if (redis?.status === 'ready') await redis.quit();
  });

  it('keeps an idempotency key for the whole ttl asked for (the service asks for 48 hours)', async () => {
    await store.createPayment({ payment: freshPayment(), events: [], idempotency: { key: 'k1', fingerprint: 'f', ttlSeconds: 48 * 3600 } });
    const ttl = await redis.ttl(`${prefix}idem:k1`);
    expect(ttl).to.be.greaterThan(47 * 3600).and.at.most(48 * 3600);
  });

  it('writes every key under its prefix', async () => {
    const before = await redis.dbsize();
    const p = freshPayment();
    await store.createPayment({ payment: p, events: [], idempotency: { key: 'k2', fingerprint: 'f', ttlSeconds: 60 } });
    await store.rememberMessage('m1', new Date(Date.now() + 60_000));
    const ours = await redis.keys(`${prefix}*`);
    expect(ours.length).to.be.greaterThan(5);
    expect(await redis.dbsize()).to.equal(before + ours.length);
  });

  it('leaves a connection it does not own open on close, and quits one it owns', async () => {
    await store.close();
    expect(await redis.ping()).to.equal('PONG');
    const owned = new Redis(redis.options.port ?? 6379, '127.0.0.1');
    const owning = new RedisPaymentStore(owned, { prefix, ownsConnection: true });
    expect(await owned.ping()).to.equal('PONG');
    await owning.close();
    let refused: unknown;
    await owned.ping().catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(Error);
    expect((refused as Error).message).to.match(/closed/i);
  });
});

describe('createPaymentStore', () => {
  it('keeps payments in memory when no Redis URL is configured', async () => {
    const store = createPaymentStore({});
    expect(store.kind).to.equal('memory');
    await store.close();
  });

  it('uses Redis, under the given prefix, when a URL is configured', async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    const store = createPaymentStore({ redisUrl: url, prefix });
    expect(store.kind).to.equal('redis');
    expect(await store.rememberMessage('m', new Date(Date.now() + 60_000))).to.equal(true);
    await store.close();
    const probe = new Redis(url);
    expect(await probe.exists(`${prefix}msg:m`)).to.equal(1);
    await probe.quit();
  });
});
