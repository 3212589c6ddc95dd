import { expect } from 'chai';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { moneticoConnector } from './fixtures.js';
import { formBody, hmacSha1Hex, KIT_DEMO_KEY, paidFields, serverReturn, specFieldsString } from './monetico-bank.js';

/**
 * The buyer's way to Monetico and back. Monetico's browser return carries nothing sealed by the bank,
 * so it only brings the buyer to the result page; the server return decides.
 */
describe('Monetico checkout and browser return through the gateway', () => {
  let gw: TestGateway;
  let paymentId: string;

  beforeEach(async () => {
    gw = await testGateway({ connectors: () => [moneticoConnector()] });
    const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment({ reference: 'order-1' }));
    paymentId = res.body.id;
  });
  afterEach(() => gw.close());

  /** Checkout page, then "Pay": the auto-submitting form to Monetico, as the buyer's browser gets it. */
  async function payForm(): Promise<{ action: string; fields: Record<string, string>; csp: string }> {
    const agent = request.agent(gw.app);
    const checkout = await agent.get(`/checkout/${paymentId}`);
    expect(checkout.status).to.equal(200);
    const csrf = parse(checkout.text).querySelector('input[name="_csrf"]')!.getAttribute('value')!;
    const page = await agent.post(`/checkout/${paymentId}/pay`).type('form').send({ _csrf: csrf });
    expect(page.status, page.text).to.equal(200);
    const form = parse(page.text).querySelector('#bank-redirect')!;
    const fields: Record<string, string> = {};
    for (const input of form.querySelectorAll('input')) fields[input.getAttribute('name')!] = input.getAttribute('value') ?? '';
    return { action: form.getAttribute('action')!, fields, csp: String(page.headers['content-security-policy']) };
  }

  const snapshot = async () => ({ payment: await gw.app.gateway.store.getPayment(paymentId), events: await gw.app.gateway.store.listEvents(paymentId) });
  const back = (url: string) => request(gw.app).get(new URL(url).pathname + new URL(url).search);

  it('sends the buyer to paiement.cgi with a sealed form the CSP lets through', async () => {
    const { action, fields, csp } = await payForm();
    expect(action).to.equal('https://p.monetico-services.com/test/paiement.cgi');
    expect(csp).to.match(/form-action[^;]*https:\/\/p\.monetico-services\.com/);
    const payment = (await snapshot()).payment!;
    expect(fields.reference).to.equal(payment.attempts[0]!.ref);
    expect(fields.montant).to.equal('24.80EUR');
    expect(fields.MAC).to.equal(hmacSha1Hex(KIT_DEMO_KEY, specFieldsString(fields)));
  });

  it('brings the buyer back to the result page as pending, changing nothing: the browser return is no proof', async () => {
    const { fields } = await payForm();
    const before = await snapshot();
    for (const url of [fields.url_retour_ok!, fields.url_retour_err!]) {
      const res = await back(url);
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`http://gateway.test/checkout/${paymentId}/result`);
    }
    expect(await snapshot()).to.deep.equal(before);
    const page = await request(gw.app).get(`/checkout/${paymentId}/result`);
    expect(page.text).to.contain('data-status="pending"');
  });

  it('shows the verdict of the server return when the buyer comes back after it', async () => {
    const { fields } = await payForm();
    const notified = await request(gw.app)
      .post('/bank/monetico/notify')
      .type('form')
      .send(formBody(serverReturn(paidFields(fields.reference!))));
    expect(notified.text).to.equal('version=2\ncdr=0\n');
    const res = await back(fields.url_retour_ok!);
    expect(res.status).to.equal(303);
    const page = await request(gw.app).get(`/checkout/${paymentId}/result`);
    expect(page.text).to.contain('data-status="succeeded"');
  });

  it('refuses a return URL that is not one we signed, and changes nothing', async () => {
    const { fields } = await payForm();
    const ok = new URL(fields.url_retour_ok!);
    const before = await snapshot();
    const forged = [
      (u: URL) => u.searchParams.set('amount', '1'),
      (u: URL) => u.searchParams.set('currency', 'USD'),
      (u: URL) => u.searchParams.set('attempt', 'AUNKNOWNATTEMPT234567ABCDEF'),
      (u: URL) => u.searchParams.delete('sig'),
      (u: URL) => u.searchParams.set('sig', 'A'.repeat(43)),
      (u: URL) => {
        for (const k of [...u.searchParams.keys()]) u.searchParams.delete(k);
      },
    ];
    for (const forge of forged) {
      const url = new URL(ok);
      forge(url);
      const res = await back(url.toString());
      expect(res.status, url.search).to.equal(400);
      expect(res.headers['content-type']).to.contain('text/html');
    }
    // A POST carrying server-return fields is no proof either.
    const posted = await request(gw.app)
      .post('/bank/monetico/return')
      .type('form')
      .send(formBody(serverReturn(paidFields((await snapshot()).payment!.attempts[0]!.ref))));
    expect(posted.status).to.equal(400);
    expect(await snapshot()).to.deep.equal(before);
  });
});
