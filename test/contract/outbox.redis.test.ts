import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import type { Payment } from '../../src/core/payment.js';
import { createPaymentStore } from '../../src/store/create-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { freshPayment } from './fresh-payment.js';

describe('Redis outbox specifics', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisPaymentStore;

  beforeEach(async function () {
    redis = new Redis(await requireRedis(this));
    prefix = randomPrefix();
    store = new RedisPaymentStore(redis, { prefix, outboxTargets: ['webhook:0', 'email'] });
  });

  afterEach(async () => {
    if (redis?.status === 'ready') await redis.quit();
  });

  function event(p: Payment): PaymentEvent {
    return { id: newId('evt'), type: 'payment.created', paymentId: p.id, paymentVersion: p.version, occurredAt: new Date().toISOString() };
  }

  it('writes nothing at all when an event of the write is unusable (the script checks before it writes)', async () => {
    const p = freshPayment();
    const broken = { ...event(p), id: undefined } as unknown as PaymentEvent;
    let caught: unknown;
    await store.createPayment({ payment: p, events: [event(p), broken] }).catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(Error);
    expect(await redis.keys(`${prefix}*`)).to.deep.equal([]);

    await store.createPayment({ payment: p, events: [event(p)] });
    const before = (await redis.keys(`${prefix}*`)).sort();
    const next = { ...p, version: 2 };
    caught = undefined;
    await store.commit({ expectedVersion: 1, next, events: [event(next), broken] }).catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(Error);
    expect((await redis.keys(`${prefix}*`)).sort()).to.deep.equal(before);
    expect(await store.getPayment(p.id)).to.deep.equal(p);
    expect(await store.outbox.pendingCount()).to.equal(2);
  });

  it('keeps every outbox key under the prefix, and the layout it documents', async () => {
    const before = await redis.dbsize();
    const p = freshPayment();
    const e = event(p);
    await store.createPayment({ payment: p, events: [e] });
    const [claim] = await store.outbox.claim(new Date(Date.now() + 1000), 1, 30_000);
    const ours = (await redis.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
    expect(await redis.dbsize()).to.equal(before + ours.length);
    expect(ours).to.include.members([
      `evt:${e.id}`,
      'events',
      `evp:${p.id}`,
      `dlv:${e.id}:webhook:0`,
      `dlv:${e.id}:email`,
      `obq:webhook:0:${p.id}`,
      `obq:email:${p.id}`,
      'obdue',
      'obpending',
      `lease:${claim!.target}|${p.id}`,
    ]);
  });

  it('refuses target names that would break its keys', () => {
    for (const bad of ['a,b', 'a|b', '', 'has space', 'twice']) {
      const targets = bad === 'twice' ? ['x', 'x'] : [bad];
      expect(() => new RedisPaymentStore(redis, { prefix, outboxTargets: targets }), bad).to.throw(RangeError);
    }
  });

  it('createPaymentStore passes the outbox targets through', async function () {
    const url = await requireRedis(this);
    const created = createPaymentStore({ redisUrl: url, prefix, outboxTargets: ['email'] });
    const memory = createPaymentStore({ outboxTargets: ['email', 'webhook:0'] });
    const p = freshPayment();
    const e = event(p);
    await created.createPayment({ payment: p, events: [e] });
    await memory.createPayment({ payment: p, events: [e] });
    expect((await created.outbox.getEvent(e.id))?.deliveries.map((d) => d.target)).to.deep.equal(['email']);
    expect((await memory.outbox.getEvent(e.id))?.deliveries.map((d) => d.target)).to.deep.equal(['email', 'webhook:0']);
    await created.close();
    await memory.close();
  });
});
