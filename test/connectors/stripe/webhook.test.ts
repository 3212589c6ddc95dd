import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { InvalidBankMessageError } from '../../../src/core/errors.js';
import { IgnoredBankMessage } from '../../../src/connectors/bank-connector.js';
import { verifyStripeSignature } from '../../../src/connectors/stripe/webhook-signature.js';
import {
  API,
  ATTEMPT_REF,
  connector,
  eventPayload,
  expandedPaymentIntent,
  LIVE_SECRET_KEY,
  nowSeconds,
  OLD_WEBHOOK_SECRET,
  OTHER_WEBHOOK_SECRET,
  PI_ID,
  session,
  SESSION_ID,
  signatureHeader,
  WEBHOOK_SECRET,
  webhookMessage,
} from './fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function refusedWith(promise: Promise<unknown>, reason: string): Promise<void> {
  const err = await rejection(promise);
  expect(err).to.be.instanceOf(InvalidBankMessageError);
  expect((err as InvalidBankMessageError).reason).to.equal(reason);
}

/** Card details are looked up after a paid event; these tests answer that lookup or let it fail. */
function cardLookup(status = 200): nock.Scope {
  return nock(API)
    .get(`/v1/checkout/sessions/${SESSION_ID}`)
    .query({ 'expand[0]': 'payment_intent.latest_charge' })
    .reply(status, status === 200 ? session({ payment_intent: expandedPaymentIntent() }) : { error: { type: 'api_error' } });
}

