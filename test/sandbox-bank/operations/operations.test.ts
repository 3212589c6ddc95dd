import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { CAPTURE_WINDOW_SECONDS, KNOB_MERCHANT_ID, MERCHANT_ID, newOpId, OperationsBench } from './merchant-side.js';

describe('sandbox bank: native operations API (docs/protocol.md, section 11)', () => {
  let bench: OperationsBench;

  before(async () => {
    bench = await OperationsBench.start();
  });

  after(async () => {
    await bench.close();
  });

  afterEach(() => {
    bench.clockOffsetMs = 0;
  });

  describe('manual capture', () => {
    it('authorises a capture: manual request without taking the money, and says until when', async () => {
      const before = bench.nowSeconds();
      const { bankTxnId, notification } = await bench.transaction({ capture: 'manual', amount: 5000 });
      const txn = notification!.txn as Record<string, unknown>;
      expect(txn).to.include({ status: 'authorised', amount: 5000, currency: 'EUR', capture: 'manual', bank_txn_id: bankTxnId });
      expect(txn.capture_before).to.be.within(before + CAPTURE_WINDOW_SECONDS, bench.nowSeconds() + CAPTURE_WINDOW_SECONDS);

      const status = await bench.operate({ type: 'status', bank_txn_id: bankTxnId });
      expect(status.httpStatus).to.equal(200);
      expect(status.claims!.txn).to.deep.include({ status: 'authorised', capture: 'manual', capture_status: 'awaiting_capture', amount_captured: 0, amount_refunded: 0, amount_refund_pending: 0, capture_before: txn.capture_before });
    });

    it('refuses a payment request whose capture claim is neither automatic nor manual', async () => {
      const { SignJWT } = await import('jose');
      const iat = bench.nowSeconds();
      const token = await new SignJWT({
        txn: { ref: 'MANUALBOGUS1', amount: 100, currency: 'EUR', description: 'x', locale: 'en' },
        return_url: bench.gateway.returnUrl,
        notify_url: bench.gateway.notifyUrl,
        capture: 'later',
      })
        .setProtectedHeader({ alg: 'EdDSA', kid: bench.gateway.key.kid, typ: 'hpp-req+jwt' })
        .setIssuer(MERCHANT_ID)
        .setAudience('sandbox-bank')
        .setIssuedAt(iat)
        .setExpirationTime(iat + 300)
        .setJti('manual-bogus-1')
        .sign(bench.gateway.key.privateKey);
      const res = await request(bench.bank.app).post('/pay').type('form').send({ request: token }).expect(400);
      expect(res.text).to.include('invalid_claims').and.include('capture');
    });

    it('answers an automatic request exactly as before: no capture claims in the response', async () => {
      const { notification } = await bench.transaction();
      expect(notification!.txn).to.not.have.any.keys('capture', 'capture_before');
    });

    it('captures part of an authorisation once, releasing the rest', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual', amount: 5000 });
      const opId = newOpId();
      const captured = await bench.operate({ type: 'capture', op_id: opId, bank_txn_id: bankTxnId, amount: 3000, currency: 'EUR' });
      expect(captured.httpStatus).to.equal(200);
      expect(captured.contentType).to.match(/^application\/jwt/);
      expect(captured.claims!.op).to.include({ op_id: opId, type: 'capture', status: 'succeeded', amount: 3000, currency: 'EUR' });
      expect(captured.claims!.op.bank_op_id).to.match(/^[A-Za-z0-9_-]{1,100}$/);
      expect(captured.claims!.error).to.equal(undefined);
      expect(captured.claims!.txn).to.include({ capture_status: 'captured', amount_captured: 3000 });
      expect(bench.bankSide(bankTxnId).captures.map((c) => c.amount)).to.deep.equal([3000]);

      const second = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1000, currency: 'EUR' });
      expect(second.httpStatus).to.equal(409);
      expect(second.claims!).to.deep.include({ error: 'invalid_state' });
      expect(second.claims!.op).to.include({ status: 'refused', error: 'invalid_state' });
      expect(bench.bankSide(bankTxnId).captures).to.have.length(1);
    });

    it('refuses a capture above the authorised amount, and one in another currency', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual', amount: 5000 });
      const over = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 5001, currency: 'EUR' });
      expect([over.httpStatus, over.claims!.error]).to.deep.equal([422, 'amount_exceeds_capturable']);
      const usd = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'USD' });
      expect([usd.httpStatus, usd.claims!.error]).to.deep.equal([422, 'currency_mismatch']);
      expect(bench.bankSide(bankTxnId).captures).to.deep.equal([]);
    });

    it('closes the capture window after capture_before: capture and cancel are refused', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual' });
      bench.clockOffsetMs = CAPTURE_WINDOW_SECONDS * 1000 + 1000;
      const late = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' });
      expect([late.httpStatus, late.claims!.error]).to.deep.equal([409, 'capture_window_closed']);
      expect(late.claims!.txn).to.include({ capture_status: 'lapsed', amount_captured: 0 });
      const cancel = await bench.operate({ type: 'cancel', op_id: newOpId(), bank_txn_id: bankTxnId });
      expect([cancel.httpStatus, cancel.claims!.error]).to.deep.equal([409, 'capture_window_closed']);
    });
  });

  describe('cancel (void)', () => {
    it('voids an authorisation nothing was captured from; nothing can be captured after', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual' });
      const voided = await bench.operate({ type: 'cancel', op_id: newOpId(), bank_txn_id: bankTxnId });
      expect(voided.httpStatus).to.equal(200);
      expect(voided.claims!.op).to.include({ type: 'cancel', status: 'succeeded' });
      expect(voided.claims!.txn).to.include({ capture_status: 'voided', amount_captured: 0 });
      expect(bench.bankSide(bankTxnId).voided).to.not.equal(undefined);
      const capture = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' });
      expect([capture.httpStatus, capture.claims!.error]).to.deep.equal([409, 'invalid_state']);
    });

    it('refuses to void a captured (automatic) transaction: it is refunded instead', async () => {
      const { bankTxnId } = await bench.transaction();
      const cancel = await bench.operate({ type: 'cancel', op_id: newOpId(), bank_txn_id: bankTxnId });
      expect([cancel.httpStatus, cancel.claims!.error]).to.deep.equal([409, 'invalid_state']);
    });

    it('refuses operations on a transaction that was never authorised', async () => {
      const { bankTxnId } = await bench.transaction({ pay: false });
      const cancel = await bench.operate({ type: 'cancel', op_id: newOpId(), bank_txn_id: bankTxnId });
      expect([cancel.httpStatus, cancel.claims!.error]).to.deep.equal([409, 'invalid_state']);
      expect(cancel.claims!.txn).to.include({ status: 'pending' });
    });
  });

  describe('refund', () => {
    it('refunds in several parts up to what was captured, and no further', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 2480 });
      const first = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1000, currency: 'EUR', reason: 'returned item' });
      expect(first.httpStatus).to.equal(200);
      expect(first.claims!.op).to.include({ type: 'refund', status: 'succeeded', amount: 1000 });
      const second = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1480, currency: 'EUR' });
      expect(second.claims!.txn).to.include({ amount_captured: 2480, amount_refunded: 2480 });
      const over = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1, currency: 'EUR' });
      expect([over.httpStatus, over.claims!.error]).to.deep.equal([422, 'amount_exceeds_refundable']);
      expect(bench.bankSide(bankTxnId).refunds.map((r) => [r.amount, r.status, r.reason])).to.deep.equal([
        [1000, 'succeeded', 'returned item'],
        [1480, 'succeeded', undefined],
      ]);
    });

    it('refunds a manual capture up to the captured amount, not the authorised one', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual', amount: 5000 });
      const early = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' });
      expect([early.httpStatus, early.claims!.error]).to.deep.equal([409, 'invalid_state']);
      await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 2000, currency: 'EUR' });
      const over = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 2001, currency: 'EUR' });
      expect(over.claims!.error).to.equal('amount_exceeds_refundable');
      const exact = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 2000, currency: 'EUR' });
      expect(exact.claims!.op.status).to.equal('succeeded');
    });

    it('never refunds more than was captured, with 20 refunds sent at once', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 2480 });
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 300, currency: 'EUR' })),
      );
      const succeeded = answers.filter((a) => a.httpStatus === 200 && a.claims!.op.status === 'succeeded');
      const refused = answers.filter((a) => a.claims!.error === 'amount_exceeds_refundable');
      expect(succeeded).to.have.length(8);
      expect(refused).to.have.length(12);
      const refunds = bench.bankSide(bankTxnId).refunds;
      expect(refunds.reduce((sum, r) => sum + r.amount, 0)).to.equal(2400);
    });
  });

  describe('status', () => {
    it('finds a transaction by the merchant reference too, before any verdict', async () => {
      const { bankTxnId, ref } = await bench.transaction({ pay: false });
      const answer = await bench.operate({ type: 'status', ref });
      expect(answer.httpStatus).to.equal(200);
      expect(answer.claims!.txn).to.deep.equal({
        ref,
        bank_txn_id: bankTxnId,
        status: 'pending',
        amount: 2480,
        currency: 'EUR',
        capture: 'automatic',
        amount_captured: 0,
        amount_refunded: 0,
        amount_refund_pending: 0,
      });
      expect(answer.claims!.op).to.equal(undefined);
    });

    it('carries the facts of a notification for an authorised transaction', async () => {
      const { bankTxnId, notification } = await bench.transaction();
      const answer = await bench.operate({ type: 'status', bank_txn_id: bankTxnId });
      const sent = notification!.txn as Record<string, unknown>;
      expect(answer.claims!.txn).to.deep.include({ ...sent, capture: 'automatic', capture_status: 'captured', amount_captured: 2480 });
    });

    it('tells the outcome of an earlier operation by its op_id, and unknown_operation for another', async () => {
      const { bankTxnId } = await bench.transaction();
      const opId = newOpId();
      const refund = await bench.operate({ type: 'refund', op_id: opId, bank_txn_id: bankTxnId, amount: 500, currency: 'EUR' });
      const asked = await bench.operate({ type: 'status', bank_txn_id: bankTxnId, op_id: opId });
      expect(asked.httpStatus).to.equal(200);
      expect(asked.claims!.op).to.deep.equal(refund.claims!.op);
      const unknown = await bench.operate({ type: 'status', bank_txn_id: bankTxnId, op_id: newOpId() });
      expect([unknown.httpStatus, unknown.claims!.error]).to.deep.equal([404, 'unknown_operation']);
      expect(unknown.claims!.txn.bank_txn_id).to.equal(bankTxnId);
    });

    it('answers unknown_transaction for an id the bank never gave, and for another merchant’s transaction', async () => {
      const made = await bench.operate({ type: 'status', bank_txn_id: `sbx${randomBytes(16).toString('hex')}` });
      expect([made.httpStatus, made.claims!.error, made.claims!.txn]).to.deep.equal([404, 'unknown_transaction', undefined]);
      const { bankTxnId } = await bench.transaction();
      const theirs = await bench.operate({ type: 'status', bank_txn_id: bankTxnId }, { iss: KNOB_MERCHANT_ID });
      expect(theirs.claims!.error).to.equal('unknown_transaction');
      const refund = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: `sbx${randomBytes(16).toString('hex')}`, amount: 1, currency: 'EUR' });
      expect([refund.httpStatus, refund.claims!.error]).to.deep.equal([404, 'unknown_transaction']);
    });
  });

  describe('op_id idempotency', () => {
    it('answers a retry with the same op_id and body with the same operation, done once', async () => {
      const { bankTxnId } = await bench.transaction();
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 700, currency: 'EUR', reason: 'late delivery' };
      const first = await bench.operate(op);
      const again = await bench.operate({ reason: 'late delivery', currency: 'EUR', amount: 700, bank_txn_id: bankTxnId, op_id: op.op_id, type: 'refund' });
      expect(again.httpStatus).to.equal(200);
      expect(again.claims!.op).to.deep.equal(first.claims!.op);
      expect(again.claims!.jti).to.not.equal(first.claims!.jti);
      expect(bench.bankSide(bankTxnId).refunds).to.have.length(1);
    });

    it('answers a retried refusal with the same refusal', async () => {
      const { bankTxnId } = await bench.transaction();
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 9999, currency: 'EUR' };
      const first = await bench.operate(op);
      const again = await bench.operate(op);
      expect([again.httpStatus, again.claims!.error]).to.deep.equal([422, 'amount_exceeds_refundable']);
      expect(again.claims!.op).to.deep.equal(first.claims!.op);
    });

    it('refuses the same op_id with another body, changing nothing', async () => {
      const { bankTxnId } = await bench.transaction();
      const opId = newOpId();
      const first = await bench.operate({ type: 'refund', op_id: opId, bank_txn_id: bankTxnId, amount: 700, currency: 'EUR' });
      const other = await bench.operate({ type: 'refund', op_id: opId, bank_txn_id: bankTxnId, amount: 800, currency: 'EUR' });
      expect(other.httpStatus).to.equal(409);
      expect(other.claims!.error).to.equal('duplicate_op_id_mismatch');
      expect(other.claims!.op).to.equal(undefined);
      const asCapture = await bench.operate({ type: 'cancel', op_id: opId, bank_txn_id: bankTxnId });
      expect(asCapture.claims!.error).to.equal('duplicate_op_id_mismatch');
      expect(bench.bankSide(bankTxnId).refunds.map((r) => r.amount)).to.deep.equal([700]);
      const asked = await bench.operate({ type: 'status', bank_txn_id: bankTxnId, op_id: opId });
      expect(asked.claims!.op).to.deep.equal(first.claims!.op);
    });
  });

  describe('the request token', () => {
    async function expectRefused(body: string, status: number, error: string, options: { contentType?: string } = {}) {
      const answer = await bench.post(body, options);
      expect(answer.httpStatus, answer.raw).to.equal(status);
      expect(answer.contentType).to.match(/^application\/json/);
      expect(answer.refusal!.error).to.equal(error);
      return answer;
    }

    it('refuses a replayed token (same jti), changing nothing', async () => {
      const { bankTxnId } = await bench.transaction();
      const { token } = await bench.sign({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' });
      expect((await bench.post(token)).httpStatus).to.equal(200);
      await expectRefused(token, 409, 'replayed');
      expect(bench.bankSide(bankTxnId).refunds).to.have.length(1);
    });

    it('refuses a token with another typ (a payment request is not an operation)', async () => {
      const { bankTxnId } = await bench.transaction();
      const { token } = await bench.sign({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' }, { typ: 'hpp-req+jwt' });
      await expectRefused(token, 400, 'wrong_type');
      expect(bench.bankSide(bankTxnId).refunds).to.deep.equal([]);
    });

    it('refuses a token addressed to another bank', async () => {
      const { token } = await bench.sign({ type: 'status', ref: 'ABC' }, { aud: 'another-bank' });
      await expectRefused(token, 400, 'wrong_audience');
    });

    it('refuses an expired token, and accepts one expired by less than the 30 s tolerance', async () => {
      const now = bench.nowSeconds();
      const { token } = await bench.sign({ type: 'status', ref: 'ABC' }, { iat: now - 200, exp: now - 60 });
      await expectRefused(token, 400, 'expired');
      const { token: tolerated } = await bench.sign({ type: 'status', ref: 'ABC' }, { iat: now - 200, exp: now - 10 });
      expect((await bench.post(tolerated)).httpStatus).to.equal(404);
    });

    it('refuses a token living longer than 600 s, and one issued in the future', async () => {
      const now = bench.nowSeconds();
      await expectRefused((await bench.sign({ type: 'status', ref: 'ABC' }, { iat: now, exp: now + 601 })).token, 400, 'lifetime_too_long');
      await expectRefused((await bench.sign({ type: 'status', ref: 'ABC' }, { iat: now + 120, exp: now + 300 })).token, 400, 'issued_in_future');
    });

    it('refuses alg none and an unknown merchant', async () => {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const claims = { iss: MERCHANT_ID, aud: 'sandbox-bank', iat: bench.nowSeconds(), exp: bench.nowSeconds() + 60, jti: 'x', op: { type: 'status', ref: 'ABC' } };
      await expectRefused(`${encode({ alg: 'none', kid: bench.gateway.key.kid, typ: 'hpp-op+jwt' })}.${encode(claims)}.`, 400, 'algorithm_not_allowed');
      await expectRefused((await bench.sign({ type: 'status', ref: 'ABC' }, { iss: 'stranger' })).token, 400, 'unknown_merchant');
    });

    it('refuses a body that is not application/jwt, and one that is not a token', async () => {
      const { token } = await bench.sign({ type: 'status', ref: 'ABC' });
      await expectRefused(`token=${token}`, 415, 'unsupported_media_type', { contentType: 'application/x-www-form-urlencoded' });
      await expectRefused(JSON.stringify({ token }), 415, 'unsupported_media_type', { contentType: 'application/json' });
      await expectRefused('not a token', 400, 'malformed_request');
      await expectRefused('a'.repeat(40_000), 413, 'request_too_large');
    });

    it('names the claim, never its value, for an operation that is not well formed', async () => {
      const { bankTxnId } = await bench.transaction();
      const cases: [Record<string, unknown>, string][] = [
        [{ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, currency: 'EUR' }, 'op.amount'],
        [{ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 10.5, currency: 'EUR' }, 'op.amount'],
        [{ type: 'capture', op_id: 'has spaces', bank_txn_id: bankTxnId, amount: 10, currency: 'EUR' }, 'op.op_id'],
        [{ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 10, currency: 'XTS' }, 'op.currency'],
        [{ type: 'transfer', op_id: newOpId(), bank_txn_id: bankTxnId }, 'op.type'],
        [{ type: 'status', bank_txn_id: bankTxnId, ref: 'ABC' }, 'op.bank_txn_id'],
        [{ type: 'status' }, 'op.bank_txn_id'],
      ];
      for (const [op, field] of cases) {
        const answer = await expectRefused((await bench.sign(op)).token, 400, 'invalid_claims');
        expect(answer.refusal!.field, JSON.stringify(op)).to.equal(field);
      }
      expect(bench.bankSide(bankTxnId).refunds).to.deep.equal([]);
    });
  });
});
