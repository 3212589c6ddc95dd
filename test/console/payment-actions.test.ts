import { expect } from 'chai';
import request from 'supertest';
import { apiKeyName } from '../../src/http/middleware/api-key-auth.js';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { addConsoleUser, csrfOf, signIn } from '../support/console.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const auth = { Authorization: `Bearer ${API_KEY}` };
const decoded = (html: string) => html.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

describe('console operations: confirmation, idempotency, refusals and the audit log', () => {
  let gw: TestGateway;
  let bank: ScriptedOperations;
  let viewer: ReturnType<typeof request.agent>;
  let operator: ReturnType<typeof request.agent>;

  before(async () => {
    bank = new ScriptedOperations();
    gw = await testGateway({ connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)] });
    await addConsoleUser(gw, 'viewer@shop.example', 'viewer');
    await addConsoleUser(gw, 'operator@shop.example', 'operator');
    viewer = request.agent(gw.app);
    operator = request.agent(gw.app);
    await signIn(viewer, 'viewer@shop.example');
    await signIn(operator, 'operator@shop.example');
  });
  after(() => gw.close());

  /** A payment paid at the bank (automatic capture) for 24,80 €. */
  async function paid(): Promise<string> {
    const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment());
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
    const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: created.body.amount, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
    const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
    expect(notified.body).to.deep.equal({ status: 'accepted' });
    return created.body.id as string;
  }

  /** The confirmation page the payment page's form for `op` leads to, with `fields` typed in. */
  async function confirmPage(agent: ReturnType<typeof request.agent>, id: string, op: string, fields: Record<string, string> = {}, lang = 'en') {
    const page = await agent.get(`/console/payments/${id}`).set('Accept-Language', lang);
    const formKey = new RegExp(`name="formKey" value="([^"]+-${op})"`).exec(page.text)?.[1];
    expect(formKey, `no ${op} form`).to.be.a('string');
    return agent.get(`/console/payments/${id}/${op}`).query({ formKey, ...fields }).set('Accept-Language', lang);
  }

  function confirmFields(page: request.Response): Record<string, string> {
    const form = /<form method="post" action="\/console\/payments\/[^"]+" class="confirm">([\s\S]*?)<\/form>/.exec(page.text)![1]!;
    return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decoded(m[2]!)]));
  }

  it('refunds part of a payment after a confirmation page showing the amount and what remains refundable; a double submit refunds once', async () => {
    const id = await paid();
    const page = await operator.get(`/console/payments/${id}`);
    expect(page.text).to.contain('Still refundable: <strong data-refundable>€24.80</strong>');
    const confirm = await confirmPage(operator, id, 'refund', { amount: '1000', reason: 'damaged' });
    expect(confirm.status).to.equal(200);
    expect(confirm.text).to.contain('Refund this payment?').and.contain('<dd data-remaining>€24.80</dd>').and.contain('<dd data-amount>€10.00</dd>');
    // Showing the confirmation did nothing.
    expect(bank.callsOf('refund')).to.have.length(0);
    const fields = confirmFields(confirm);
    expect(fields).to.include({ amount: '1000', reason: 'damaged' });
    const done = await operator.post(`/console/payments/${id}/refund`).type('form').send(fields);
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal(`/console/payments/${id}?done=1`);
    const again = await operator.post(`/console/payments/${id}/refund`).type('form').send(fields);
    expect(again.status).to.equal(303);
    expect(bank.callsOf('refund')).to.have.length(1);
    const refunds = (await request(gw.app).get(`/api/v1/payments/${id}/refunds`).set(auth)).body;
    expect(refunds.items).to.have.length(1);
    const after = await operator.get(`/console/payments/${id}`);
    expect(after.text).to.contain('Still refundable: <strong data-refundable>€14.80</strong>');
    const audit = await gw.app.gateway.audit.list({ limit: 50 });
    const refundsAudited = audit.items.filter((e) => e.action === 'console.refund' && e.paymentId === id);
    expect(refundsAudited).to.have.length(1);
    expect(refundsAudited[0]!.actor).to.deep.equal({ kind: 'console_user', email: 'operator@shop.example' });
    expect(refundsAudited[0]!.detail).to.include({ amount: 1000, reason: 'damaged', status: 'succeeded' });
  });

  it('shows the service\'s refusal as a readable page (more than refundable), in French too, and refunds nothing', async () => {
    const id = await paid();
    const before = bank.callsOf('refund').length;
    const confirm = await confirmPage(operator, id, 'refund', { amount: '999999' }, 'fr');
    expect(confirm.text).to.contain('Rembourser ce paiement ?').and.contain('Encore remboursable');
    expect(confirm.text).to.match(/24,80\s€/);
    const refused = await operator.post(`/console/payments/${id}/refund`).set('Accept-Language', 'fr').type('form').send(confirmFields(confirm));
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('Ce montant dépasse ce qui peut encore être remboursé.');
    expect(bank.callsOf('refund').length).to.equal(before);
    const bad = await confirmPage(operator, id, 'refund', { amount: '12.50' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('A whole number of minor units');
  });

  it('refuses a viewer the confirmation page and the operation (403), and a form replayed without its CSRF token', async () => {
    const id = await paid();
    expect((await viewer.get(`/console/payments/${id}/refund`)).status).to.equal(403);
    const confirm = await confirmPage(operator, id, 'refund', { amount: '100' });
    const fields = confirmFields(confirm);
    const viewerCsrf = csrfOf(await viewer.get('/console/payments'));
    const forced = await viewer.post(`/console/payments/${id}/refund`).type('form').send({ ...fields, _csrf: viewerCsrf });
    expect(forced.status).to.equal(403);
    const { _csrf: _dropped, ...withoutToken } = fields;
    expect((await operator.post(`/console/payments/${id}/refund`).type('form').send(withoutToken)).status).to.equal(403);
    expect(bank.callsOf('refund').filter((c) => c.paymentId === id)).to.have.length(0);
  });

  it('redelivers one event to one target after confirmation, only an event of this payment', async () => {
    const id = await paid();
    await outboxDrained(gw);
    const events = await gw.app.gateway.service.events(id);
    const succeeded = events.find((e) => e.type === 'payment.succeeded')!;
    const confirm = await confirmPage(operator, id, 'redeliver', { event: succeeded.id, target: 'email:buyer' });
    expect(confirm.status, confirm.text.slice(0, 3000)).to.equal(200);
    expect(confirm.text).to.contain('Redeliver this event?').and.contain(`payment.succeeded (${succeeded.id})`).and.contain('email:buyer');
    const before = (await gw.app.gateway.store.outbox.getEvent(succeeded.id))!.deliveries.find((d) => d.target === 'email:buyer')!.attempts.length;
    expect((await operator.post(`/console/payments/${id}/redeliver`).type('form').send(confirmFields(confirm))).status).to.equal(303);
    await outboxDrained(gw);
    const after = (await gw.app.gateway.store.outbox.getEvent(succeeded.id))!.deliveries.find((d) => d.target === 'email:buyer')!.attempts.length;
    expect(after).to.equal(before + 1);
    const other = await paid();
    const otherEvent = (await gw.app.gateway.service.events(other))[0]!;
    const wrong = await operator.post(`/console/payments/${id}/redeliver`).type('form').send({ ...confirmFields(confirm), event: otherEvent.id });
    expect(wrong.status).to.equal(400);
    const audit = await gw.app.gateway.audit.list({ limit: 50 });
    expect(audit.items.filter((e) => e.action === 'console.redeliver' && e.paymentId === id).map((e) => e.detail)).to.deep.equal([{ event: succeeded.id, target: 'email:buyer' }]);
  });

  it('records API operations with the key\'s name, never the key, once per operation (not for a replay) and before they are answered, and shows the log to operators, not viewers', async () => {
    const id = await paid();
    const refund = () => request(gw.app).post(`/api/v1/payments/${id}/refunds`).set(auth).set('Idempotency-Key', `rf-${id}`).send({ amount: 500 });
    const first = await refund();
    expect(first.status).to.equal(201);
    const replay = await refund();
    expect(replay.headers['idempotent-replayed']).to.equal('true');
    const audit = await gw.app.gateway.audit.list({ limit: 100 });
    const mine = audit.items.filter((e) => e.paymentId === id);
    expect(mine.map((e) => e.action)).to.deep.equal(['api.payment.refund', 'api.payment.create']);
    for (const e of mine) expect(e.actor).to.deep.equal({ kind: 'api_key', name: apiKeyName(API_KEY) });
    expect(JSON.stringify(audit.items)).to.not.contain(API_KEY);
    expect(mine[0]!.detail).to.deep.equal({ refund: first.body.id, amount: 500, status: 'succeeded' });
    const page = await operator.get('/console/audit');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`key:${apiKeyName(API_KEY)}`).and.contain('api.payment.refund').and.contain('operator@shop.example').and.not.contain(API_KEY);
    expect((await viewer.get('/console/audit')).status).to.equal(403);
    expect((await viewer.get('/console/payments')).text).to.not.contain('href="/console/audit"');
  });
});