describe('Stripe connector: webhook signatures (checked against the official stripe library)', () => {
  const payload = eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', payment_intent: null }));

  it('accepts a header made by stripe.webhooks.generateTestHeaderString', async () => {
    const verified = await connector().verifyNotification(webhookMessage(payload, signatureHeader(payload)));
    expect(verified.outcome.status).to.equal('cancelled');
  });

  it('refuses a signed event whose payment_intent id holds a card number (it would be stored as the bank transaction id)', async () => {
    const event = eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', payment_intent: 'pi_4111111111111111' }));
    await refusedWith(connector().verifyNotification(webhookMessage(event, signatureHeader(event, WEBHOOK_SECRET))), 'card_number_in_payment_intent');
  });

  it('refuses a tampered body, even by one byte of whitespace', async () => {
    const header = signatureHeader(payload);
    await refusedWith(connector().verifyNotification(webhookMessage(payload.replace('"amount_total": 2480', '"amount_total": 1'), header)), 'bad_signature');
    await refusedWith(connector().verifyNotification(webhookMessage(`${payload} `, header)), 'bad_signature');
  });

  it('refuses a signature made with another secret', async () => {
    await refusedWith(connector().verifyNotification(webhookMessage(payload, signatureHeader(payload, OTHER_WEBHOOK_SECRET))), 'bad_signature');
  });

  it('refuses a timestamp more than 300 s away, either way, even when correctly signed', async () => {
    await refusedWith(connector().verifyNotification(webhookMessage(payload, signatureHeader(payload, WEBHOOK_SECRET, nowSeconds() - 301))), 'stale_signature');
    await refusedWith(connector().verifyNotification(webhookMessage(payload, signatureHeader(payload, WEBHOOK_SECRET, nowSeconds() + 400))), 'stale_signature');
    const ok = await connector().verifyNotification(webhookMessage(payload, signatureHeader(payload, WEBHOOK_SECRET, nowSeconds() - 280)));
    expect(ok.outcome.status).to.equal('cancelled');
  });

  it('uses the injected clock for the tolerance', async () => {
    const t = 1_700_000_000;
    const header = signatureHeader(payload, WEBHOOK_SECRET, t);
    const at = (s: number) => connector({ clock: () => new Date(s * 1000) });
    expect((await at(t + 299).verifyNotification(webhookMessage(payload, header))).outcome.status).to.equal('cancelled');
    await refusedWith(at(t + 301).verifyNotification(webhookMessage(payload, header)), 'stale_signature');
  });

  it('rotation: accepts the old and the new secret while both are configured, and a header with two v1 signatures', async () => {
    const rotating = connector({ webhookSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET] });
    expect((await rotating.verifyNotification(webhookMessage(payload, signatureHeader(payload, OLD_WEBHOOK_SECRET)))).outcome.status).to.equal('cancelled');
    expect((await rotating.verifyNotification(webhookMessage(payload, signatureHeader(payload, WEBHOOK_SECRET)))).outcome.status).to.equal('cancelled');
    // Stripe signs with both secrets while a secret is being rolled: t=…,v1=<new>,v1=<old>.
    const t = nowSeconds();
    const oldOnly = signatureHeader(payload, OLD_WEBHOOK_SECRET, t);
    const newSig = /v1=([0-9a-f]{64})/.exec(signatureHeader(payload, OTHER_WEBHOOK_SECRET, t))![1];
    const both = `${oldOnly},v1=${newSig}`;
    expect((await connector({ webhookSecrets: [OLD_WEBHOOK_SECRET] }).verifyNotification(webhookMessage(payload, both))).outcome.status).to.equal('cancelled');
    expect((await connector({ webhookSecrets: [OTHER_WEBHOOK_SECRET] }).verifyNotification(webhookMessage(payload, both))).outcome.status).to.equal('cancelled');
    // Once the old secret is removed, its signatures are refused.
    await refusedWith(connector({ webhookSecrets: [WEBHOOK_SECRET] }).verifyNotification(webhookMessage(payload, oldOnly)), 'bad_signature');
  });

  it('refuses a missing, malformed or v0-only header', async () => {
    await refusedWith(connector().verifyNotification(webhookMessage(payload, undefined)), 'missing_signature');
    await refusedWith(connector().verifyNotification(webhookMessage(payload, 'garbage')), 'malformed_signature');
    await refusedWith(connector().verifyNotification(webhookMessage(payload, `t=${nowSeconds()}`)), 'no_v1_signature');
    const t = nowSeconds();
    const v0 = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex');
    await refusedWith(connector().verifyNotification(webhookMessage(payload, `t=${t},v0=${v0}`)), 'no_v1_signature');
    await refusedWith(connector().verifyNotification(webhookMessage(payload, `t=${t},t=${t},v1=${v0}`)), 'malformed_signature');
    await refusedWith(connector().verifyNotification(webhookMessage(payload, `t=${t},${'v1=aa,'.repeat(500)}`)), 'malformed_signature');
  });

  it('verifies the raw bytes, not a re-serialisation (non-ASCII body)', () => {
    const body = Buffer.from(eventPayload('checkout.session.expired', session({ metadata: { attempt_ref: ATTEMPT_REF, note: 'Crème brûlée — 24,80 €' } })), 'utf8');
    const t = nowSeconds();
    const header = signatureHeader(body.toString('utf8'), WEBHOOK_SECRET, t);
    expect(verifyStripeSignature(body, header, [WEBHOOK_SECRET], t)).to.deep.equal({ timestamp: t, staleAt: new Date((t + 301) * 1000) });
    const latin1 = Buffer.from(body.toString('utf8'), 'latin1');
    expect(() => verifyStripeSignature(latin1, header, [WEBHOOK_SECRET], t)).to.throw(InvalidBankMessageError);
  });
});

