import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import type { Stack } from '../../support/stack.js';
import { startMoneticoStack } from './monetico-stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

/** Checkout → Pay → paiement.cgi → the card page, paid with 4242…, and back to the gateway. */
async function payAtBank(stack: Stack, checkoutUrl: string): Promise<void> {
  const browser = new Browser();
  const redirect = await browser.submitForm(await browser.get(checkoutUrl), 'form');
  const card = await browser.submitForm(redirect, '#bank-redirect');
  expect(card.doc.querySelector('input[name=cardNumber]'), card.html.slice(0, 800)).to.not.equal(null);
  const back = await browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
  await browser.submitForm(back, '#return-to-merchant');
}

async function until(stack: Stack, id: string, status: string): Promise<any> {
  for (let i = 0; i < 100; i += 1) {
    const read = (await stack.api(`/payments/${id}`)).body;
    if (read.status === status) return read;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`payment ${id} never became ${status}`);
}

function expectProblem(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body.type).to.match(new RegExp(`/problems/${code}$`));
}

const post = (stack: Stack, path: string, body: unknown, key?: string) => stack.api(path, { body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

/**
 * Money after the payment through the merchant API, the Monetico connector's capture_paiement.cgi and
 * recredit_paiement.cgi, and the sandbox bank playing Monetico's back office, all real.
 */
describe('Monetico operations end to end through the sandbox bank', function () {
  this.timeout(30_000);

  describe('a deferred-capture terminal (MONETICO_CAPTURE=manual)', () => {
    let stack: Stack;
    before(async () => {
      stack = await startMoneticoStack({ capture: 'manual' });
    });
    after(() => stack?.close());

    const authorized = async (amount = 2480) => {
      const created = await stack.createPayment({ amount, capture: 'manual' });
      await payAtBank(stack, created.checkoutUrl);
      return { id: created.id as string, payment: await until(stack, created.id, 'authorized') };
    };
    const bankSide = (ref: string) => stack.bank.transactions().find((t) => t.ref === ref)!;

    it('authorises only, captures in part once (the rest released), refunds twice; over-capture and over-refund are refused and change nothing', async () => {
      const { id, payment } = await authorized();
      expect(payment).to.include({ capture: 'manual', amountCapturable: 2480, amountCaptured: 0 });
      expect(Date.parse(payment.captureBefore) - Date.parse(payment.updatedAt)).to.equal(7 * 24 * 3600_000);
      const ref = payment.attempts[0].ref as string;
      expect(bankSide(ref)).to.deep.include({ captureMode: 'manual', captures: [] });

      expectProblem(await post(stack, `/payments/${id}/capture`, { amount: 2481 }), 422, 'amount_not_capturable');
      expect(bankSide(ref).captures).to.have.length(0);

      const captured = await post(stack, `/payments/${id}/capture`, { amount: 2000 }, `cap-${id}`);
      expect(captured.status, JSON.stringify(captured.body)).to.equal(200);
      expect(captured.body).to.include({ status: 'succeeded', amountCaptured: 2000, amountCapturable: 0 });
      expect(bankSide(ref).captures.map((c) => c.amount)).to.deep.equal([2000]);

      const first = await post(stack, `/payments/${id}/refunds`, { amount: 500, reason: 'one mug broken' }, `re1-${id}`);
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body).to.include({ amount: 500, status: 'succeeded' });
      const second = await post(stack, `/payments/${id}/refunds`, { amount: 1500 }, `re2-${id}`);
      expect(second.body).to.include({ amount: 1500, status: 'succeeded' });
      expectProblem(await post(stack, `/payments/${id}/refunds`, { amount: 1 }), 422, 'amount_not_refundable');

      expect((await stack.api(`/payments/${id}`)).body).to.include({ status: 'succeeded', amountCaptured: 2000, amountRefunded: 2000 });
      expect(bankSide(ref).refunds.map((r) => [r.amount, r.status])).to.deep.equal([
        [500, 'succeeded'],
        [1500, 'succeeded'],
      ]);
      const page = await (await fetch(`${stack.bankUrl}/back-office`)).text();
      expect(page).to.contain(ref);
    });

    it('voids an authorisation by a capture of 0 with nothing left; a capture afterwards is refused', async () => {
      const { id, payment } = await authorized();
      const voided = await post(stack, `/payments/${id}/cancel`, {});
      expect(voided.status, JSON.stringify(voided.body)).to.equal(200);
      expect(voided.body).to.include({ status: 'cancelled', amountCapturable: 0 });
      expect(bankSide(payment.attempts[0].ref).voided).to.not.equal(undefined);
      expectProblem(await post(stack, `/payments/${id}/capture`, {}), 409, 'illegal_transition');
    });

    it('a capture whose answer was lost (504 once) is a 503 to retry; the retry with the same Idempotency-Key captures once at the bank', async () => {
      const { id, payment } = await authorized(3052);
      expectProblem(await post(stack, `/payments/${id}/capture`, {}, `lost-cap-${id}`), 503, 'bank_unavailable');
      expect((await stack.api(`/payments/${id}`)).body).to.include({ status: 'authorized', amountCaptured: 0 });
      expect(bankSide(payment.attempts[0].ref).captures.map((c) => c.amount)).to.deep.equal([3052]);
      const retried = await post(stack, `/payments/${id}/capture`, {}, `lost-cap-${id}`);
      expect(retried.status, JSON.stringify(retried.body)).to.equal(200);
      expect(retried.body).to.include({ status: 'succeeded', amountCaptured: 3052 });
      expect(bankSide(payment.attempts[0].ref).captures).to.have.length(1);
    });

    it('a capture the bank refuses (test amount ending 51) is a bank_refused problem with its cdr, and nothing is captured', async () => {
      const { id, payment } = await authorized(3051);
      const refused = await post(stack, `/payments/${id}/capture`, {});
      expectProblem(refused, 402, 'bank_refused');
      expect(refused.body.reason).to.equal('0:paiement refuse');
      expect((await stack.api(`/payments/${id}`)).body).to.include({ status: 'authorized', amountCaptured: 0 });
      expect(bankSide(payment.attempts[0].ref).captures).to.have.length(0);
    });
  });

  describe('an immediate-capture terminal (default)', () => {
    let stack: Stack;
    before(async () => {
      stack = await startMoneticoStack();
    });
    after(() => stack?.close());

    const paid = async (amount = 2480) => {
      const created = await stack.createPayment({ amount });
      await payAtBank(stack, created.checkoutUrl);
      const payment = await until(stack, created.id, 'succeeded');
      return { id: created.id as string, ref: payment.attempts[0].ref as string };
    };
    const refundsAtBank = (ref: string) => stack.bank.transactions().find((t) => t.ref === ref)!.refunds.map((r) => [r.amount, r.status]);

    it('refuses manual payments, captures and cancels as not supported by this terminal, and the status query (no first-party etatpaiement.cgi)', async () => {
      expectProblem(await stack.api('/payments', { body: { amount: 100, currency: 'EUR', reference: 'manual-1', returnUrl: 'https://shop.example/orders/1', connector: 'monetico', capture: 'manual' } }), 422, 'operation_not_supported');
      const { id } = await paid();
      expectProblem(await post(stack, `/payments/${id}/capture`, {}), 422, 'operation_not_supported');
      expectProblem(await post(stack, `/payments/${id}/sync`, {}), 422, 'operation_not_supported');
    });

    it('a refund whose answer was lost (504 once) stays pending, then succeeds exactly once at the bank when the same refund is asked about again', async () => {
      const { id, ref } = await paid();
      const lost = await post(stack, `/payments/${id}/refunds`, { amount: 1052 }, `lost-${id}`);
      expect(lost.status, JSON.stringify(lost.body)).to.equal(201);
      expect(lost.body).to.include({ amount: 1052, status: 'pending' });
      // The bank did it: the answer only was lost.
      expect(refundsAtBank(ref)).to.deep.equal([[1052, 'succeeded']]);

      const again = await post(stack, `/payments/${id}/refunds`, { amount: 1052 }, `lost-${id}`);
      expect(again.body).to.include({ id: lost.body.id, status: 'succeeded' });
      expect(refundsAtBank(ref)).to.deep.equal([[1052, 'succeeded']]);
      expect((await stack.api(`/payments/${id}`)).body).to.include({ amountRefunded: 1052 });
    });

    it('a pending refund is settled by sync, which sends the same recredit again and never a second one', async () => {
      const { id, ref } = await paid();
      const lost = await post(stack, `/payments/${id}/refunds`, { amount: 752 });
      expect(lost.body.status).to.equal('pending');
      const synced = await post(stack, `/payments/${id}/sync`, {});
      expect(synced.status, JSON.stringify(synced.body)).to.equal(200);
      expect(synced.body.refunds.map((r: any) => [r.amount, r.status])).to.deep.equal([[752, 'succeeded']]);
      expect(refundsAtBank(ref)).to.deep.equal([[752, 'succeeded']]);
    });

    it('several partial refunds; a refund the bank refuses (amount ending 51) fails with -48 and releases its amount', async () => {
      const { id, ref } = await paid();
      expect((await post(stack, `/payments/${id}/refunds`, { amount: 400 })).body.status).to.equal('succeeded');
      const refused = await post(stack, `/payments/${id}/refunds`, { amount: 551 });
      expect(refused.body).to.include({ status: 'failed', failureReason: '-48:recredit refuse' });
      expect((await post(stack, `/payments/${id}/refunds`, { amount: 2080 })).body.status).to.equal('succeeded');
      expect((await stack.api(`/payments/${id}`)).body).to.include({ amountRefunded: 2480 });
      expect(refundsAtBank(ref)).to.deep.equal([
        [400, 'succeeded'],
        [2080, 'succeeded'],
      ]);
    });
  });

  describe('a payment whose server return was lost', () => {
    let stack: Stack;
    before(async () => {
      // The interface retour registered at the bank leads nowhere.
      stack = await startMoneticoStack({ interfaceRetour: () => 'http://127.0.0.1:9/interface-retour' });
    });
    after(() => stack?.close());

    it('stays pending: Monetico has no documented status query, so sync says so and the reconciler leaves it to expire as before', async () => {
      const created = await stack.createPayment();
      await payAtBank(stack, created.checkoutUrl);
      expect(stack.bank.transactions().find((t) => t.status === 'authorised')).to.not.equal(undefined);
      const payment = (await stack.api(`/payments/${created.id}`)).body;
      expect(payment.status).to.equal('pending');
      expectProblem(await post(stack, `/payments/${created.id}/sync`, {}), 422, 'operation_not_supported');
      expect(stack.gateway.gateway.operations.canAskAbout(payment)).to.equal(false);
    });
  });
});
