import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ReferenceConflictError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { Payment } from '../../src/core/payment.js';
import type { BankOutcome, Transition } from '../../src/core/transition.js';
import { PaymentService, type NewPayment } from '../../src/service/payment-service.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { connectorsNamed } from '../support/payment-connectors.js';

/**
 * Two gateway instances on one Redis, each with its own connection, as in production: the bank's
 * notification and the buyer's return reach both at once. The store's compare-and-set must let
 * exactly one transition through.
 */
describe('two instances on one Redis', () => {
  let instanceA: PaymentService;
  let instanceB: PaymentService;

  const stores: RedisPaymentStore[] = [];

  beforeEach(async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    const service = (): PaymentService => {
      const store = new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true });
      stores.push(store);
      return new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 15 * 60_000, attemptReuseMs: 0 });
    };
    instanceA = service();
    instanceB = service();
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  /** An outcome the native connector verified, through the path every bank message takes. */
  async function receiveOutcome(instance: PaymentService, outcome: BankOutcome): Promise<Transition> {
    return (await instance.receiveBankMessage('native', { outcome })).transition;
  }

  function order(reference = `order-${newId('msg')}`): NewPayment {
    return { amount: 4200, currency: 'EUR', reference, description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' };
  }

  /** A payment with one attempt at the bank, and a bank outcome for that attempt. */
  async function pendingPayment(): Promise<{ payment: Payment; outcome: (status: BankOutcome['status']) => BankOutcome }> {
    const { payment } = await instanceA.create(order());
    const started = await instanceA.startAttempt(payment.id, 'native');
    const attemptRef = started.attempt!.ref;
    return {
      payment: started.payment,
      outcome: (status) => ({ attemptRef, status, amount: payment.amount, currency: payment.currency, bankTransactionId: 'bank-1' }),
    };
  }

  it('records one success when both instances apply the same authorisation many times at once', async () => {
    const { payment, outcome } = await pendingPayment();
    expect(payment.version).to.equal(2);
    const authorised = outcome('authorised');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => [receiveOutcome(instanceA, authorised), receiveOutcome(instanceB, authorised)]).flat(),
    );

    expect(results.filter((r) => r.verdict === 'applied')).to.have.length(1);
    expect(results.filter((r) => r.verdict === 'duplicate')).to.have.length(39);
    const stored = await instanceB.get(payment.id);
    expect(stored.status).to.equal('succeeded');
    expect(stored.version).to.equal(3);
    expect(stored.attempts.map((a) => a.status)).to.deep.equal(['authorised']);
    const events = await instanceA.events(payment.id);
    expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
    expect(events.map((e) => e.paymentVersion)).to.deep.equal([1, 2, 3]);
  });

  it('treats the same outcome applied again as a duplicate, with no new event', async () => {
    const { payment, outcome } = await pendingPayment();
    const first = await receiveOutcome(instanceA, outcome('authorised'));
    const second = await receiveOutcome(instanceB, outcome('authorised'));
    expect(first.verdict).to.equal('applied');
    expect(second.verdict).to.equal('duplicate');
    expect(second.changed).to.equal(false);
    expect((await instanceA.events(payment.id)).map((e) => e.type)).to.deep.equal([
      'payment.created',
      'payment.pending',
      'payment.succeeded',
    ]);
    expect((await instanceB.get(payment.id)).version).to.equal(3);
  });

  it('ends a refusal racing an authorisation in one state that its events tell', async () => {
    for (let round = 0; round < 10; round += 1) {
      const { payment, outcome } = await pendingPayment();
      // Alternate which message is sent first, and from which instance, so both orders get their turn.
      const refusalFirst = round % 2 === 0;
      const refuse = (): Promise<Transition> => receiveOutcome(refusalFirst ? instanceA : instanceB, outcome('refused'));
      const authorise = (): Promise<Transition> => receiveOutcome(refusalFirst ? instanceB : instanceA, outcome('authorised'));
      const [refusal, authorisation] = refusalFirst
        ? await Promise.all([refuse(), authorise()])
        : await Promise.all([authorise(), refuse()]).then(([a, r]) => [r, a] as const);
      const stored = await instanceA.get(payment.id);
      const events = await instanceB.events(payment.id);
      const types = events.map((e) => e.type);

      // Whoever won, the money taken is recorded and the payment is paid.
      expect(stored.status).to.equal('succeeded');
      expect(stored.attempts.map((a) => a.status)).to.deep.equal(['authorised']);
      expect(stored.version).to.equal(4);
      expect(events.map((e) => e.paymentVersion)).to.deep.equal([1, 2, 3, 4]);
      expect(authorisation.verdict).to.equal('applied');
      if (refusal.verdict === 'applied') {
        // The refusal landed first: failed, then paid.
        expect(types).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.succeeded']);
        expect(stored.anomalies).to.deep.equal([]);
      } else {
        // The authorisation landed first: the refusal is a regression, flagged once.
        expect(refusal.verdict).to.equal('anomaly');
        expect(types).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded', 'payment.anomaly']);
        expect(events[3]!.anomaly).to.equal('regression_after_success');
        expect(stored.anomalies).to.deep.equal(['regression_after_success']);
      }
    }
  });

  it('settles repeated refusals and authorisations from both instances on a state its events tell', async () => {
    const { payment, outcome } = await pendingPayment();
    const calls = Array.from({ length: 10 }, (_, i) => [
      receiveOutcome(i % 2 === 0 ? instanceA : instanceB, outcome('refused')),
      receiveOutcome(i % 2 === 0 ? instanceB : instanceA, outcome('authorised')),
    ]).flat();
    await Promise.all(calls);
    const stored = await instanceA.get(payment.id);
    const events = await instanceA.events(payment.id);
    const types = events.map((e) => e.type);
    const after = types.slice(2).join(' ');
    expect(types.slice(0, 2)).to.deep.equal(['payment.created', 'payment.pending']);
    expect(['payment.succeeded payment.anomaly', 'payment.failed payment.succeeded', 'payment.failed payment.succeeded payment.anomaly']).to.include(after);
    expect(stored.status).to.equal('succeeded');
    // One event per winning commit, in commit order; repeats that change nothing leave the version alone.
    expect(events.map((e) => e.paymentVersion)).to.deep.equal(events.map((_, i) => i + 1));
    expect(stored.version).to.equal(events.length);
    expect(stored.anomalies).to.deep.equal(after.endsWith('payment.anomaly') ? ['regression_after_success'] : []);
  });

  it('creates one payment when both instances create for the same reference at once', async () => {
    const reference = `order-${newId('msg')}`;
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? instanceA : instanceB).create(order(reference))),
    );
    const created = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(created).to.have.length(1);
    expect(refused).to.have.length(9);
    expect(refused.every((r) => r.reason instanceof ReferenceConflictError)).to.equal(true);
    expect((await instanceB.list({ reference, limit: 20 })).items).to.have.length(1);
  });
});
