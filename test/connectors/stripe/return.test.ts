import { Writable } from 'node:stream';
import { expect } from 'chai';
import nock from 'nock';
import { BankUnavailableError, InvalidBankMessageError } from '../../../src/core/errors.js';
import { StripeApiError } from '../../../src/connectors/stripe/stripe-client.js';
import { createLogger } from '../../../src/logger.js';
import { API, ATTEMPT_REF, connector, expandedPaymentIntent, LIVE_SECRET_KEY, PI_ID, returnMessage, SECRET_KEY, session, SESSION_ID } from './fixtures.js';

const EXPAND = { 'expand[0]': 'payment_intent.latest_charge' };

function retrieve(body: Record<string, unknown>, status = 200): nock.Scope {
  return nock(API, { reqheaders: { authorization: `Bearer ${SECRET_KEY}` } })
    .get(`/v1/checkout/sessions/${SESSION_ID}`)
    .query(EXPAND)
    .reply(status, body);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Stripe connector: the buyer back from Checkout (a hint, checked with the API)', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('retrieves the session with the secret key and reports a paid one as authorised, with the PaymentIntent and the card', async () => {
    const scope = retrieve(session({ payment_intent: expandedPaymentIntent({ brand: 'mastercard', last4: '4444' }) }));
    const verified = await connector().verifyReturn(returnMessage({ session_id: SESSION_ID }));
    expect(verified).to.deep.equal({
      outcome: {
        attemptRef: ATTEMPT_REF,
        status: 'authorised',
        amount: 2480,
        currency: 'EUR',
        bankTransactionId: PI_ID,
        card: { brand: 'mastercard', last4: '4444' },
        responseCode: 'complete:paid',
      },
    });
    expect(scope.isDone()).to.equal(true);
  });

  it('complete but unpaid (asynchronous method) → pending, with the PaymentIntent and no card', async () => {
    retrieve(session({ payment_status: 'unpaid', payment_intent: expandedPaymentIntent(null) }));
    const verified = await connector().verifyReturn(returnMessage({ session_id: SESSION_ID }));
    expect(verified.outcome).to.include({ status: 'pending', bankTransactionId: PI_ID, responseCode: 'complete:unpaid' });
    expect(verified.outcome.card).to.equal(undefined);
  });

  it('open without cancelled=1 → pending; expired → cancelled', async () => {
    retrieve(session({ status: 'open', payment_status: 'unpaid', payment_intent: null }));
    expect((await connector().verifyReturn(returnMessage({ session_id: SESSION_ID }))).outcome).to.include({ status: 'pending', responseCode: 'open:unpaid' });
    retrieve(session({ status: 'expired', payment_status: 'unpaid', payment_intent: null }));
    expect((await connector().verifyReturn(returnMessage({ session_id: SESSION_ID, cancelled: '1' }))).outcome).to.include({ status: 'cancelled' });
  });

  it('cancel_url: expires the open session at Stripe, then reports it cancelled', async () => {
    retrieve(session({ status: 'open', payment_status: 'unpaid', payment_intent: null }));
    let expireBody = '';
    const expire = nock(API)
      .post(`/v1/checkout/sessions/${SESSION_ID}/expire`, (body) => {
        expireBody = JSON.stringify(body);
        return true;
      })
      .matchHeader('idempotency-key', `hpp-expire-${SESSION_ID}`)
      .reply(200, session({ status: 'expired', payment_status: 'unpaid', payment_intent: null }));
    const verified = await connector().verifyReturn(returnMessage({ session_id: SESSION_ID, cancelled: '1' }));
    expect(verified.outcome).to.include({ attemptRef: ATTEMPT_REF, status: 'cancelled', responseCode: 'expired:unpaid' });
    expect(expire.isDone()).to.equal(true);
    expect(expireBody).to.contain('payment_intent.latest_charge');
  });

  it('cancel_url on a session paid meanwhile: Stripe refuses to expire it and the payment is what is reported', async () => {
    retrieve(session({ status: 'open', payment_status: 'unpaid', payment_intent: null }));
    nock(API)
      .post(`/v1/checkout/sessions/${SESSION_ID}/expire`)
      .reply(400, { error: { type: 'invalid_request_error', message: 'Only Checkout Sessions with a status in ["open"] can be expired.' } });
    retrieve(session({ payment_intent: expandedPaymentIntent() }));
    const verified = await connector().verifyReturn(returnMessage({ session_id: SESSION_ID, cancelled: '1' }));
    expect(verified.outcome).to.include({ status: 'authorised', bankTransactionId: PI_ID });
    expect(nock.isDone()).to.equal(true);
  });

  it('refuses a malformed session id before any API call', async () => {
    for (const id of ['', 'cs_x', 'pi_123', `${SESSION_ID}/../../v1/customers`, 'cs_test_abc?expand[]=x', `cs_test_${'a'.repeat(300)}`]) {
      const err = await rejection(connector().verifyReturn(returnMessage({ session_id: id })));
      expect(err).to.be.instanceOf(InvalidBankMessageError);
      expect((err as InvalidBankMessageError).reason).to.equal('malformed_session_id');
    }
    const missing = await rejection(connector().verifyReturn(returnMessage({})));
    expect((missing as InvalidBankMessageError).reason).to.equal('malformed_session_id');
  });

  it('refuses a test session at a live connector (and the reverse) before any API call', async () => {
    const err = await rejection(connector({ secretKey: LIVE_SECRET_KEY }).verifyReturn(returnMessage({ session_id: SESSION_ID })));
    expect((err as InvalidBankMessageError).reason).to.equal('livemode_mismatch');
    const live = await rejection(connector().verifyReturn(returnMessage({ session_id: 'cs_live_abc123' })));
    expect((live as InvalidBankMessageError).reason).to.equal('livemode_mismatch');
  });

  it('an unknown session (404) is an invalid message; a session of another integration is refused', async () => {
    retrieve({ error: { type: 'invalid_request_error', code: 'resource_missing' } }, 404);
    const err = await rejection(connector().verifyReturn(returnMessage({ session_id: SESSION_ID })));
    expect((err as InvalidBankMessageError).reason).to.equal('unknown_session');
    retrieve(session({ client_reference_id: null, metadata: {} }));
    const foreign = await rejection(connector().verifyReturn(returnMessage({ session_id: SESSION_ID })));
    expect((foreign as InvalidBankMessageError).reason).to.equal('foreign_session');
  });

  it('Stripe down: retried, then "unavailable" (retry later); a bad key: a gateway error', async () => {
    nock(API).get(`/v1/checkout/sessions/${SESSION_ID}`).query(EXPAND).times(3).reply(503, { error: { type: 'api_error' } });
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString('utf8')), done()) }));
    expect(await rejection(connector({ logger }).verifyReturn(returnMessage({ session_id: SESSION_ID })))).to.be.instanceOf(BankUnavailableError);
    const log = lines.join('');
    expect(log).to.contain('stripe api request retried').and.contain('stripe api unreachable').and.contain('HTTP 503');
    // Logs carry a session id's prefix only, and never the key.
    expect(log).not.to.contain(SESSION_ID);
    expect(log).not.to.contain(SECRET_KEY);
    retrieve({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****0000' } }, 401);
    const err = await rejection(connector().verifyReturn(returnMessage({ session_id: SESSION_ID })));
    expect(err).to.be.instanceOf(StripeApiError);
    expect((err as StripeApiError).httpStatus).to.equal(401);
  });
});
