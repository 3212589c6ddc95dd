import { expect } from 'chai';
import fc from 'fast-check';
import request from 'supertest';
import type { PaymentPage } from '../../src/store/payment-store.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';

function sameMessage(a: string, b: string): boolean {
  const pa = a.split('.');
  const pb = b.split('.');
  return pa.length === 3 && pb.length === 3 && pa.every((part, i) => Buffer.from(part, 'base64url').equals(Buffer.from(pb[i]!, 'base64url')) && /^[A-Za-z0-9_-]*$/.test(part));
}

/**
 * Generated inputs against the merchant API and the bank callbacks: never a 500, never a state change
 * from a bad message, never an unhandled rejection. Bounded in runs and in time so CI stays predictable.
 */
describe('fuzzing the public endpoints', function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let paymentId: string;
  let attemptRef: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    gw = await testGateway({ env: { RATE_LIMIT_API: '1000000', RATE_LIMIT_BUYER: '1000000' } });
    paymentId = (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ reference: 'fuzz-target' }))).body.id;
    attemptRef = (await gw.app.gateway.service.startAttempt(paymentId, 'native')).attempt!.ref;
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gw.close();
  });

  const snapshot = async () => JSON.stringify([await gw.app.gateway.store.getPayment(paymentId), await gw.app.gateway.store.listEvents(paymentId)]);
  const settings = { numRuns: 1500, interruptAfterTimeLimit: 25_000, markInterruptAsFailure: false } as const;

  /** Every payment the store holds, over every page: one page (at most 100) would stop growing at 100 payments. */
  const paymentCount = async (): Promise<number> => {
    let count = 0;
    let cursor: string | null = null;
    do {
      const page: PaymentPage = await gw.app.gateway.store.listPayments({ limit: 100, ...(cursor !== null ? { cursor } : {}) });
      count += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return count;
  };

  it('merchant API: arbitrary JSON bodies never give a 500 and only a 201 creates', async () => {
    const field = fc.oneof(fc.constantFrom('amount', 'currency', 'reference', 'description', 'customer', 'returnUrl', 'metadata', 'connector', '__proto__', 'constructor'), fc.string({ maxLength: 12 }));
    const value = fc.oneof(fc.anything({ maxDepth: 3 }), fc.integer(), fc.double(), fc.constantFrom('EUR', 'JPY', 'ZZZ', '', 'https://shop.example/x', 'javascript:alert(1)', '4242424242424242'));
    const body = fc.oneof(fc.dictionary(field, value, { maxKeys: 8 }), fc.record({ amount: fc.integer({ min: -5, max: 2_000_000 }), currency: fc.constantFrom('EUR', 'JPY', 'BHD', 'eur', 'XAU'), reference: fc.string({ maxLength: 70 }) }), fc.anything());
    // Arbitrary bodies are rarely valid, and the few that are repeat the same short references (each
    // repeat a 409): alone they create a couple of dozen payments whatever the number of runs. So half
    // the runs send a valid payment under a reference no run has used, with at most one field changed
    // or left out: most are created, and the count checked below grows with the runs.
    const change = fc.record({ field: fc.constantFrom('amount', 'currency', 'reference', 'description', 'customer', 'returnUrl', 'metadata', 'connector', '__proto__'), to: fc.oneof(fc.constant(undefined), value) });
    const generated = fc.oneof(
      body.map((b) => ({ kind: 'arbitrary' as const, body: b })),
      fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: change }).map((c) => ({ kind: 'nearly valid' as const, change: c })),
    );
    const nearlyValid = (c: { field: string; to: unknown } | null, run: number): Record<string, unknown> => {
      const payment = validPayment({ reference: `fuzz-run-${run}` });
      // An own property even for __proto__ (an assignment would change the prototype), so JSON.stringify sends it;
      // `undefined` leaves the field out.
      if (c !== null) Object.defineProperty(payment, c.field, { value: c.to, enumerable: true, writable: true, configurable: true });
      return payment;
    };
    let runs = 0;
    let created = 0;
    const start = await paymentCount();
    // Nothing else writes while the property runs: the count after one run is the count before the next.
    let count = start;
    await fc.assert(
      fc.asyncProperty(generated, async (g) => {
        runs += 1;
        const b = g.kind === 'arbitrary' ? g.body : nearlyValid(g.change, runs);
        const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).set('Content-Type', 'application/json').send(JSON.stringify(b) ?? 'null');
        expect([201, 400, 409, 413, 415, 422], JSON.stringify(res.body)).to.include(res.status);
        expect(res.headers['content-type']).to.match(res.status === 201 ? /application\/json/ : /application\/problem\+json/);
        const after = await paymentCount();
        const grown = after - count;
        count = after;
        expect(grown, `${res.status} ${JSON.stringify(res.body)}`).to.equal(res.status === 201 ? 1 : 0);
        if (res.status === 201) created += 1;
      }),
      settings,
    );
    expect(runs).to.be.greaterThan(0);
    expect(created, `${created} payments created in ${runs} runs`).to.be.at.least(Math.ceil(runs / 4));
    expect(await paymentCount()).to.equal(start + created);
  });

  it('merchant API: raw bytes and odd content types never give a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'), async (raw, type) => {
        const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).set('Content-Type', type).send(raw);
        expect(res.status).to.be.lessThan(500);
      }),
      { ...settings, numRuns: 800 },
    );
  });

  it('bank notification and return: arbitrary and mutated messages never give a 500 nor change the payment', async () => {
    const valid = await gw.bank.sign({ ref: attemptRef, status: 'refused', amount: 2480, currency: 'EUR', bank_txn_id: 'B1' });
    const mutated = fc.tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 })).map(([i, s]) => valid.slice(0, i) + s + valid.slice(i + s.length));
    const token = fc.oneof(fc.string({ maxLength: 300 }), mutated, fc.constantFrom('', '.', '..', 'a.b.c', `${valid}.x`, valid.split('.').reverse().join('.')));
    const fields = fc.oneof(token.map((t) => ({ response: t })), fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 50 }), { maxKeys: 5 }));
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fields, fc.boolean(), async (f, asReturn) => {
        // A mutation of the last base64url character can leave the decoded bytes unchanged (spare bits):
        // that is the same signed message, not a forgery, so it is skipped.
        if (typeof f.response === 'string' && sameMessage(f.response, valid)) return;
        const res = await request(gw.app).post(asReturn ? '/bank/native/return' : '/bank/native/notify').type('form').send(f);
        expect(res.status).to.be.oneOf(asReturn ? [303, 400, 404] : [400]);
      }),
      settings,
    );
    expect(await snapshot()).to.equal(before);
    expect(unhandled).to.deep.equal([]);
  });

  it('buyer pages: arbitrary paths and forms never give a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 40 }), { maxKeys: 4 }), async (segment, form) => {
        const path = `/checkout/${encodeURIComponent(segment)}`;
        const get = await request(gw.app).get(path);
        expect(get.status).to.be.lessThan(500);
        const post = await request(gw.app).post(`${path}/pay`).type('form').send(form);
        expect(post.status).to.be.lessThan(500);
      }),
      { ...settings, numRuns: 600 },
    );
    expect(unhandled).to.deep.equal([]);
  });
});
