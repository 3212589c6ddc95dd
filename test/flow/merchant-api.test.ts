import { expect } from 'chai';
import request from 'supertest';
import { API_KEY, OTHER_API_KEY, SHOP, testGateway, validPayment, type TestGateway } from '../support/gateway.js';

const PROBLEM = 'application/problem+json';

describe('merchant API', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await testGateway();
  });
  afterEach(() => gw.close());

  const api = () => request(gw.app);
  const auth = { Authorization: `Bearer ${API_KEY}` };
  const create = (body: unknown, headers: Record<string, string> = {}) => api().post('/api/v1/payments').set(auth).set(headers).send(body as object);
  const countPayments = async () => (await api().get('/api/v1/payments?limit=100').set(auth)).body.items.length as number;

  describe('authentication', () => {
    it('refuses a missing, malformed or unknown key with 401 problem+json', async () => {
      for (const header of [undefined, 'Basic abc', `Bearer ${API_KEY}x`, 'Bearer ', `bearer${API_KEY}`]) {
        const req = api().post('/api/v1/payments').send(validPayment());
        const res = await (header ? req.set('Authorization', header) : req);
        expect(res.status, String(header)).to.equal(401);
        expect(res.headers['content-type']).to.contain(PROBLEM);
        expect(res.headers['www-authenticate']).to.equal('Bearer');
        expect(res.body.type).to.match(/\/problems\/unauthorized$/);
      }
      expect(await countPayments()).to.equal(0);
    });

    it('accepts every configured key, so a key can be rotated', async () => {
      expect((await create(validPayment())).status).to.equal(201);
      expect((await api().post('/api/v1/payments').set('Authorization', `Bearer ${OTHER_API_KEY}`).send(validPayment())).status).to.equal(201);
    });

    it('takes the Bearer scheme in any letter case (RFC 9110 auth schemes are case-insensitive)', async () => {
      for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
        const res = await api().post('/api/v1/payments').set('Authorization', `${scheme} ${API_KEY}`).send(validPayment());
        expect(res.status, scheme).to.equal(201);
      }
      expect((await api().get('/api/v1/payments').set('Authorization', `bearer ${API_KEY}x`)).status).to.equal(401);
    });

    it('does not take the key from the query string', async () => {
      const res = await api().get(`/api/v1/payments?api_key=${API_KEY}`);
      expect(res.status).to.equal(401);
    });
  });

  describe('POST /api/v1/payments', () => {
    it('creates a payment with an unguessable id and a checkout URL', async () => {
      const body = validPayment({ reference: 'order-1042' });
      const res = await create(body);
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(/^pay_[A-Za-z0-9_-]{22}$/);
      expect(res.body).to.include({ status: 'created', amount: 2480, currency: 'EUR', reference: 'order-1042', description: 'A T-shirt', returnUrl: `${SHOP}/orders/1` });
      expect(res.body.metadata).to.deep.equal({ cart: '42' });
      expect(res.body.checkoutUrl).to.equal(`http://gateway.test/checkout/${res.body.id}`);
      expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).to.equal(30 * 60_000);
      expect(res.headers.location).to.equal(`/api/v1/payments/${res.body.id}`);
    });

    it('takes an optional connector among the configured ones', async () => {
      const res = await create(validPayment({ connector: 'native' }));
      expect(res.status).to.equal(201);
      expect(res.body.connector).to.equal('native');
    });

    it('uses the ISO 4217 minor units of each currency', async () => {
      expect((await create(validPayment({ amount: 1500, currency: 'JPY' }))).status).to.equal(201);
      expect((await create(validPayment({ amount: 1, currency: 'BHD' }))).status).to.equal(201);
    });

    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['zero amount', { amount: 0 }, 'amount'],
      ['decimal amount', { amount: 24.8 }, 'amount'],
      ['string amount', { amount: '2480' }, 'amount'],
      ['amount over the maximum', { amount: 1_000_001 }, 'amount'],
      ['unknown currency', { currency: 'ZZZ' }, 'currency'],
      ['lower-case currency', { currency: 'eur' }, 'currency'],
      ['non-payable ISO code', { currency: 'XAU' }, 'currency'],
      ['reference with a space', { reference: 'order 1' }, 'reference'],
      ['reference too long', { reference: 'a'.repeat(65) }, 'reference'],
      ['empty reference', { reference: '' }, 'reference'],
      ['return URL off the allow-list', { returnUrl: 'https://evil.example/x' }, 'returnUrl'],
      ['relative return URL', { returnUrl: '/orders/1' }, 'returnUrl'],
      ['javascript return URL', { returnUrl: 'javascript:alert(1)' }, 'returnUrl'],
      ['too many metadata keys', { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      ['non-string metadata value', { metadata: { n: 1 } }, 'metadata.n'],
      ['unsupported locale', { customer: { locale: 'de' } }, 'customer.locale'],
      ['bad email', { customer: { email: 'not-an-email' } }, 'customer.email'],
      ['unknown field', { colour: 'blue' }, 'colour'],
      ['connector that is not configured', { connector: 'stripe' }, 'connector'],
    ];
    for (const [name, override, field] of bad) {
      it(`refuses ${name} with 400 naming ${field}, creating nothing`, async () => {
        const res = await create(validPayment(override));
        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.contain(PROBLEM);
        expect(res.body.type).to.match(/\/problems\/validation_failed$/);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
        expect(await countPayments()).to.equal(0);
      });
    }

    it('reports an unconfigured connector together with the other bad fields, in one answer', async () => {
      const res = await create(validPayment({ connector: 'stripe', amount: 0, reference: 'order 1' }));
      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).to.deep.equal(['amount', 'connector', 'reference']);
      expect(res.body.errors).to.deep.include({ field: 'connector', message: 'connector must be one of: native' });
      expect(await countPayments()).to.equal(0);
    });

    /** The JSON text of a valid payment with `replace` applied: for bodies an object literal cannot express. */
    const rawBody = (replace: (json: string) => string, overrides: Record<string, unknown> = {}) => replace(JSON.stringify(validPayment(overrides)));
    const createRaw = (body: string) => api().post('/api/v1/payments').set(auth).set('Content-Type', 'application/json').send(body);

    it('refuses a metadata key __proto__ with 400 naming it, instead of dropping it', async () => {
      const res = await createRaw(rawBody((json) => json.replace('"PROTO"', '"__proto__"'), { metadata: { cart: '42', PROTO: 'x' } }));
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.deep.include({ field: 'metadata.__proto__', message: 'metadata keys may not be __proto__' });
      expect(await countPayments()).to.equal(0);
    });

    it('keeps metadata keys constructor and prototype as ordinary keys', async () => {
      const res = await create(validPayment({ metadata: { constructor: 'a', prototype: 'b' } }));
      expect(res.status).to.equal(201);
      expect(res.body.metadata).to.deep.equal({ constructor: 'a', prototype: 'b' });
      const read = await api().get(`/api/v1/payments/${res.body.id}`).set(auth);
      expect(read.body.metadata).to.deep.equal({ constructor: 'a', prototype: 'b' });
    });

    const duplicated: Array<[string, (json: string) => string, string]> = [
      ['a top-level key', (json) => json.replace('{', '{"amount":1,'), 'amount'],
      ['a key spelled with an escape', (json) => json.replace('{', '{"am\\u006funt":1,'), 'amount'],
      ['a metadata key', (json) => json.replace('"cart":"42"', '"cart":"42","cart":"43"'), 'metadata.cart'],
      ['a customer key', (json) => json.replace('"locale":"en"', '"locale":"en","locale":"fr"'), 'customer.locale'],
    ];
    for (const [name, edit, field] of duplicated) {
      it(`refuses a body with ${name} given twice (400 naming ${field}), creating nothing`, async () => {
        const res = await createRaw(rawBody(edit));
        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.contain(PROBLEM);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal([field]);
        expect(await countPayments()).to.equal(0);
      });
    }

    it('accepts the same key in different objects and key-like text inside strings', async () => {
      const res = await create(validPayment({ description: 'the "amount":1, "cart" \\" {', metadata: { email: 'x', locale: 'y', amount: '1' } }));
      expect(res.status).to.equal(201);
    });

    it('counts description characters as code points, and says so', async () => {
      const emoji = '\u{1F455}';
      expect((await create(validPayment({ description: emoji.repeat(255) }))).status).to.equal(201);
      const long = await create(validPayment({ description: emoji.repeat(256) }));
      expect(long.status).to.equal(400);
      expect(long.body.errors).to.deep.equal([{ field: 'description', message: 'description must be at most 255 characters' }]);
    });

    it('names every bad field at once', async () => {
      const res = await create({ amount: -1, currency: 'EURO' });
      expect(res.status).to.equal(400);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).to.include.members(['amount', 'currency', 'reference']);
    });

    it('answers 400 to malformed JSON, 415 to another content type, 413 to a body over the limit', async () => {
      const malformed = await api().post('/api/v1/payments').set(auth).set('Content-Type', 'application/json').send('{"amount": 1,');
      expect(malformed.status).to.equal(400);
      expect(malformed.headers['content-type']).to.contain(PROBLEM);
      const text = await api().post('/api/v1/payments').set(auth).set('Content-Type', 'text/plain').send('amount=1');
      expect(text.status).to.equal(415);
      expect(text.headers['content-type']).to.contain(PROBLEM);
      const form = await api().post('/api/v1/payments').set(auth).type('form').send({ amount: '1' });
      expect(form.status).to.equal(415);
      const huge = await create(validPayment({ description: 'x'.repeat(40_000) }));
      expect(huge.status).to.equal(413);
      expect(huge.headers['content-type']).to.contain(PROBLEM);
      const array = await create([validPayment()]);
      expect(array.status).to.equal(400);
      expect(await countPayments()).to.equal(0);
    });

    it('gives back the same answer for the same Idempotency-Key and body, 422 for another body', async () => {
      const body = validPayment();
      const first = await create(body, { 'Idempotency-Key': 'key-1' });
      const again = await create({ ...body }, { 'Idempotency-Key': 'key-1' });
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      const other = await create({ ...body, amount: 999 }, { 'Idempotency-Key': 'key-1' });
      expect(other.status).to.equal(422);
      expect(other.body.type).to.match(/\/problems\/idempotency_mismatch$/);
      expect(await countPayments()).to.equal(1);
    });

    it('keeps one open payment per reference (409 naming it) and frees the reference after cancellation', async () => {
      const first = await create(validPayment({ reference: 'order-7' }));
      const second = await create(validPayment({ reference: 'order-7' }));
      expect(second.status).to.equal(409);
      expect(second.body.existingPaymentId).to.equal(first.body.id);
      expect(second.body.type).to.match(/\/problems\/reference_conflict$/);
      expect((await api().post(`/api/v1/payments/${first.body.id}/cancel`).set(auth)).body.status).to.equal('cancelled');
      expect((await create(validPayment({ reference: 'order-7' }))).status).to.equal(201);
    });

    it('frees the reference once the payment expired', async () => {
      const first = await create(validPayment({ reference: 'order-8' }));
      gw.clock.advance(31 * 60_000);
      const second = await create(validPayment({ reference: 'order-8' }));
      expect(second.status).to.equal(201);
      expect((await api().get(`/api/v1/payments/${first.body.id}`).set(auth)).body.status).to.equal('expired');
    });

    it('audits a create that freed its reference from an overdue payment, as any other create', async () => {
      const first = await create(validPayment({ reference: 'order-9' }));
      gw.clock.advance(31 * 60_000);
      const second = await create(validPayment({ reference: 'order-9' }));
      expect(second.status).to.equal(201);
      const entries = (await gw.app.gateway.audit.list({ limit: 10 })).items.filter((e) => e.action === 'api.payment.create');
      expect(entries.map((e) => e.paymentId)).to.deep.equal([second.body.id, first.body.id]);
    });
  });

  describe('reading and cancelling', () => {
    it('returns a payment with its events, and 404 for an unknown id', async () => {
      const created = await create(validPayment());
      const res = await api().get(`/api/v1/payments/${created.body.id}`).set(auth);
      expect(res.status).to.equal(200);
      expect(res.body.events.map((e: { type: string }) => e.type)).to.deep.equal(['payment.created']);
      expect(res.body.attempts).to.deep.equal([]);
      const missing = await api().get('/api/v1/payments/pay_AAAAAAAAAAAAAAAAAAAAAA').set(auth);
      expect(missing.status).to.equal(404);
      expect(missing.headers['content-type']).to.contain(PROBLEM);
    });

    it('lists newest first with filters and cursor paging', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await create(validPayment({ reference: `list-${i}` }))).body.id);
      await api().post(`/api/v1/payments/${ids[1]}/cancel`).set(auth);
      const page1 = await api().get('/api/v1/payments?limit=2').set(auth);
      expect(page1.body.items.map((p: { id: string }) => p.id)).to.deep.equal([ids[4], ids[3]]);
      const page2 = await api().get(`/api/v1/payments?limit=2&cursor=${page1.body.nextCursor}`).set(auth);
      expect(page2.body.items.map((p: { id: string }) => p.id)).to.deep.equal([ids[2], ids[1]]);
      const byRef = await api().get('/api/v1/payments?reference=list-3').set(auth);
      expect(byRef.body.items.map((p: { id: string }) => p.id)).to.deep.equal([ids[3]]);
      const cancelled = await api().get('/api/v1/payments?status=cancelled').set(auth);
      expect(cancelled.body.items.map((p: { id: string }) => p.id)).to.deep.equal([ids[1]]);
      const bad = await api().get('/api/v1/payments?status=paid&limit=1000').set(auth);
      expect(bad.status).to.equal(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).to.have.members(['status', 'limit']);
    });

    it('refuses to cancel a succeeded payment with 409', async () => {
      const created = await create(validPayment());
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      await gw.app.gateway.service.receiveBankMessage('native', { outcome: { attemptRef: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR' } });
      const res = await api().post(`/api/v1/payments/${created.body.id}/cancel`).set(auth);
      expect(res.status).to.equal(409);
      expect(res.headers['content-type']).to.contain(PROBLEM);
      // The problem's `status` is the HTTP status (RFC 9457); the payment's own status has its own member.
      expect(res.body).to.include({ status: 409, paymentStatus: 'succeeded' });
      expect((await api().get(`/api/v1/payments/${created.body.id}`).set(auth)).body.status).to.equal('succeeded');
    });

    it('answers unknown API paths with a 404 problem', async () => {
      const res = await api().get('/api/v1/nothing').set(auth);
      expect(res.status).to.equal(404);
      expect(res.headers['content-type']).to.contain(PROBLEM);
    });
  });
});
