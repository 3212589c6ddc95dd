import { expect } from 'chai';
import { ValidationError } from '../../src/core/errors.js';
import { PaymentService, type NewPayment, type PaymentConnectors } from '../../src/service/payment-service.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';

/** Two connectors: `native` (the default) charges anything, `picky` refuses odd amounts. */
const CONNECTORS: PaymentConnectors = {
  defaultName: 'native',
  names: () => ['native', 'picky'],
  has: (name) => name === 'native' || name === 'picky',
  get: (name) => (name === 'picky' ? { cannotCharge: (amount, currency) => (amount % 2 === 1 ? `picky cannot charge ${amount} ${currency}` : null) } : {}),
};

function order(overrides: Partial<NewPayment> = {}): NewPayment {
  return { amount: 1000, currency: 'EUR', reference: `rules-${Math.random().toString(36).slice(2)}`, description: null, customer: null, returnUrl: null, metadata: {}, ...overrides };
}

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('service: the connector rules of a new payment', () => {
  let store: MemoryPaymentStore;
  let service: PaymentService;

  beforeEach(() => {
    store = new MemoryPaymentStore();
    service = new PaymentService(store, { connectors: CONNECTORS, ttlMs: 60_000, attemptReuseMs: 0 });
  });

  const stored = async () => (await store.listPayments({ limit: 10 })).items.length;

  it('gives a payment that names no connector the default one, and keeps a named one', async () => {
    expect((await service.create(order())).payment.connector).to.equal('native');
    expect((await service.create(order({ connector: 'picky' }))).payment.connector).to.equal('picky');
  });

  it('refuses a connector that is not configured, naming the configured ones, and stores nothing', async () => {
    const err = await refusal(service.create(order({ connector: 'stripe' })));
    expect(err.errors).to.deep.equal([{ field: 'connector', message: 'connector must be one of: native, picky' }]);
    expect(await stored()).to.equal(0);
  });

  it("refuses an amount the connector cannot charge with the connector's own words, and stores nothing", async () => {
    const err = await refusal(service.create(order({ connector: 'picky', amount: 1001 })));
    expect(err.errors).to.deep.equal([{ field: 'amount', message: 'picky cannot charge 1001 EUR' }]);
    expect(await stored()).to.equal(0);
    expect((await service.create(order({ connector: 'picky', amount: 1002 }))).payment.amount).to.equal(1002);
  });
});