describe('Stripe connector: webhook events', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const notify = (payload: string, c = connector()) => c.verifyNotification(webhookMessage(payload, signatureHeader(payload)));

  it('checkout.session.completed and paid → authorised, with the PaymentIntent, the card from a lookup, and a message id per delivery', async () => {
    const lookup = cardLookup();
    const payload = eventPayload('checkout.session.completed', session());
    const t = nowSeconds() - 5;
    const verified = await connector().verifyNotification(webhookMessage(payload, signatureHeader(payload, WEBHOOK_SECRET, t)));
    const eventId = (JSON.parse(payload) as { id: string }).id;
    expect(verified.outcome).to.deep.equal({
      attemptRef: ATTEMPT_REF,
      status: 'authorised',
      amount: 2480,
      currency: 'EUR',
      bankTransactionId: PI_ID,
      card: { brand: 'visa', last4: '4242' },
      responseCode: 'complete:paid',
    });
    expect(verified.messageId).to.equal(`${eventId}@${t}`);
    // Whole seconds are compared: the delivery verifies until the end of second t + 300.
    expect(verified.messageExpiresAt!.getTime()).to.equal((t + 301) * 1000);
    expect(lookup.isDone()).to.equal(true);
  });

  it('still accepts a paid event when the card lookup fails (no card, no retry storm)', async () => {
    const lookup = cardLookup(500);
    const verified = await notify(eventPayload('checkout.session.completed', session()));
    expect(verified.outcome.status).to.equal('authorised');
    expect(verified.outcome.card).to.equal(undefined);
    expect(lookup.isDone()).to.equal(true);
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('checkout.session.completed but unpaid (asynchronous method) → pending', async () => {
    const verified = await notify(eventPayload('checkout.session.completed', session({ payment_status: 'unpaid' })));
    expect(verified.outcome).to.include({ status: 'pending', responseCode: 'complete:unpaid' });
  });

  it('async_payment_succeeded → authorised; async_payment_failed → refused; expired → cancelled', async () => {
    cardLookup();
    expect((await notify(eventPayload('checkout.session.async_payment_succeeded', session()))).outcome.status).to.equal('authorised');
    expect((await notify(eventPayload('checkout.session.async_payment_failed', session({ payment_status: 'unpaid' })))).outcome).to.include({ status: 'refused', bankTransactionId: PI_ID });
    expect((await notify(eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', payment_intent: null })))).outcome).to.include({
      status: 'cancelled',
      responseCode: 'expired:unpaid',
    });
  });

  it('reports amount and currency as Stripe has them (converted to our units), for the state machine to compare', async () => {
    const jpy = await notify(eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', amount_total: 1500, currency: 'jpy' })));
    expect(jpy.outcome).to.include({ amount: 1500, currency: 'JPY' });
    const isk = await notify(eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', amount_total: 50000, currency: 'isk' })));
    expect(isk.outcome).to.include({ amount: 500, currency: 'ISK' });
    const changed = await notify(eventPayload('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', amount_total: 1 })));
    expect(changed.outcome).to.include({ amount: 1, currency: 'EUR' });
  });

  it('acknowledges other event types without effect', async () => {
    for (const type of ['payment_intent.succeeded', 'charge.dispute.created', 'checkout.session.async_payment_pending']) {
      const err = await rejection(notify(eventPayload(type, { id: 'pi_123', object: 'payment_intent' })));
      expect(err).to.be.instanceOf(IgnoredBankMessage);
      expect((err as IgnoredBankMessage).reason).to.equal(`event_type:${type}`);
    }
  });

  it('ignores sessions made by another integration on the account (no reference), refuses inconsistent references', async () => {
    const foreign = await rejection(notify(eventPayload('checkout.session.completed', session({ client_reference_id: null, metadata: {} }))));
    expect(foreign).to.be.instanceOf(IgnoredBankMessage);
    const subscription = await rejection(notify(eventPayload('checkout.session.completed', session({ mode: 'subscription' }))));
    expect(subscription).to.be.instanceOf(IgnoredBankMessage);
    await refusedWith(notify(eventPayload('checkout.session.completed', session({ metadata: { attempt_ref: 'ANOTHERATTEMPT' } }))), 'reference_mismatch');
  });

  it('refuses a live-mode event at a test-mode connector and the other way round', async () => {
    await refusedWith(notify(eventPayload('checkout.session.completed', session(), { livemode: true })), 'livemode_mismatch');
    await refusedWith(notify(eventPayload('checkout.session.completed', session()), connector({ secretKey: LIVE_SECRET_KEY })), 'livemode_mismatch');
  });

  it('refuses a signed body that is not a Stripe event or a session', async () => {
    await refusedWith(notify('not json'), 'malformed_event');
    await refusedWith(notify(JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed', livemode: false })), 'malformed_event');
    await refusedWith(notify(eventPayload('checkout.session.completed', { id: 'cs_test_1', object: 'checkout.session' })), 'malformed_session');
    await refusedWith(notify(eventPayload('checkout.session.completed', session({ id: '../../v1/customers' }))), 'malformed_session');
  });

  it('answers Stripe with 200 {"received":true}, 400 with the reason, or 503', () => {
    const c = connector();
    expect(c.acknowledge('accepted')).to.deep.equal({ status: 200, contentType: 'application/json', body: '{"received":true}' });
    expect(c.acknowledge('rejected', 'bad_signature')).to.deep.equal({ status: 400, contentType: 'application/json', body: '{"received":false,"reason":"bad_signature"}' });
    expect(c.acknowledge('retry').status).to.equal(503);
  });
});
