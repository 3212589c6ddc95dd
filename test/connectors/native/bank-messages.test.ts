import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import type { ResponseTransaction } from '../../../src/protocols/native.js';
import { REQUEST_TYP } from '../../../src/protocols/native.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { logEntries, type LogEntry } from '../../support/log-lines.js';
import { BANK_ID, bankKey, MERCHANT_ID } from './fake-bank.js';

/**
 * Every way a bank message can be forged, replayed or wrong is refused before anything in it is
 * believed, and leaves the payment exactly as it was.
 */
describe('bank messages (native protocol)', () => {
  let gw: TestGateway;
  let paymentId: string;
  let txn: ResponseTransaction;

  beforeEach(async () => {
    gw = await testGateway();
    const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    paymentId = res.body.id;
    const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'native');
    txn = { ref: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1', auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
  });
  afterEach(() => gw.close());

  const notify = (token: string) => request(gw.app).post('/bank/native/notify').type('form').send({ response: token });
  const browserReturn = (token: string) => request(gw.app).post('/bank/native/return').type('form').send({ response: token });
  const snapshot = async () => {
    const payment = await gw.app.gateway.store.getPayment(paymentId);
    const events = await gw.app.gateway.store.listEvents(paymentId);
    return { payment, events };
  };

  /** The one warn line a refused message writes: the connector and the reason, and the attempt once the signature verified. */
  const refusal = (route: 'notification' | 'return', reason: string, attempt?: string): LogEntry => ({
    level: 40,
    service: 'hpp-gateway',
    connector: 'native',
    reason,
    ...(attempt !== undefined ? { attempt } : {}),
    msg: `bank ${route} refused`,
  });

  /**
   * Refused by notification (the protocol's 400 with the exact reason) and by browser return (an error
   * page that shows nothing of the token), each request writing exactly its refusal line; nothing changes.
   */
  async function expectRefusedWithoutChange(token: string, reason: string, attempt?: string): Promise<void> {
    const before = await snapshot();
    const notifyLogged = gw.logs.length;
    const res = await notify(token);
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ status: 'rejected', reason });
    expect(logEntries(gw.logs, notifyLogged, [res.headers['x-request-id']]), 'notification log lines').to.deep.equal([refusal('notification', reason, attempt)]);
    const returnLogged = gw.logs.length;
    const page = await browserReturn(token);
    expect(page.status).to.equal(400);
    expect(page.headers['content-type']).to.contain('text/html');
    expect(page.text).to.contain('could not confirm');
    expect(page.text).not.to.contain(token.slice(-20));
    expect(logEntries(gw.logs, returnLogged, [page.headers['x-request-id']]), 'return log lines').to.deep.equal([refusal('return', reason, attempt)]);
    expect(await snapshot()).to.deep.equal(before);
  }

  it('applies a valid authorised notification and answers the protocol acknowledgement', async () => {
    const res = await notify(await gw.bank.sign(txn));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'accepted' });
    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('succeeded');
    expect(payment!.attempts[0]).to.include({ status: 'authorised', bankTransactionId: 'BT-1', authorisationCode: 'A1B2C3' });
    expect(payment!.attempts[0]!.card).to.deep.equal({ brand: 'visa', last4: '4242' });
    expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
  });

  it('refuses a tampered payload (signature over other bytes)', async () => {
    const token = await gw.bank.sign({ ...txn, amount: 2480 });
    const [h, , s] = token.split('.');
    const forgedPayload = base64url.encode(JSON.stringify({ iss: BANK_ID, aud: MERCHANT_ID, iat: 1, exp: 9999999999, jti: 'x', txn: { ...txn, amount: 1 } }));
    await expectRefusedWithoutChange(`${h}.${forgedPayload}.${s}`, 'bad_signature');
  });

  it('refuses a token signed by another key under the bank kid', async () => {
    const other = await bankKey();
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { key: other, kid: gw.bank.key.kid }), 'bad_signature');
  });

  it('refuses an unknown kid', async () => {
    const other = await bankKey();
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { key: other }), 'unknown_key');
  });

  it('refuses a response addressed to another merchant (aud) or from another issuer', async () => {
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { aud: 'someone-else' }), 'claim_aud');
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { iss: 'other-bank' }), 'claim_iss');
  });

  it('refuses an expired token and one not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { iat: now - 900, exp: now - 600 }), 'expired');
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { iat: now + 3600, exp: now + 3900 }), 'claim_iat');
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ txn }).setIssuer(BANK_ID).setAudience(MERCHANT_ID).setIssuedAt().setExpirationTime('5m').setJti('n1').encode();
    await expectRefusedWithoutChange(token, 'algorithm_not_allowed');
    // And with the "none" header carrying the bank's typ and kid.
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'hpp-resp+jwt', kid: gw.bank.key.kid }));
    const [, payload] = token.split('.');
    await expectRefusedWithoutChange(`${header}.${payload}.`, 'algorithm_not_allowed');
  });

  it('refuses HS256 signed with the bank public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(gw.bank.key.publicJwk));
    const token = await new SignJWT({ txn })
      .setProtectedHeader({ alg: 'HS256', kid: gw.bank.key.kid, typ: 'hpp-resp+jwt' })
      .setIssuer(BANK_ID)
      .setAudience(MERCHANT_ID)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('hs1')
      .sign(secret);
    await expectRefusedWithoutChange(token, 'algorithm_not_allowed');
    // And a hand-made HMAC over the raw public key bytes.
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', kid: gw.bank.key.kid, typ: 'hpp-resp+jwt' }));
    const payload = base64url.encode(JSON.stringify({ iss: BANK_ID, aud: MERCHANT_ID, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, jti: 'hs2', txn }));
    const sig = createHmac('sha256', base64url.decode(gw.bank.key.publicJwk.x!)).update(`${header}.${payload}`).digest('base64url');
    await expectRefusedWithoutChange(`${header}.${payload}.${sig}`, 'algorithm_not_allowed');
  });

  it('refuses a payment request token replayed as a response (typ)', async () => {
    await expectRefusedWithoutChange(await gw.bank.sign(txn, { typ: REQUEST_TYP }), 'claim_typ');
  });

  it('refuses truncated, empty, garbage and oversized tokens', async () => {
    const token = await gw.bank.sign(txn);
    // A cut signature still decodes, so it fails the signature check; a token that does not parse is not a JWS.
    await expectRefusedWithoutChange(token.slice(0, token.length - 10), 'bad_signature');
    await expectRefusedWithoutChange(token.split('.').slice(0, 2).join('.'), 'err_jws_invalid');
    await expectRefusedWithoutChange('not-a-token', 'err_jws_invalid');
    await expectRefusedWithoutChange(`${token}${'A'.repeat(9000)}`, 'oversized');
    const before = await snapshot();
    for (const send of [() => notify(''), () => request(gw.app).post('/bank/native/notify').type('form').send({})]) {
      const logged = gw.logs.length;
      const res = await send();
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({ status: 'rejected', reason: 'missing_response' });
      expect(logEntries(gw.logs, logged, [res.headers['x-request-id']])).to.deep.equal([refusal('notification', 'missing_response')]);
    }
    expect(await snapshot()).to.deep.equal(before);
  });

  it('refuses an amount or currency other than asked, and records the anomaly without moving the payment', async () => {
    const logged = gw.logs.length;
    const res = await notify(await gw.bank.sign({ ...txn, amount: 1 }));
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ status: 'rejected', reason: 'amount_mismatch' });
    const cur = await notify(await gw.bank.sign({ ...txn, currency: 'USD' }));
    expect(cur.status).to.equal(400);
    expect(cur.body).to.deep.equal({ status: 'rejected', reason: 'currency_mismatch' });
    expect(logEntries(gw.logs, logged, [res.headers['x-request-id'], cur.headers['x-request-id']])).to.deep.equal([refusal('notification', 'amount_mismatch', txn.ref), refusal('notification', 'currency_mismatch', txn.ref)]);
    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('pending');
    expect(payment!.attempts[0]!.status).to.equal('pending');
    expect(payment!.anomalies).to.have.members(['amount_mismatch', 'currency_mismatch']);
    expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.anomaly', 'payment.anomaly']);
  });

  it('refuses a response for an attempt that does not exist', async () => {
    await expectRefusedWithoutChange(await gw.bank.sign({ ...txn, ref: 'ANOTHERATTEMPT1' }), 'unknown_attempt', 'ANOTHERATTEMPT1');
  });

  it('refuses a replayed message (same jti) and acknowledges a re-signed retry without a new effect', async () => {
    const token = await gw.bank.sign(txn);
    expect((await notify(token)).status).to.equal(200);
    const replayLogged = gw.logs.length;
    const replay = await notify(token);
    expect(replay.status).to.equal(400);
    expect(replay.body).to.deep.equal({ status: 'rejected', reason: 'replay' });
    expect(logEntries(gw.logs, replayLogged, [replay.headers['x-request-id']])).to.deep.equal([refusal('notification', 'replay', txn.ref)]);
    // The same token as a browser return is not applied either: the buyer sees the current status.
    const returnLogged = gw.logs.length;
    const page = await browserReturn(token);
    expect(page.status).to.equal(303);
    expect(page.headers.location).to.equal(`http://gateway.test/checkout/${paymentId}/result`);
    expect(logEntries(gw.logs, returnLogged, [page.headers['x-request-id']])).to.deep.equal([{ level: 40, service: 'hpp-gateway', connector: 'native', attempt: txn.ref, msg: 'replayed bank return refused' }]);
    // The bank's retry is freshly signed (new jti) with the same facts: acknowledged, still one transition.
    expect((await notify(await gw.bank.sign(txn))).status).to.equal(200);
    const { events, payment } = await snapshot();
    expect(events.filter((e) => e.type === 'payment.succeeded')).to.have.length(1);
    expect(payment!.version).to.equal(3);
  });

  it('gives one transition when the return and the notification arrive together', async () => {
    const [a, b] = await Promise.all([browserReturn(await gw.bank.sign(txn)), notify(await gw.bank.sign(txn))]);
    expect(a.status).to.equal(303);
    expect(a.headers.location).to.equal(`http://gateway.test/checkout/${paymentId}/result`);
    expect(b.status).to.equal(200);
    const { events } = await snapshot();
    expect(events.filter((e) => e.type === 'payment.succeeded')).to.have.length(1);
  });

  it('records a refusal after success as an anomaly and keeps the payment succeeded', async () => {
    await notify(await gw.bank.sign(txn));
    const res = await notify(await gw.bank.sign({ ...txn, status: 'refused' }));
    expect(res.status).to.equal(200);
    const { payment, events } = await snapshot();
    expect(payment!.status).to.equal('succeeded');
    expect(payment!.anomalies).to.deep.equal(['regression_after_success']);
    expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded', 'payment.anomaly']);
  });

  it('accepts the browser return without any session cookie (cross-site POST) and redirects 303 to the result page', async () => {
    const res = await browserReturn(await gw.bank.sign(txn));
    expect(res.status).to.equal(303);
    expect(res.headers['set-cookie']).to.equal(undefined);
    const page = await request(gw.app).get(`/checkout/${paymentId}/result`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('data-status="succeeded"');
  });
});
