import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { createDemoPayment, payWithVisaAtDemoBank, startTestDemo, type RunningDemo } from '../../support/demo-buyer.js';

/** The demo wires a Monetico connector to the sandbox bank's test server, with a key made at start. */
describe('the demo with Monetico', function () {
  this.timeout(60_000);
  let running: RunningDemo;

  before(async () => {
    running = await startTestDemo('monetico');
  });
  after(async () => {
    await running?.close();
  });

  it('a payment created with connector monetico is paid at /monetico/test/paiement.cgi and decided by the server return', async () => {
    const { demo, apiKey } = running;
    const payment = await createDemoPayment(running, 'monetico');

    const browser = new Browser();
    const back = await payWithVisaAtDemoBank(demo, browser, payment.checkoutUrl, '/monetico/test/paiement.cgi');
    expect(back.doc.querySelector('#return-to-merchant')?.getAttribute('action')).to.equal(`${demo.gatewayUrl}/bank/monetico/return`);
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.url).to.equal(`${demo.gatewayUrl}/checkout/${payment.id}/result`);
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.be.oneOf(['succeeded', 'pending']);
    expect(demo.bank.transactions().at(-1)).to.deep.include({ protocol: 'monetico-test', status: 'authorised', notification: { state: 'delivered', attempts: 1 } });

    const read = await fetch(`${demo.gatewayUrl}/api/v1/payments/${payment.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await read.json()) as { status: string; attempts: Array<{ responseCode: string; card: unknown }> };
    expect(body.status).to.equal('succeeded');
    expect(body.attempts[0]).to.deep.include({ responseCode: 'payetest', card: { brand: 'visa', last4: '4242' } });
    expect((await browser.get(result.url)).doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
  });
});
