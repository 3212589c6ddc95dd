import { Redis } from 'ioredis';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { outboxContract, TARGETS, type OutboxFixture } from './outbox.contract.js';

describe('Outbox contract: memory', () => {
  outboxContract(async (): Promise<OutboxFixture> => {
    const nowMs = Date.parse('2031-03-01T10:00:00.000Z');
    const clock = (): Date => new Date(nowMs);
    return {
      store: new MemoryPaymentStore({ clock, outboxTargets: TARGETS }),
      storeWithoutTargets: () => new MemoryPaymentStore({ clock }),
      now: clock,
    };
  });
});

describe('Outbox contract: redis', () => {
  outboxContract(async (ctx): Promise<OutboxFixture> => {
    const url = await requireRedis(ctx);
    // The outbox reads time from the store's clock and the `now` it is given, never from Redis, so a
    // fixed clock makes queuedAt and due times exact here too.
    const nowMs = Date.now();
    const clock = (): Date => new Date(nowMs);
    return {
      store: new RedisPaymentStore(new Redis(url), { prefix: randomPrefix(), ownsConnection: true, clock, outboxTargets: TARGETS }),
      storeWithoutTargets: () => new RedisPaymentStore(new Redis(url), { prefix: randomPrefix(), ownsConnection: true, clock }),
      now: clock,
    };
  });
});
