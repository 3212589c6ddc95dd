import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { ConsoleUser } from '../../src/core/console-user.js';
import type { Payment } from '../../src/core/payment.js';
import type { ConsoleUserStore } from '../../src/store/console-user-store.js';
import { MemoryConsoleUserStore } from '../../src/store/memory-console-user-store.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import type { PaymentStore } from '../../src/store/payment-store.js';
import { RedisConsoleUserStore } from '../../src/store/redis-console-user-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { freshPayment } from './fresh-payment.js';

function user(email: string, overrides: Partial<ConsoleUser> = {}): ConsoleUser {
  return { email, role: 'viewer', passwordHash: 'scrypt$1$1$1$a$b', totpSecret: null, sessionGeneration: 0, createdAt: '2031-03-01T10:00:00.000Z', updatedAt: '2031-03-01T10:00:00.000Z', ...overrides };
}

/** Payments a day apart, with the fields the console searches on. */
function seeded(): Payment[] {
  const day = 86_400_000;
  const base = Date.parse('2031-03-01T10:00:00.000Z');
  return [0, 1, 2, 3].map((i) => {
    const p = freshPayment();
    const at = new Date(base + i * day).toISOString();
    return {
      ...p,
      createdAt: at,
      updatedAt: at,
      amount: 1000 * (i + 1),
      reference: `console-${i}`,
      connector: i === 3 ? 'sips' : 'native',
      customer: { email: `Buyer${i}@Example.com` },
      attempts: i === 0 ? [] : [{ ref: `att-${i}`, connector: 'native', status: 'authorised', createdAt: at, updatedAt: at, bankTransactionId: `BT-${i}`, card: { brand: 'visa', last4: `000${i}` } }],
    };
  });
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`console storage (${kind})`, () => {
    let redis: Redis | undefined;
    let users: ConsoleUserStore;
    let payments: PaymentStore;
    let made: Payment[];

    beforeEach(async function () {
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        const prefix = randomPrefix();
        users = new RedisConsoleUserStore(redis, prefix);
        payments = new RedisPaymentStore(redis, { prefix });
      } else {
        users = new MemoryConsoleUserStore();
        payments = new MemoryPaymentStore();
      }
      made = seeded();
      for (const payment of made) expect((await payments.createPayment({ payment, events: [] })).kind).to.equal('created');
    });
    afterEach(async () => {
      await redis?.quit();
      redis = undefined;
    });

    it('creates a user once, reads, updates only an existing user, removes and lists by email', async () => {
      expect(await users.create(user('b@x.example'))).to.equal(true);
      expect(await users.create(user('b@x.example', { role: 'admin' }))).to.equal(false);
      expect((await users.get('b@x.example'))!.role).to.equal('viewer');
      expect(await users.create(user('a@x.example'))).to.equal(true);
      expect(await users.update(user('a@x.example', { sessionGeneration: 3 }))).to.equal(true);
      expect((await users.get('a@x.example'))!.sessionGeneration).to.equal(3);
      expect((await users.list()).map((u) => u.email)).to.deep.equal(['a@x.example', 'b@x.example']);
      expect(await users.remove('a@x.example')).to.equal(true);
      expect(await users.remove('a@x.example')).to.equal(false);
      // An update racing a removal does not bring the user back.
      expect(await users.update(user('a@x.example'))).to.equal(false);
      expect(await users.get('a@x.example')).to.equal(null);
    });

    const listed = async (filter: object, status?: Payment['status']) =>
      (await payments.listPayments({ limit: 10, filter, ...(status ? { status } : {}) })).items.map((p) => p.reference);

    it('searches exactly by payment id, reference, buyer email (any case), card last four, bank references', async () => {
      expect(await listed({ search: made[2]!.id })).to.deep.equal(['console-2']);
      expect(await listed({ search: 'console-1' })).to.deep.equal(['console-1']);
      expect(await listed({ search: 'buyer3@example.COM' })).to.deep.equal(['console-3']);
      expect(await listed({ search: '0002' })).to.deep.equal(['console-2']);
      expect(await listed({ search: 'att-1' })).to.deep.equal(['console-1']);
      expect(await listed({ search: 'BT-3' })).to.deep.equal(['console-3']);
      expect(await listed({ search: 'console' })).to.deep.equal([]);
    });

    it('filters by connector, date range (inclusive), amount range and status, combined', async () => {
      expect(await listed({ connector: 'sips' })).to.deep.equal(['console-3']);
      expect(await listed({ createdFromMs: Date.parse(made[1]!.createdAt), createdToMs: Date.parse(made[2]!.createdAt) })).to.deep.equal(['console-2', 'console-1']);
      expect(await listed({ amountMin: 2000, amountMax: 3000 })).to.deep.equal(['console-2', 'console-1']);
      expect(await listed({ amountMin: 2000, connector: 'native' })).to.deep.equal(['console-2', 'console-1']);
      expect(await listed({ amountMin: 1 }, 'pending')).to.deep.equal([]);
      expect(await listed({})).to.deep.equal(['console-3', 'console-2', 'console-1', 'console-0']);
    });

    it('pages a filtered list with the cursor', async () => {
      const first = await payments.listPayments({ limit: 1, filter: { connector: 'native' } });
      const second = await payments.listPayments({ limit: 2, filter: { connector: 'native' }, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((p) => p.reference)).to.deep.equal(['console-2', 'console-1', 'console-0']);
      expect(second.nextCursor).to.equal(null);
    });

    if (kind === 'redis') {
      it('answers a filtered page in one round trip (one script call)', async () => {
        const calls = async () => {
          const info = await redis!.info('commandstats');
          return ['evalsha', 'eval'].reduce((sum, name) => sum + Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0), 0);
        };
        const before = await calls();
        await payments.listPayments({ limit: 2, filter: { search: 'buyer1@example.com', amountMin: 1, createdFromMs: 0 } });
        // The INFO call itself is not a script; the listing's one script call is all there is.
        expect((await calls()) - before).to.equal(1);
      });
    }
  });
}
