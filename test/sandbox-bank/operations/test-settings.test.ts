import { expect } from 'chai';
import { parse } from 'node-html-parser';
import { KNOB_MERCHANT_ID, LATE_ANSWER_MS, newOpId, OperationsBench, REFUND_SETTLE_MS } from './merchant-side.js';

describe('sandbox bank: operation test settings and back office', () => {
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

  describe('test amounts (last two digits of the operation amount)', () => {
    it('…51 declines the operation', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual', amount: 5000 });
      const answer = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1051, currency: 'EUR' });
      expect([answer.httpStatus, answer.claims!.error]).to.deep.equal([422, 'operation_declined']);
      expect(bench.bankSide(bankTxnId).captures).to.deep.equal([]);
    });

    it('…52 does the refund but times out once: 504 without a body, then the retry gets the answer', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 5000 });
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1052, currency: 'EUR' };
      const first = await bench.operate(op);
      expect([first.httpStatus, first.raw]).to.deep.equal([504, '']);
      expect(bench.bankSide(bankTxnId).refunds.map((r) => r.status)).to.deep.equal(['succeeded']);
      const retry = await bench.operate(op);
      expect(retry.httpStatus).to.equal(200);
      expect(retry.claims!.op).to.include({ op_id: op.op_id, status: 'succeeded', amount: 1052 });
      expect(retry.claims!.op.bank_op_id).to.equal(bench.bankSide(bankTxnId).refunds[0]!.bankOpId);
      expect(bench.bankSide(bankTxnId).refunds).to.have.length(1);
    });

    it('…53 answers late; a merchant that gave up retries and gets the answer at once, done once', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 5000 });
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1053, currency: 'EUR' };
      const started = Date.now();
      let gaveUp: unknown;
      try {
        await bench.operate(op, { timeoutMs: LATE_ANSWER_MS / 4 });
      } catch (err) {
        gaveUp = err;
      }
      expect((gaveUp as Error)?.name).to.equal('TimeoutError');
      const retry = await bench.operate(op);
      expect(Date.now() - started).to.be.lessThan(LATE_ANSWER_MS);
      expect(retry.claims!.op).to.include({ status: 'succeeded', amount: 1053 });
      expect(bench.bankSide(bankTxnId).refunds).to.have.length(1);

      const other = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 153, currency: 'EUR' };
      const waited = Date.now();
      const slow = await bench.operate(other);
      expect(Date.now() - waited).to.be.at.least(LATE_ANSWER_MS - 20);
      expect(slow.claims!.op.status).to.equal('succeeded');
    });

    it('…54 leaves a refund pending (202), holding its amount, until it settles as succeeded', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 2000 });
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1554, currency: 'EUR' };
      const pending = await bench.operate(op);
      expect(pending.httpStatus).to.equal(202);
      expect(pending.claims!.op).to.include({ status: 'pending' });
      expect(pending.claims!.txn).to.include({ amount_refund_pending: 1554, amount_refunded: 0 });
      const more = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 447, currency: 'EUR' });
      expect(more.claims!.error).to.equal('amount_exceeds_refundable');

      bench.clockOffsetMs = REFUND_SETTLE_MS + 10;
      const asked = await bench.operate({ type: 'status', bank_txn_id: bankTxnId, op_id: op.op_id });
      expect(asked.claims!.op).to.include({ status: 'succeeded', amount: 1554 });
      expect(asked.claims!.txn).to.include({ amount_refund_pending: 0, amount_refunded: 1554 });
      const retried = await bench.operate(op);
      expect([retried.httpStatus, retried.claims!.op.status]).to.deep.equal([200, 'succeeded']);
    });

    it('…55 leaves a refund pending, then failed (refund_failed), its amount released', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 2000 });
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1555, currency: 'EUR' };
      expect((await bench.operate(op)).httpStatus).to.equal(202);
      bench.clockOffsetMs = REFUND_SETTLE_MS + 10;
      const asked = await bench.operate({ type: 'status', bank_txn_id: bankTxnId, op_id: op.op_id });
      expect(asked.claims!.op).to.include({ status: 'failed', failure_reason: 'refund_failed' });
      expect(asked.claims!.txn).to.include({ amount_refund_pending: 0, amount_refunded: 0 });
      const full = await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 2000, currency: 'EUR' });
      expect(full.claims!.op.status).to.equal('succeeded');
    });
  });

  describe('per-merchant settings', () => {
    const as = { iss: KNOB_MERCHANT_ID };

    it('unsupported: refuses the operation type with operation_not_supported', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual', merchantId: KNOB_MERCHANT_ID });
      const answer = await bench.operate({ type: 'capture', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' }, as);
      expect([answer.httpStatus, answer.claims!.error]).to.deep.equal([422, 'operation_not_supported']);
    });

    it('decline: refuses the operation with operation_declined', async () => {
      const { bankTxnId } = await bench.transaction({ capture: 'manual', merchantId: KNOB_MERCHANT_ID });
      const answer = await bench.operate({ type: 'cancel', op_id: newOpId(), bank_txn_id: bankTxnId }, as);
      expect([answer.httpStatus, answer.claims!.error]).to.deep.equal([422, 'operation_declined']);
      expect(bench.bankSide(bankTxnId).voided).to.equal(undefined);
    });

    it('timeout_once: the first answer of each op_id is a 504, the operation done once', async () => {
      const { bankTxnId } = await bench.transaction({ merchantId: KNOB_MERCHANT_ID });
      const op = { type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 100, currency: 'EUR' };
      expect((await bench.operate(op, as)).httpStatus).to.equal(504);
      expect((await bench.operate(op, as)).httpStatus).to.equal(200);
      expect((await bench.operate(op, as)).httpStatus).to.equal(200);
      expect(bench.bankSide(bankTxnId).refunds).to.have.length(1);
    });

    it('late: a status query answers after the late delay', async () => {
      const { bankTxnId } = await bench.transaction({ merchantId: KNOB_MERCHANT_ID });
      const started = Date.now();
      const answer = await bench.operate({ type: 'status', bank_txn_id: bankTxnId }, as);
      expect(Date.now() - started).to.be.at.least(LATE_ANSWER_MS - 20);
      expect(answer.claims!.txn.status).to.equal('authorised');
    });
  });

  describe('GET /back-office', () => {
    it('lists transactions with their captures and refunds, escaping what merchants sent', async () => {
      const { bankTxnId, ref } = await bench.transaction({ capture: 'manual', amount: 5000 });
      const captureOp = newOpId();
      const refundOp = newOpId();
      await bench.operate({ type: 'capture', op_id: captureOp, bank_txn_id: bankTxnId, amount: 4000, currency: 'EUR' });
      await bench.operate({ type: 'refund', op_id: refundOp, bank_txn_id: bankTxnId, amount: 1500, currency: 'EUR', reason: '<script>alert(1)</script> broken' });

      const res = await bench.backOffice().expect(200).expect('Content-Type', /html/);
      expect(res.headers['content-security-policy']).to.include("script-src 'self' 'nonce-");
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.text).to.not.include('<script>alert(1)</script>');
      expect(res.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt; broken');

      const page = parse(res.text);
      const section = page.querySelector(`section#${bankTxnId}`)!;
      expect(section.querySelector('h2')!.text).to.include(ref).and.include('€50.00').and.include('authorised');
      expect(section.querySelector('dd.captured')!.text).to.equal('€40.00');
      expect(section.querySelector('dd.refunded')!.text.trim()).to.equal('€15.00');
      expect(section.text).to.include('manual, captured');
      const rows = section.querySelectorAll('tr.capture, tr.refund').map((tr) => tr.querySelectorAll('td').slice(0, 4).map((td) => td.text));
      expect(rows).to.deep.equal([
        ['capture', captureOp, '€40.00', 'succeeded'],
        ['refund', refundOp, '€15.00', 'succeeded'],
      ]);
    });

    it('shows a pending refund settled once it is due', async () => {
      const { bankTxnId } = await bench.transaction({ amount: 2000 });
      await bench.operate({ type: 'refund', op_id: newOpId(), bank_txn_id: bankTxnId, amount: 1554, currency: 'EUR' });
      const pendingPage = parse((await bench.backOffice().expect(200)).text);
      expect(pendingPage.querySelector(`section#${bankTxnId} tr.refund`)!.text).to.include('pending');
      bench.clockOffsetMs = REFUND_SETTLE_MS + 10;
      const settledPage = parse((await bench.backOffice().expect(200)).text);
      expect(settledPage.querySelector(`section#${bankTxnId} tr.refund`)!.text).to.include('succeeded');
    });
  });
});
