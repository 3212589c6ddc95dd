import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../src/core/events.js';
import type { Payment } from '../../src/core/payment.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import type { EventTargets } from '../../src/store/outbox.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { freshPayment } from './fresh-payment.js';

const TARGETS = ['webhook:0', 'email:merchant', 'email:buyer'];

/** As the channels choose: the webhook takes everything, the merchant's email the successes, the buyer's only with an address. */
const chooser: EventTargets = (event: PaymentEvent, payment: Payment) => [
  'webhook:0',
  ...(event.type === 'payment.succeeded' ? ['email:merchant'] : []),
  ...(payment.customer?.email && event.type === 'payment.succeeded' ? ['email:buyer'] : []),
  'not:configured',
];

const eventOf = (payment: Payment, type: PaymentEvent['type'], id: string): PaymentEvent => ({ id, type, paymentId: payment.id, paymentVersion: payment.version, occurredAt: payment.updatedAt });

for (const kind of ['memory', 'redis'] as const) {
  describe(`outbox: each payment event queued only for the targets that have something to send (${kind})`, () => {
    let redis: Redis | undefined;
    let store: GatewayStore;

    beforeEach(async function () {
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        store = new RedisPaymentStore(redis, { prefix: randomPrefix(), outboxTargets: TARGETS, eventTargets: chooser });
      } else {
        store = new MemoryPaymentStore({ outboxTargets: TARGETS, eventTargets: chooser });
      }
    });
    afterEach(async () => {
      await redis?.quit();
      redis = undefined;
    });

    it('gives each event of a write its own targets, in the configured order, ignoring a name that is no target', async () => {
      const payment = { ...freshPayment(), customer: { email: 'buyer@example.com' } } as Payment;
      await store.createPayment({ payment, events: [eventOf(payment, 'payment.created', 'evt_created')] });
      const next: Payment = { ...payment, version: 2, status: 'succeeded' };
      // Two events in one commit, with different targets each.
      expect(await store.commit({ expectedVersion: 1, next, events: [eventOf(next, 'payment.pending', 'evt_pending'), eventOf(next, 'payment.succeeded', 'evt_succeeded')] })).to.equal(true);

      expect((await store.outbox.getEvent('evt_created'))!.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0']);
      expect((await store.outbox.getEvent('evt_pending'))!.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0']);
      expect((await store.outbox.getEvent('evt_succeeded'))!.deliveries.map((d) => d.target)).to.deep.equal(TARGETS);
      expect(await store.outbox.pendingCount()).to.equal(5);

      // The webhook's queue holds the three in order; the emails only the success.
      const now = new Date(Date.now() + 1000);
      const first = await store.outbox.claim(now, 10, 60_000);
      expect(first.map((c) => `${c.target} ${c.event.id}`).sort()).to.deep.equal(['email:buyer evt_succeeded', 'email:merchant evt_succeeded', 'webhook:0 evt_created']);
    });

    it('still redelivers an event to a target it was not queued for, when asked', async () => {
      const payment = freshPayment();
      await store.createPayment({ payment, events: [eventOf(payment, 'payment.created', 'evt_only_webhook')] });
      expect(await store.outbox.redeliver('evt_only_webhook', new Date(), ['email:merchant'])).to.equal(true);
      expect((await store.outbox.getEvent('evt_only_webhook'))!.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0', 'email:merchant']);
    });
  });
}
