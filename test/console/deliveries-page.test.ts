import { expect } from 'chai';
import request from 'supertest';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { addConsoleUser, csrfOf, signIn } from '../support/console.js';

const auth = { Authorization: `Bearer ${API_KEY}` };

describe('console deliveries page', () => {
  let gw: TestGateway;
  let viewer: ReturnType<typeof request.agent>;
  let operator: ReturnType<typeof request.agent>;

  before(async () => {
    // A webhook endpoint nobody listens on, and a retry window of 1 ms: the first retry is drawn in
    // [0, 10 s) (full jitter), so a window of 1 s still let about one try in ten be retried; a try
    // always ends more than 1 ms after its delivery was queued, so each is dead after its first try.
    gw = await testGateway({ env: { MERCHANT_WEBHOOK_URL: 'http://127.0.0.1:9/hooks', MERCHANT_WEBHOOK_SECRET: 'whsec_console_deliveries_0001', WEBHOOK_MAX_AGE: '1ms' } });
    await addConsoleUser(gw, 'viewer@shop.example', 'viewer');
    await addConsoleUser(gw, 'operator@shop.example', 'operator');
    viewer = request.agent(gw.app);
    operator = request.agent(gw.app);
    await signIn(viewer, 'viewer@shop.example');
    await signIn(operator, 'operator@shop.example');
  });
  after(() => gw.close());

  const deadEventsOf = async (id: string) => {
    const { items } = await gw.app.gateway.store.outbox.listEventsWithDeliveries({ paymentId: id, limit: 10 });
    return items.filter((e) => e.deliveries.some((d) => d.target === 'webhook:0' && d.state === 'dead'));
  };

  it('lists dead webhook deliveries with the last error; an operator redelivers one, then all of the endpoint\'s dead ones; a viewer sees no button', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment())).body.id as string);
    await outboxDrained(gw);
    for (const id of ids) expect(await deadEventsOf(id)).to.have.length(1);
    const page = await viewer.get('/console/deliveries');
    expect(page.status).to.equal(200);
    for (const id of ids) expect(page.text).to.contain(`/console/payments/${id}`);
    expect(page.text).to.contain('webhook:0').and.match(/ECONNREFUSED|connect/i);
    expect(page.text).to.not.contain('/console/deliveries/redeliver');
    const csrf = csrfOf(page);
    expect((await viewer.post('/console/deliveries/redeliver-dead').type('form').send({ _csrf: csrf, target: 'webhook:0' })).status).to.equal(403);

    expect((await viewer.get('/console/deliveries/redeliver-dead?target=webhook:0')).status).to.equal(403);

    const operatorPage = await operator.get('/console/deliveries');
    const [first] = await deadEventsOf(ids[0]!);
    // Each redelivery is first a confirmation page (a plain GET form, no script needed).
    expect(operatorPage.text).to.contain('action="/console/deliveries/redeliver-dead"').and.contain('action="/console/deliveries/redeliver"');
    const confirmOne = await operator.get(`/console/deliveries/redeliver?event=${first!.event.id}&target=webhook:0`);
    expect(confirmOne.status).to.equal(200);
    expect(confirmOne.text).to.contain('Redeliver this event?').and.contain(first!.event.id).and.contain('payment.created').and.contain(`/console/payments/${ids[0]}`);
    expect(/data-target>([^<]+)</.exec(confirmOne.text)![1]).to.equal('webhook:0');
    expect(/data-count>([^<]+)</.exec(confirmOne.text)![1]).to.equal('1');
    // Seeing it does nothing.
    expect((await gw.app.gateway.store.outbox.getEvent(first!.event.id))!.deliveries.find((d) => d.target === 'webhook:0')!.state).to.equal('dead');
    const formOne = { _csrf: csrfOf(confirmOne), formKey: /name="formKey" value="([^"]+)"/.exec(confirmOne.text)![1]!, event: first!.event.id, target: 'webhook:0' };
    // A double submit: the two posts at once are one redelivery.
    const [one, twice] = await Promise.all([operator.post('/console/deliveries/redeliver').type('form').send(formOne), operator.post('/console/deliveries/redeliver').type('form').send(formOne)]);
    expect([one.status, twice.status]).to.deep.equal([303, 303]);
    expect([one.headers.location, twice.headers.location].sort()).to.deep.equal(['/console/deliveries?already=1', '/console/deliveries?redelivered=1']);
    await outboxDrained(gw);
    const retried = (await gw.app.gateway.store.outbox.getEvent(first!.event.id))!.deliveries.find((d) => d.target === 'webhook:0')!;
    expect(retried.attempts).to.have.length(2);
    // Sent once more after the worker went through it: still nothing more.
    expect((await operator.post('/console/deliveries/redeliver').type('form').send(formOne)).headers.location).to.equal('/console/deliveries?already=1');
    await outboxDrained(gw);
    expect((await gw.app.gateway.store.outbox.getEvent(first!.event.id))!.deliveries.find((d) => d.target === 'webhook:0')!.attempts).to.have.length(2);
    // The other payment's delivery was left alone.
    const [second] = await deadEventsOf(ids[1]!);
    expect(second!.deliveries.find((d) => d.target === 'webhook:0')!.attempts).to.have.length(1);

    const confirmAll = await operator.get('/console/deliveries/redeliver-dead?target=webhook:0');
    expect(confirmAll.status).to.equal(200);
    expect(confirmAll.text).to.contain('Redeliver every dead delivery to this endpoint?').and.contain(second!.event.id);
    const count = Number(/data-count>([^<]+)</.exec(confirmAll.text)![1]);
    expect(count).to.be.at.least(2);
    const formAll = { _csrf: csrfOf(confirmAll), formKey: /name="formKey" value="([^"]+)"/.exec(confirmAll.text)![1]!, target: 'webhook:0' };
    const all = await operator.post('/console/deliveries/redeliver-dead').type('form').send(formAll);
    expect(all.status).to.equal(303);
    expect(Number(/redelivered=(\d+)/.exec(all.headers.location!)![1])).to.equal(count);
    expect((await operator.post('/console/deliveries/redeliver-dead').type('form').send(formAll)).headers.location).to.equal('/console/deliveries?already=1');
    await outboxDrained(gw);
    const secondAfter = (await gw.app.gateway.store.outbox.getEvent(second!.event.id))!.deliveries.find((d) => d.target === 'webhook:0')!;
    expect(secondAfter.attempts).to.have.length(2);
    // The same key with another form is refused, not acted on.
    expect((await operator.post('/console/deliveries/redeliver-dead').type('form').send({ ...formAll, target: gw.app.gateway.store.outbox.targets.find((t) => t !== 'webhook:0')! })).status).to.equal(422);
    const audit = await gw.app.gateway.audit.list({ limit: 20 });
    expect(audit.items.map((e) => e.action)).to.include('console.redeliver_dead').and.include('console.redeliver');
  });

  it('lists a dead audit.recorded delivery under the audit log, without a payment link, and an operator redelivers it', async () => {
    await gw.app.gateway.audit.record({ actor: { kind: 'api_key', name: 'shop' }, action: 'api.payment.capture', detail: { amount: 1 } });
    await outboxDrained(gw);
    const { items } = await gw.app.gateway.store.outbox.listEventsWithDeliveries({ audit: true, deliveryState: 'dead', limit: 100 });
    const auditEvent = items.find((e) => e.event.audit?.action === 'api.payment.capture')!;
    expect(auditEvent.deliveries.find((d) => d.target === 'webhook:0')!.state).to.equal('dead');

    const page = await operator.get('/console/deliveries');
    const row = page.text.split('<tr>').find((r) => r.includes(auditEvent.event.id))!;
    expect(row).to.contain('audit.recorded').and.contain('Audit log (no payment)').and.contain('webhook:0');
    expect(row).to.not.contain('/console/payments/');
    expect(page.text).to.not.contain('/console/payments/audit');
    const french = await operator.get('/console/deliveries').set('Accept-Language', 'fr');
    expect(french.text).to.contain('Journal d’audit (aucun paiement)');

    const confirm = await operator.get(`/console/deliveries/redeliver?event=${auditEvent.event.id}&target=webhook:0`);
    expect(confirm.text).to.contain('audit.recorded').and.contain('Audit log (no payment)').and.not.contain('/console/payments/audit');
    const redelivered = await operator.post('/console/deliveries/redeliver').type('form').send({ _csrf: csrfOf(confirm), formKey: /name="formKey" value="([^"]+)"/.exec(confirm.text)![1]!, event: auditEvent.event.id, target: 'webhook:0' });
    expect(redelivered.status).to.equal(303);
    await outboxDrained(gw);
    const after = (await gw.app.gateway.store.outbox.getEvent(auditEvent.event.id))!.deliveries.find((d) => d.target === 'webhook:0')!;
    expect(after.attempts).to.have.length(2);
    const recorded = (await gw.app.gateway.audit.list({ limit: 5 })).items.find((e) => e.action === 'console.redeliver' && e.detail.event === auditEvent.event.id)!;
    expect(recorded).to.not.have.property('paymentId');
  });
});
