import { expect } from 'chai';
import { decodeJwt, SignJWT } from 'jose';
import { BankUnavailableError } from '../../../src/core/errors.js';
import { GatewayKeystore } from '../../../src/keys/keystore.js';
import { CAPTURE_WINDOW_MS, LATE_ANSWER_MS, MERCHANT_ID, newOperationId, OperationsBench, SHORT_TIMEOUT_MS, STATUS_TIMEOUT_MERCHANT_ID } from './operations-bench.js';

const seconds = (ms: number) => Math.floor(ms / 1000);

describe('native connector: operations against the sandbox bank (docs/protocol.md, sections 4.6 and 11)', function () {
  this.timeout(10_000);
  let bench: OperationsBench;

  before(async () => {
    bench = await OperationsBench.start();
  });
  after(async () => {
    await bench?.close();
  });

  describe('manual capture at the payment (section 4.6)', () => {
    it('section 4.3: a manual payment asks capture "manual"; an automatic one has no capture claim at all', async () => {
      const manual = await bench.paidPayment({ capture: 'manual' });
      expect(decodeJwt(manual.requestToken).capture).to.equal('manual');
      const automatic = await bench.paidPayment();
      expect(decodeJwt(automatic.requestToken)).to.not.have.property('capture');
    });

    it('section 6.1: a manual authorisation from the card page is read as reserved, with the bank\'s capture_before and the authorised amount', async () => {
      const before = Date.now();
      const { outcome } = await bench.paidPayment({ capture: 'manual', amount: 5000 });
      expect(outcome).to.include({ status: 'authorised', amount: 5000, currency: 'EUR', capture: 'manual' });
      const limit = Date.parse(outcome.captureBefore!);
      expect(limit).to.be.within(seconds(before + CAPTURE_WINDOW_MS) * 1000, Date.now() + CAPTURE_WINDOW_MS);
    });

    it('section 4.6: an authorised response without txn.capture is money taken in full, whatever was asked', async () => {
      const { outcome } = await bench.paidPayment();
      expect(outcome.capture).to.equal('automatic');
      expect(outcome).to.not.have.property('captureBefore');
    });
  });

  describe('capabilities (section 11.6)', () => {
    it('one capture per authorisation, the configured window, and every operation when the operations URL is set', () => {
      expect(bench.connector().operations!.capabilities).to.deep.equal({
        manualCapture: true,
        captureWindowMs: CAPTURE_WINDOW_MS,
        multipleCaptures: false,
        capture: true,
        void: true,
        refund: true,
        status: true,
      });
    });

    it('no operations at all without an operations URL', () => {
      expect(bench.connector({ operationsUrl: null }).operations).to.equal(undefined);
    });
  });

  describe('capture and cancel (sections 11.5 and 11.6)', () => {
    it('captures the whole authorisation: succeeded with the amount and the bank\'s operation id', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector, capture: 'manual', amount: 5000 });
      const answer = await connector.operations!.capture!(paid.target(newOperationId()), 5000);
      expect(answer).to.include({ outcome: 'succeeded', amount: 5000, currency: 'EUR' });
      expect((answer as { bankReference?: string }).bankReference).to.match(/^[A-Za-z0-9_-]{1,100}$/);
      expect(bench.bankSide(paid.attempt.bankTransactionId!).captures.map((c) => c.amount)).to.deep.equal([5000]);
    });

    it('captures part, which releases the rest: a second capture is refused invalid_state', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector, capture: 'manual', amount: 5000 });
      expect(await connector.operations!.capture!(paid.target(newOperationId()), 3000)).to.include({ outcome: 'succeeded', amount: 3000 });
      expect(await connector.operations!.capture!(paid.target(newOperationId()), 1000)).to.deep.equal({ outcome: 'refused', reason: 'invalid_state' });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).captures.map((c) => c.amount)).to.deep.equal([3000]);
    });

    it('refuses a capture above the authorisation: amount_not_capturable, nothing captured', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector, capture: 'manual', amount: 5000 });
      expect(await connector.operations!.capture!(paid.target(newOperationId()), 5001)).to.deep.equal({ outcome: 'refused', reason: 'amount_not_capturable' });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).captures).to.deep.equal([]);
    });

    it('voids an authorisation (op "cancel"); nothing can be captured after it', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector, capture: 'manual', amount: 5000 });
      expect(await connector.operations!.void!(paid.target(newOperationId()))).to.include({ outcome: 'succeeded', amount: 5000, currency: 'EUR' });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).voided).to.not.equal(undefined);
      expect(await connector.operations!.capture!(paid.target(newOperationId()), 100)).to.deep.equal({ outcome: 'refused', reason: 'invalid_state' });
    });

    it('refuses to void an automatic payment: invalid_state (it is refunded instead)', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      expect(await connector.operations!.void!(paid.target(newOperationId()))).to.deep.equal({ outcome: 'refused', reason: 'invalid_state' });
    });
  });

  describe('refunds (sections 11.5 to 11.8)', () => {
    it('refunds several parts of a capture, then refuses what would exceed it: amount_not_refundable', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector, capture: 'manual', amount: 5000 });
      await connector.operations!.capture!(paid.target(newOperationId()), 3000);
      expect(await connector.operations!.refund!(paid.target(newOperationId()), 1000, 'returned item')).to.include({ outcome: 'succeeded', amount: 1000, currency: 'EUR' });
      expect(await connector.operations!.refund!(paid.target(newOperationId()), 1500, null)).to.include({ outcome: 'succeeded', amount: 1500 });
      expect(await connector.operations!.refund!(paid.target(newOperationId()), 501, null)).to.deep.equal({ outcome: 'refused', reason: 'amount_not_refundable' });
      const refunds = bench.bankSide(paid.attempt.bankTransactionId!).refunds;
      expect(refunds.map((r) => [r.amount, r.status, r.reason])).to.deep.equal([
        [1000, 'succeeded', 'returned item'],
        [1500, 'succeeded', undefined],
      ]);
    });

    it('section 11.5: the same refund sent again with its op_id answers the first one and refunds once', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      const target = paid.target(newOperationId());
      const first = await connector.operations!.refund!(target, 700, 'damaged');
      const again = await connector.operations!.refund!(target, 700, 'damaged');
      expect(again).to.deep.equal(first);
      expect(bench.bankSide(paid.attempt.bankTransactionId!).refunds).to.have.length(1);
    });

    it('section 11.8: the refund status by op_id tells what became of it; an op_id the bank never saw stays unknown', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      const target = paid.target(newOperationId());
      const refunded = await connector.operations!.refund!(target, 600, null);
      expect(await connector.operations!.refundStatus!(target)).to.deep.equal(refunded);
      expect(await connector.operations!.refundStatus!(paid.target(newOperationId()))).to.deep.equal({ outcome: 'unknown', reason: 'unknown_operation' });
    });

    it('section 11.8: a pending refund (…54) is pending, then succeeded when asked again', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      const target = paid.target(newOperationId());
      expect(await connector.operations!.refund!(target, 1054, null)).to.include({ outcome: 'pending' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await connector.operations!.refundStatus!(target)).to.include({ outcome: 'succeeded', amount: 1054 });
    });

    it('section 11.8: a refund that failed after pending (…55) is refused with the bank\'s failure reason', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      const target = paid.target(newOperationId());
      expect(await connector.operations!.refund!(target, 1055, null)).to.include({ outcome: 'pending' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await connector.operations!.refundStatus!(target)).to.deep.equal({ outcome: 'refused', reason: 'refund_failed' });
    });
  });

  describe('status (section 11.7)', () => {
    it('by reference, when the bank\'s id never reached us: the transaction as a bank outcome', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector, capture: 'manual', amount: 5000 });
      const { bankTransactionId: _lost, ...attempt } = paid.attempt;
      const outcome = await connector.operations!.status!({ payment: paid.payment, attempt });
      expect(outcome).to.deep.equal(paid.outcome);
    });

    it('by the bank\'s id, for an automatic payment; null for a reference the bank does not know', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      expect(await connector.operations!.status!({ payment: paid.payment, attempt: paid.attempt })).to.deep.equal(paid.outcome);
      const { bankTransactionId: _none, ...attempt } = paid.attempt;
      expect(await connector.operations!.status!({ payment: paid.payment, attempt: { ...attempt, ref: 'NEVERSENT0001' } })).to.equal(null);
    });

    it('a status without answer (a 504) throws bank_unavailable; asked again, it answers', async () => {
      const connector = bench.connector({ merchantId: STATUS_TIMEOUT_MERCHANT_ID });
      const paid = await bench.paidPayment({ connector });
      let failure: unknown;
      await connector.operations!.status!({ payment: paid.payment, attempt: paid.attempt }).catch((err: unknown) => (failure = err));
      expect(failure).to.be.instanceOf(BankUnavailableError);
      expect(await connector.operations!.status!({ payment: paid.payment, attempt: paid.attempt })).to.deep.equal(paid.outcome);
    });
  });

  describe('test amounts of the sandbox bank (section 12)', () => {
    it('…51: refused operation_declined', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      expect(await connector.operations!.refund!(paid.target(newOperationId()), 1051, null)).to.deep.equal({ outcome: 'refused', reason: 'operation_declined' });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).refunds).to.deep.equal([]);
    });

    it('…52: a 504 is unknown, never failed; the retry with the same op_id gets the answer, one refund at the bank', async () => {
      const connector = bench.connector();
      const paid = await bench.paidPayment({ connector });
      const target = paid.target(newOperationId());
      expect(await connector.operations!.refund!(target, 1052, null)).to.deep.equal({ outcome: 'unknown', reason: 'http_504' });
      expect(await connector.operations!.refund!(target, 1052, null)).to.include({ outcome: 'succeeded', amount: 1052 });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).refunds.map((r) => r.amount)).to.deep.equal([1052]);
    });

    it('…53: an answer later than our timeout is unknown; the status and the same op_id then tell it succeeded, once', async () => {
      const connector = bench.connector();
      const impatient = bench.connector({ timeoutMs: SHORT_TIMEOUT_MS });
      const paid = await bench.paidPayment({ connector });
      const target = paid.target(newOperationId());
      expect(await impatient.operations!.refund!(target, 1053, null)).to.deep.equal({ outcome: 'unknown', reason: 'timeout' });
      expect(await connector.operations!.refundStatus!(target)).to.include({ outcome: 'succeeded', amount: 1053 });
      expect(await connector.operations!.refund!(target, 1053, null)).to.include({ outcome: 'succeeded', amount: 1053 });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).refunds.map((r) => r.amount)).to.deep.equal([1053]);
      // Let the bank's late answer leave before the bench closes.
      await new Promise((resolve) => setTimeout(resolve, LATE_ANSWER_MS));
    });
  });

  describe('answers that cannot be believed (section 11.9): unknown, never succeeded or refused', () => {
    /** An answer signed with the bank's own key, in reply to the request received unless told otherwise. */
    async function bankSigned(requestToken: string, claims: Record<string, unknown>, header: { typ?: string } = {}) {
      const request = decodeJwt(requestToken) as { jti: string; op: { op_id: string; amount?: number; currency?: string } };
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({
        in_reply_to: request.jti,
        op: { op_id: request.op.op_id, type: 'refund', status: 'succeeded', amount: request.op.amount, currency: request.op.currency, bank_op_id: 'sbxop1', created_at: iat },
        ...claims,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid: bench.bankKey.kid, typ: header.typ ?? 'hpp-opres+jwt' })
        .setIssuer('sandbox-bank')
        .setAudience(MERCHANT_ID)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 300)
        .setJti(`answer-${iat}-${Math.random()}`)
        .sign(bench.bankKey.privateKey);
    }

    async function refundThroughScript() {
      const connector = bench.connector({ operationsUrl: bench.scriptedUrl });
      const paid = await bench.paidPayment();
      return connector.operations!.refund!(paid.target(newOperationId()), 900, null);
    }

    afterEach(() => {
      bench.script = async () => ({ status: 503, body: '' });
    });

    it('the scripted endpoint\'s well-formed answer is believed (so the cases below fail for their one fault)', async () => {
      bench.script = async (token) => ({ status: 200, contentType: 'application/jwt', body: await bankSigned(token, {}) });
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'succeeded', amount: 900, currency: 'EUR', bankReference: 'sbxop1' });
      const sent = decodeJwt(bench.scriptedRequests.at(-1)!);
      expect(sent).to.include({ iss: MERCHANT_ID, aud: 'sandbox-bank' });
      expect(sent.exp! - sent.iat!).to.equal(120);
    });

    it('a tampered answer (its payload changed after signing) is unknown', async () => {
      bench.script = async (token) => {
        const [header, payload, signature] = (await bankSigned(token, {})).split('.');
        const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), op: { status: 'refused' } })).toString('base64url');
        return { status: 200, contentType: 'application/jwt', body: `${header}.${changed}.${signature}` };
      };
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'unknown', reason: 'unverified_answer_bad_signature' });
    });

    it('an answer of another type (typ hpp-resp+jwt) is unknown', async () => {
      bench.script = async (token) => ({ status: 200, contentType: 'application/jwt', body: await bankSigned(token, {}, { typ: 'hpp-resp+jwt' }) });
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'unknown', reason: 'unverified_answer_claim_typ' });
    });

    it('an answer to another request (in_reply_to) is unknown', async () => {
      bench.script = async (token) => ({ status: 200, contentType: 'application/jwt', body: await bankSigned(token, { in_reply_to: 'another-request' }) });
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'unknown', reason: 'unverified_answer_in_reply_to' });
    });

    it('an answer about another op_id is unknown', async () => {
      bench.script = async (token) => ({
        status: 200,
        contentType: 'application/jwt',
        body: await bankSigned(token, { op: { op_id: 'op_other', type: 'refund', status: 'succeeded', amount: 900, currency: 'EUR', created_at: 1 } }),
      });
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'unknown', reason: 'answer_for_another_operation' });
    });

    it('an unsigned JSON refusal (section 11.4) is unknown: this request was not processed, an earlier try may have been', async () => {
      bench.script = async () => ({ status: 400, contentType: 'application/json', body: '{"error":"replayed"}' });
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'unknown', reason: 'not_processed_replayed' });
    });

    it('a 503 and a cut connection are unknown', async () => {
      bench.script = async () => ({ status: 503, contentType: 'application/jwt', body: 'x' });
      expect(await refundThroughScript()).to.deep.equal({ outcome: 'unknown', reason: 'http_503' });
      const connector = bench.connector({ operationsUrl: 'http://127.0.0.1:9/operations' });
      const paid = await bench.paidPayment();
      expect(await connector.operations!.refund!(paid.target(newOperationId()), 900, null)).to.deep.equal({ outcome: 'unknown', reason: 'network_error' });
    });

    it('the real bank refuses, unsigned, a request signed with a key it does not know: unknown, nothing refunded', async () => {
      const paid = await bench.paidPayment();
      const stranger = bench.connector({ keystore: await GatewayKeystore.ephemeral() });
      expect(await stranger.operations!.refund!(paid.target(newOperationId()), 900, null)).to.deep.equal({ outcome: 'unknown', reason: 'not_processed_bad_signature' });
      expect(bench.bankSide(paid.attempt.bankTransactionId!).refunds).to.deep.equal([]);
    });
  });

  it('no card number in any request the connector sent or any answer it read', async () => {
    const connector = bench.connector();
    const paid = await bench.paidPayment({ connector, capture: 'manual' });
    const answers = [await connector.operations!.capture!(paid.target(newOperationId()), 5000), await connector.operations!.refund!(paid.target(newOperationId()), 100, null)];
    const seen = JSON.stringify([answers, await connector.operations!.status!({ payment: paid.payment, attempt: paid.attempt }), bench.scriptedRequests.map((t) => decodeJwt(t))]);
    expect(seen.replace(/[ -]/g, '')).to.not.contain('4242424242424242');
    expect(JSON.stringify(bench.bankLogger.lines).replace(/[ -]/g, '')).to.not.contain('4242424242424242');
  });
});
