import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { createDemoPayment, payWithVisaAtDemoBank, startTestDemo, type RunningDemo } from '../../support/demo-buyer.js';

/** The demo wires a Lyra connector to the sandbox bank with a TEST key made at start: a Lyra payment goes through. */
describe('the demo with Lyra', function () {
  this.timeout(60_000);
  let running: RunningDemo;

  before(async () => {
    running = await startTestDemo('lyra');
  });
  after(async () => {
    await running?.close();
  });

  it('a payment created with connector lyra is paid at the sandbox bank through /lyra/vads-payment/', async () => {
    const { demo } = running;
    const payment = await createDemoPayment(running, 'lyra');

    const browser = new Browser();
    const back = await payWithVisaAtDemoBank(demo, browser, payment.checkoutUrl, '/lyra/vads-payment/');
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
    expect(demo.bank.transactions().at(-1)).to.deep.include({ protocol: 'lyra', status: 'authorised', notification: { state: 'delivered', attempts: 1 } });
  });
});
