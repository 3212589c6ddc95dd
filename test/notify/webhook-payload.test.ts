import { expect } from 'chai';
import { paymentJson } from '../../src/core/payment-json.js';
import { webhookBody } from '../../src/notify/webhook-payload.js';
import { CHECKOUT_URL, paidPayment, succeededEvent } from './fixtures.js';

describe('webhook body', () => {
  it('carries the event id, type, time and the payment as the API shows it, without its events', () => {
    const body = webhookBody(succeededEvent(), paidPayment(), CHECKOUT_URL);
    const parsed = JSON.parse(body);
    expect(parsed).to.deep.equal({
      id: 'evt_3mJr7AoUXx7Wqd9zYBwZQ1',
      type: 'payment.succeeded',
      createdAt: '2025-03-01T10:02:00.000Z',
      data: { payment: paymentJson(paidPayment(), CHECKOUT_URL), paymentVersion: 5, attemptRef: 'A2' },
    });
    expect(parsed.data.payment).not.to.have.property('events');
    expect(Object.keys(parsed)).to.deep.equal(['id', 'type', 'createdAt', 'data']);
  });

  it('adds the anomaly on payment.anomaly and leaves out what the event does not have', () => {
    const anomaly = JSON.parse(
      webhookBody(succeededEvent({ type: 'payment.anomaly', anomaly: 'succeeded_after_expiry' }), paidPayment({ anomalies: ['succeeded_after_expiry'] }), CHECKOUT_URL),
    );
    expect(anomaly.data).to.include({ anomaly: 'succeeded_after_expiry', attemptRef: 'A2' });
    const created = JSON.parse(webhookBody(succeededEvent({ type: 'payment.created', attemptRef: undefined, paymentVersion: 1 }), paidPayment(), CHECKOUT_URL));
    expect(created.data).to.have.keys('payment', 'paymentVersion');
  });

  it('is deterministic: the same event and payment give the same bytes', () => {
    expect(webhookBody(succeededEvent(), paidPayment(), CHECKOUT_URL)).to.equal(webhookBody(succeededEvent(), paidPayment(), CHECKOUT_URL));
  });

  it('refuses an event about another payment', () => {
    expect(() => webhookBody(succeededEvent({ paymentId: 'pay_other' }), paidPayment(), CHECKOUT_URL)).to.throw(/pay_other/);
  });

  it('never carries more of a card than brand and last four digits', () => {
    const body = webhookBody(succeededEvent(), paidPayment(), CHECKOUT_URL);
    expect(body).not.to.match(/\d{12,}/);
    expect(JSON.parse(body).data.payment.attempts[1].card).to.deep.equal({ brand: 'visa', last4: '4242' });
  });
});
