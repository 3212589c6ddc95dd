import { expect } from 'chai';
import type { Payment } from '../../src/core/payment.js';
import { paymentJson } from '../../src/core/payment-json.js';
import { orderPaidEmail } from '../../src/notify/email.js';
import { webhookBody } from '../../src/notify/webhook-payload.js';
import { CHECKOUT_URL, paidPayment, succeededEvent } from './fixtures.js';

/** The paid fixture with a 3-D Secure result on its authorised attempt. */
function authenticatedPayment(authentication: NonNullable<Payment['attempts'][number]['authentication']>): Payment {
  const base = paidPayment();
  return { ...base, attempts: base.attempts.map((a) => (a.status === 'authorised' ? { ...a, authentication } : a)) };
}

describe('the 3-D Secure result shown to the merchant (API, webhook, order-paid email)', () => {
  const authentication = { status: 'authenticated' as const, eci: '05', liabilityShift: true, version: '2.2.0' };

  it('the attempt JSON carries it, and null for an attempt the bank said nothing about', () => {
    const json = paymentJson(authenticatedPayment(authentication), CHECKOUT_URL) as { attempts: Array<{ authentication: unknown }> };
    expect(json.attempts.map((a) => a.authentication)).to.deep.equal([null, authentication]);
  });

  it('the webhook body carries it in data.payment.attempts', () => {
    const body = JSON.parse(webhookBody(succeededEvent(), authenticatedPayment(authentication), CHECKOUT_URL));
    expect(body.data.payment.attempts[1].authentication).to.deep.equal(authentication);
  });

  it('the order-paid email has a 3-D Secure line with status, ECI and liability shift; none without a result', () => {
    const shifted = orderPaidEmail({ payment: authenticatedPayment(authentication), merchantName: 'Demo Shop', to: 'orders@shop.example' });
    expect(shifted.text).to.match(/3-D Secure:?\s+authenticated, ECI 05, liability shifted to the issuer/);
    expect(shifted.html).to.contain('authenticated, ECI 05, liability shifted to the issuer');
    const notEnrolled = orderPaidEmail({ payment: authenticatedPayment({ status: 'not_enrolled', eci: '07', liabilityShift: false }), merchantName: 'Demo Shop', to: 'o@shop.example' });
    expect(notEnrolled.text).to.match(/card not enrolled, ECI 07, no liability shift/);
    expect(orderPaidEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'o@shop.example' }).text).to.not.contain('3-D Secure');
  });
});
