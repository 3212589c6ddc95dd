import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { createDemoPayment, payWithVisaAtDemoBank, startTestDemo, type RunningDemo } from '../../support/demo-buyer.js';

/** The demo wires a Sips connector to the sandbox bank with a key made at start: a Sips payment goes through. */
describe('the demo with Sips', function () {
  this.timeout(60_000);
  let running: RunningDemo;

  before(async () => {
    running = await startTestDemo('sips');
  });
  after(async () => {
    await running?.close();
  });

  it('a payment created with connector sips is paid at the sandbox bank through /sips/paymentInit', async () => {
    const { demo } = running;
    const payment = await createDemoPayment(running, 'sips');

    const browser = new Browser();
    const back = await payWithVisaAtDemoBank(demo, browser, payment.checkoutUrl, '/sips/paymentInit');
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
    expect(demo.bank.transactions().at(-1)).to.deep.include({ protocol: 'sips', status: 'authorised' });
  });
});
