import { expect } from 'chai';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { addConsoleUser, csrfOf, signIn } from '../support/console.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const auth = { Authorization: `Bearer ${API_KEY}` };

describe('console payments pages and roles', () => {
  let gw: TestGateway;
  let bank: ScriptedOperations;
  let viewer: ReturnType<typeof request.agent>;
  let operator: ReturnType<typeof request.agent>;
  let admin: ReturnType<typeof request.agent>;

  before(async () => {
    bank = new ScriptedOperations();
    gw = await testGateway({ connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)] });
    await addConsoleUser(gw, 'viewer@shop.example', 'viewer');
    await addConsoleUser(gw, 'operator@shop.example', 'operator');
    await addConsoleUser(gw, 'admin@shop.example', 'admin');
    viewer = request.agent(gw.app);
    operator = request.agent(gw.app);
    admin = request.agent(gw.app);
    await signIn(viewer, 'viewer@shop.example');
    await signIn(operator, 'operator@shop.example');
    await signIn(admin, 'admin@shop.example');
  });
  after(() => gw.close());

  /** A payment the buyer took to the bank and the bank authorised (card 4242), with manual capture. */
  async function authorised(overrides: Record<string, unknown> = {}): Promise<string> {
    const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment({ capture: 'manual', ...overrides }));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
    const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: created.body.amount, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', capture: 'manual' as const, card: { brand: 'visa', last4: '4242' } };
    const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
    expect(notified.body).to.deep.equal({ status: 'accepted' });
    return created.body.id as string;
  }

  const ids = (res: request.Response): string[] => [...res.text.matchAll(/href="\/console\/payments\/(pay_[A-Za-z0-9_-]{22})"/g)].map((m) => m[1]!);

  it('lets a viewer read but shows no operation button, and refuses an operation with 403 (nothing done)', async () => {
    const id = await authorised();
    const page = await viewer.get(`/console/payments/${id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.not.contain(`/console/payments/${id}/capture`);
    expect(page.text).to.not.contain('href="/console/users"');
    const refused = await viewer.post(`/console/payments/${id}/capture`).type('form').send({ _csrf: csrfOf(page) });
    expect(refused.status).to.equal(403);
    expect(refused.text).to.contain('Your role does not allow this action.');
    expect(bank.callsOf('capture')).to.have.length(0);
    expect((await request(gw.app).get(`/api/v1/payments/${id}`).set(auth)).body.status).to.equal('authorized');
    expect((await viewer.get('/console/users')).status).to.equal(403);
  });

  it('lets an operator capture (buttons shown only for what the status allows; a double submit is one capture), and not manage users', async () => {
    const id = await authorised();
    const page = await operator.get(`/console/payments/${id}`);
    expect(page.text).to.contain(`/console/payments/${id}/capture`).and.contain(`/console/payments/${id}/void`);
    expect(page.text).to.not.contain(`/console/payments/${id}/refund`);
    const formKey = /name="formKey" value="([^"]+-capture)"/.exec(page.text)![1]!;
    const before = bank.callsOf('capture').length;
    const done = await operator.post(`/console/payments/${id}/capture`).type('form').send({ _csrf: csrfOf(page), formKey });
    expect(done.status).to.equal(303);
    const again = await operator.post(`/console/payments/${id}/capture`).type('form').send({ _csrf: csrfOf(page), formKey });
    expect(again.status).to.equal(303);
    expect(bank.callsOf('capture').length - before).to.equal(1);
    expect((await request(gw.app).get(`/api/v1/payments/${id}`).set(auth)).body.status).to.equal('succeeded');
    expect((await operator.get('/console/users')).status).to.equal(403);
    const csrf = csrfOf(await operator.get('/console/payments'));
    expect((await operator.post('/console/users').type('form').send({ _csrf: csrf, email: 'new@shop.example', role: 'admin', password: 'a long enough password' })).status).to.equal(403);
    expect(await gw.app.gateway.consoleUsers.get('new@shop.example')).to.equal(null);
  });

  it('lets an admin add and remove users from the users page', async () => {
    const page = await admin.get('/console/users');
    expect(page.status).to.equal(200);
    expect((await admin.post('/console/users').type('form').send({ _csrf: csrfOf(page), email: 'New@Shop.example', role: 'viewer', password: 'a long enough password' })).status).to.equal(303);
    expect((await gw.app.gateway.consoleUsers.get('new@shop.example'))!.role).to.equal('viewer');
    const short = await admin.post('/console/users').type('form').send({ _csrf: csrfOf(page), email: 'short@shop.example', role: 'viewer', password: 'short' });
    expect(short.status).to.equal(400);
    expect(short.text).to.contain('The password must be at least 12 characters long.');
    expect((await admin.post('/console/users/remove').type('form').send({ _csrf: csrfOf(page), email: 'new@shop.example' })).status).to.equal(303);
    expect(await gw.app.gateway.consoleUsers.get('new@shop.example')).to.equal(null);
  });

  it('lets an admin reset a user\'s password from the users page (the old one stops working, the user is signed out), recorded in the audit log', async () => {
    await addConsoleUser(gw, 'reset@shop.example', 'viewer');
    const user = request.agent(gw.app);
    await signIn(user, 'reset@shop.example');
    expect((await user.get('/console/payments')).status).to.equal(200);
    const page = await admin.get('/console/users');
    const short = await admin.post('/console/users/reset-password').type('form').send({ _csrf: csrfOf(page), email: 'reset@shop.example', password: 'short' });
    expect(short.status).to.equal(400);
    expect((await admin.post('/console/users/reset-password').type('form').send({ _csrf: csrfOf(page), email: 'reset@shop.example', password: 'a brand new long password' })).status).to.equal(303);
    expect((await user.get('/console/payments')).headers.location).to.equal('/console/sign-in?ended=1');
    expect(await gw.app.gateway.consoleUsers.authenticate('reset@shop.example', 'correct horse battery')).to.equal(null);
    expect(await gw.app.gateway.consoleUsers.authenticate('reset@shop.example', 'a brand new long password')).to.not.equal(null);
    const audit = await gw.app.gateway.audit.list({ limit: 10 });
    expect(audit.items[0]).to.deep.include({ action: 'console.user.reset_password', actor: { kind: 'console_user', email: 'admin@shop.example' }, detail: { user: 'reset@shop.example' } });
    const viewerCsrf = csrfOf(await viewer.get('/console/payments'));
    expect((await viewer.post('/console/users/reset-password').type('form').send({ _csrf: viewerCsrf, email: 'reset@shop.example', password: 'a third long password' })).status).to.equal(403);
  });

  it('searches by reference, payment id, buyer email, card last four and bank reference; filters by status, bank, date and amount', async () => {
    const a = await authorised({ amount: 1111, reference: 'search-a', customer: { email: 'Alice@Example.com', locale: 'en' } });
    const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment({ amount: 9999, reference: 'search-b' }));
    const b = created.body.id as string;
    const aPayment = await gw.app.gateway.service.get(a);
    for (const q of ['search-a', a, 'alice@example.com', aPayment.attempts[0]!.ref, `BT-${aPayment.attempts[0]!.ref}`]) {
      expect(ids(await viewer.get('/console/payments').query({ q })), q).to.deep.equal([a]);
    }
    expect(ids(await viewer.get('/console/payments').query({ q: '4242' }))).to.include(a).and.not.include(b);
    expect(ids(await viewer.get('/console/payments').query({ status: 'created' }))).to.include(b).and.not.include(a);
    expect(ids(await viewer.get('/console/payments').query({ min: '9999', max: '9999' }))).to.deep.equal([b]);
    expect(ids(await viewer.get('/console/payments').query({ connector: 'native', q: 'search-b' }))).to.deep.equal([b]);
    const today = new Date(gw.clock.now).toISOString().slice(0, 10);
    expect(ids(await viewer.get('/console/payments').query({ from: today, to: today, q: 'search-b' }))).to.deep.equal([b]);
    expect(ids(await viewer.get('/console/payments').query({ to: '2000-01-01' }))).to.deep.equal([]);
    const bad = await viewer.get('/console/payments').query({ min: 'lots', from: 'yesterday' });
    expect(bad.status).to.equal(400);
  });

  it('pages with a cursor and exports the filtered list as CSV, quoted and formula-safe', async () => {
    const made: string[] = [];
    for (let i = 0; i < 30; i++) made.push((await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment({ amount: 777, reference: i === 0 ? '-2-3' : `page-${i}` }))).body.id as string);
    const first = await viewer.get('/console/payments').query({ min: '777', max: '777' });
    const next = /rel="next" href="([^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const second = await viewer.get(next);
    expect(ids(first)).to.have.length(25);
    expect([...ids(first), ...ids(second)]).to.deep.equal([...made].reverse());
    expect(second.text).to.not.contain('rel="next"');

    const csv = await viewer.get('/console/payments.csv').query({ min: '777', max: '777' });
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).to.equal('attachment; filename="payments.csv"');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).to.equal('id,reference,status,amount,currency,connector,buyer_email,card_last4,bank_reference,created_at');
    expect(lines).to.have.length(31);
    // A reference a spreadsheet would compute (-2-3) stays text.
    expect(lines.at(-1)).to.contain(`${made[0]},'-2-3,created,777,EUR,native,buyer@example.com`);
  });

  it('shows a payment\'s timeline newest first: creation, the attempt and the bank\'s verified answer, the capture, the deliveries', async () => {
    const id = await authorised();
    const page = await operator.get(`/console/payments/${id}`);
    const formKey = /name="formKey" value="([^"]+-capture)"/.exec(page.text)![1]!;
    await operator.post(`/console/payments/${id}/capture`).type('form').send({ _csrf: csrfOf(page), formKey, amount: '1000' });
    await outboxDrained(gw);
    const detail = await viewer.get(`/console/payments/${id}`);
    const whats = [...detail.text.matchAll(/<li class="timeline-([a-z_]+)"><time datetime="([^"]+)">[^<]*<\/time> <strong>([^<]+)<\/strong>/g)].map((m) => ({ kind: m[1]!, at: m[2]!, what: m[3]! }));
    const times = whats.map((w) => w.at);
    expect(times).to.deep.equal([...times].sort().reverse());
    const kinds = whats.map((w) => `${w.kind}:${w.what}`);
    for (const expected of ['event:payment.created', 'event:payment.pending', 'event:payment.authorized', 'event:payment.captured', 'attempt:sent_to_bank', 'bank_answer:authorised']) expect(kinds).to.include(expected);
    expect(kinds.some((k) => k.startsWith('delivery:email'))).to.equal(true);
    expect(detail.text).to.contain('bank reference: BT-');
    expect(detail.text).to.contain('visa •••• 4242');
    expect(kinds.indexOf('event:payment.created')).to.be.greaterThan(kinds.indexOf('event:payment.captured'));
  });
});
