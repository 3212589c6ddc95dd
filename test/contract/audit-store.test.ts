import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { AuditEntry } from '../../src/core/audit-entry.js';
import type { AuditStore } from '../../src/store/audit-store.js';
import { MemoryAuditStore } from '../../src/store/memory-audit-store.js';
import { RedisAuditStore } from '../../src/store/redis-audit-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

function entry(i: number): AuditEntry {
  // Every entry at the same instant: the order must come from the appends, not the clock.
  return { id: `aud_${i}`, at: '2031-03-01T10:00:00.000Z', actor: { kind: 'console_user', email: 'op@shop.example' }, action: 'console.refund', paymentId: `pay_${i}`, detail: { amount: i } };
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`audit log storage (${kind})`, () => {
    let redis: Redis | undefined;
    let store: AuditStore;

    beforeEach(async function () {
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        store = new RedisAuditStore(redis, randomPrefix(), 7);
      } else {
        store = new MemoryAuditStore(7);
      }
    });
    afterEach(async () => {
      await redis?.quit();
      redis = undefined;
    });

    it('pages newest first with a cursor that holds while entries are appended, and keeps only the newest entries', async () => {
      for (let i = 1; i <= 10; i++) await store.append(entry(i));
      const first = await store.list({ limit: 3 });
      expect(first.items.map((e) => e.id)).to.deep.equal(['aud_10', 'aud_9', 'aud_8']);
      await store.append(entry(11));
      const second = await store.list({ limit: 3, cursor: first.nextCursor! });
      expect(second.items.map((e) => e.id)).to.deep.equal(['aud_7', 'aud_6', 'aud_5']);
      // Bounded to 7: 11 … 5 are kept, 4 and older are gone, so there is no page after.
      expect(second.nextCursor).to.equal(null);
      const all = await store.list({ limit: 100 });
      expect(all.items).to.have.length(7);
      expect(all.items[0]).to.deep.equal(entry(11));
      expect(all.nextCursor).to.equal(null);
    });
  });
}
