import { expect } from 'chai';
import { PaymentService } from '../../src/service/payment-service.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { connectorsNamed } from '../support/payment-connectors.js';

/** Pay hands the service the payment it has just read: no second read, and a stale copy is no harm. */
describe('service: starting an attempt on a payment the caller has read', () => {
  let store: MemoryPaymentStore;
  let service: PaymentService;
  let reads: number;

  beforeEach(() => {
    store = new MemoryPaymentStore();
    service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 600_000 });
    reads = 0;
    const get = store.getPayment.bind(store);
    store.getPayment = (id: string) => {
      reads += 1;
      return get(id);
    };
  });

  const create = async () =>
    (await service.create({ amount: 1999, currency: 'EUR', reference: `start-${Math.random().toString(36).slice(2)}`, description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' })).payment;

  it('starts it from the copy given, without reading the payment again', async () => {
    const payment = await create();
    reads = 0;
    const { attempt, payment: after } = await service.startAttempt(payment.id, 'native', payment);
    expect(reads).to.equal(0);
    expect(after.status).to.equal('pending');
    expect(after.version).to.equal(payment.version + 1);
    expect(attempt?.ref).to.be.a('string');
  });

  it('reads the payment again when the copy given is stale, and gives the attempt already open (no second one)', async () => {
    const stale = await create();
    const first = await service.startAttempt(stale.id, 'native');
    reads = 0;
    const again = await service.startAttempt(stale.id, 'native', stale);
    expect(reads, 'the version check failed on the stale copy, then one read').to.equal(1);
    expect(again.attempt?.ref).to.equal(first.attempt?.ref);
    expect(again.payment.attempts).to.have.length(1);
    expect((await store.getPayment(stale.id))!.version).to.equal(first.payment.version);
  });
});
