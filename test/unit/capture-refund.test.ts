import { expect } from 'chai';
import fc from 'fast-check';
import {
  AmountNotCapturableError,
  AmountNotRefundableError,
  CaptureWindowClosedError,
  CurrencyMismatchError,
  ERRORS,
  GatewayError,
  IllegalTransitionError,
  InvalidBankMessageError,
  OperationNotSupportedError,
  ValidationError,
} from '../../src/core/errors.js';
import type { PaymentEventType } from '../../src/core/events.js';
import { eventJson, paymentJson, refundJson } from '../../src/core/payment-json.js';
import { amountCapturedOf, amountRefundableOf, reservedForRefunds } from '../../src/core/payment-money.js';
import { assertNever, PAYMENT_STATUSES, type Payment, type PaymentStatus } from '../../src/core/payment.js';
import type { Refund } from '../../src/core/refund.js';
import { transition, type Command, type RefundOutcomeCommand, type Transition, type Verdict } from '../../src/core/transition.js';
import { attempt, CAPTURE_BEFORE, CAPTURE_WINDOW_MS, deepFreeze, fixedContext, minutesFromNow, NOW, outcome, payment, paymentIn } from './fixtures.js';

const CHECKOUT_URL = 'https://gateway.example/checkout/pay_test';

function captureOf(amount?: number, multipleCaptures = false, extra: Partial<Extract<Command, { type: 'capture' }>> = {}): Command {
  return { type: 'capture', multipleCaptures, ...(amount !== undefined ? { amount } : {}), ...extra };
}

function refundOf(refundId = 're_new', amount?: number, extra: Partial<Extract<Command, { type: 'request_refund' }>> = {}): Command {
  return { type: 'request_refund', refundId, ...(amount !== undefined ? { amount } : {}), ...extra };
}

function refundOutcome(status: RefundOutcomeCommand['status'], refundId = 're_1', extra: Partial<RefundOutcomeCommand> = {}): Command {
  return { type: 'refund_outcome', refundId, status, ...extra };
}

const VOID: Command = { type: 'void' };

function refund(id: string, amount: number, status: Refund['status'], overrides: Partial<Refund> = {}): Refund {
  return {
    id,
    paymentId: 'pay_test',
    amount,
    currency: 'EUR',
    status,
    reason: null,
    bankReference: null,
    failureReason: null,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  };
}

/** A manual payment still at the bank, as the state machine leaves it when the buyer is sent there. */
function manualPending(overrides: Partial<Payment> = {}): Payment {
  return deepFreeze(payment({ status: 'pending', version: 2, capture: 'manual', attempts: [attempt('A1', 'pending')], ...overrides }));
}

const AUTHORISED_A1 = attempt('A1', 'authorised', { bankTransactionId: 'bank-1' });

/** Payments beyond one per status: the states captures, voids and refunds lead to. */
const STATES: Record<string, () => Payment> = {
  ...Object.fromEntries(PAYMENT_STATUSES.map((status) => [status, () => paymentIn(status)])),
  // A partial capture under a connector that takes several: 1000 captured, 1480 still capturable.
  'succeeded (manual, rest capturable)': () =>
    deepFreeze({ ...paymentIn('authorized'), status: 'succeeded', version: 4, amountCaptured: 1000, amountCapturable: 1480 }),
  'succeeded (manual, captured in part, rest released)': () =>
    deepFreeze({ ...paymentIn('authorized'), status: 'succeeded', version: 4, amountCaptured: 1000, amountCapturable: 0 }),
  'cancelled (voided)': () => deepFreeze({ ...paymentIn('authorized'), status: 'cancelled', version: 4, amountCapturable: 0, cancellationReason: 'voided' }),
  'succeeded (refund re_1 of 1000 pending)': () =>
    deepFreeze({ ...paymentIn('succeeded'), version: 4, amountCaptured: 2480, amountRefunded: 0, refunds: [refund('re_1', 1000, 'pending')] }),
};

interface Expected {
  status: PaymentStatus;
  verdict: Verdict;
  events: PaymentEventType[];
  captured?: number;
  capturable?: number;
  refunded?: number;
  /** Status and amount of the refund the transition returns. */
  refund?: [Refund['status'], number];
}

type Row = { state: string; name: string; command: Command; now?: Date } & ({ expected: Expected } | { throws: new (...args: never[]) => Error });

const ILLEGAL = IllegalTransitionError;
const CAPTURES: Array<[string, Command]> = [
  ['capture all', captureOf()],
  ['capture 1000', captureOf(1000)],
  ['capture 1000 (several captures)', captureOf(1000, true)],
];

/** Every state × every new command; a refund outcome names re_1, which only one state has. */
const MATRIX: Row[] = [
  ...(['created', 'pending', 'failed', 'cancelled', 'expired'] as const).flatMap((state): Row[] => [
    ...CAPTURES.map(([name, command]): Row => ({ state, name, command, throws: ILLEGAL })),
    { state, name: 'void', command: VOID, throws: ILLEGAL },
    { state, name: 'request_refund', command: refundOf(), throws: ILLEGAL },
  ]),

  { state: 'authorized', name: 'capture all', command: captureOf(), expected: { status: 'succeeded', verdict: 'applied', events: ['payment.captured'], captured: 2480, capturable: 0 } },
  { state: 'authorized', name: 'capture 1000', command: captureOf(1000), expected: { status: 'succeeded', verdict: 'applied', events: ['payment.captured'], captured: 1000, capturable: 0 } },
  {
    state: 'authorized',
    name: 'capture 1000 (several captures)',
    command: captureOf(1000, true),
    expected: { status: 'succeeded', verdict: 'applied', events: ['payment.captured'], captured: 1000, capturable: 1480 },
  },
  { state: 'authorized', name: 'void', command: VOID, expected: { status: 'cancelled', verdict: 'applied', events: ['payment.voided'], captured: 0, capturable: 0 } },
  // Nothing was taken yet: there is nothing to give back.
  { state: 'authorized', name: 'request_refund', command: refundOf(), throws: ILLEGAL },

  // An automatic success: everything was captured when the bank said yes.
  ...CAPTURES.map(([name, command]): Row => ({ state: 'succeeded', name, command, throws: ILLEGAL })),
  { state: 'succeeded', name: 'void', command: VOID, throws: ILLEGAL },
  {
    state: 'succeeded',
    name: 'request_refund',
    command: refundOf(),
    expected: { status: 'succeeded', verdict: 'applied', events: ['refund.created'], captured: 2480, refunded: 0, refund: ['pending', 2480] },
  },

  {
    state: 'succeeded (manual, rest capturable)',
    name: 'capture all',
    command: captureOf(),
    throws: OperationNotSupportedError,
  },
  { state: 'succeeded (manual, rest capturable)', name: 'capture 1000', command: captureOf(1000), throws: OperationNotSupportedError },
  {
    state: 'succeeded (manual, rest capturable)',
    name: 'capture 1000 (several captures)',
    command: captureOf(1000, true),
    expected: { status: 'succeeded', verdict: 'applied', events: ['payment.captured'], captured: 2000, capturable: 480 },
  },
  {
    state: 'succeeded (manual, rest capturable)',
    name: 'capture all (several captures)',
    command: captureOf(undefined, true),
    expected: { status: 'succeeded', verdict: 'applied', events: ['payment.captured'], captured: 2480, capturable: 0 },
  },
  { state: 'succeeded (manual, rest capturable)', name: 'void', command: VOID, throws: ILLEGAL },
  {
    state: 'succeeded (manual, rest capturable)',
    name: 'request_refund',
    command: refundOf(),
    expected: { status: 'succeeded', verdict: 'applied', events: ['refund.created'], captured: 1000, capturable: 1480, refunded: 0, refund: ['pending', 1000] },
  },

  ...CAPTURES.map(([name, command]): Row => ({ state: 'succeeded (manual, captured in part, rest released)', name, command, throws: ILLEGAL })),
  { state: 'succeeded (manual, captured in part, rest released)', name: 'void', command: VOID, throws: ILLEGAL },
  {
    state: 'succeeded (manual, captured in part, rest released)',
    name: 'request_refund',
    command: refundOf(),
    expected: { status: 'succeeded', verdict: 'applied', events: ['refund.created'], captured: 1000, refunded: 0, refund: ['pending', 1000] },
  },

  ...CAPTURES.map(([name, command]): Row => ({ state: 'cancelled (voided)', name, command, throws: ILLEGAL })),
  { state: 'cancelled (voided)', name: 'void (again)', command: VOID, expected: { status: 'cancelled', verdict: 'duplicate', events: [] } },
  { state: 'cancelled (voided)', name: 'request_refund', command: refundOf(), throws: ILLEGAL },

  ...CAPTURES.map(([name, command]): Row => ({ state: 'succeeded (refund re_1 of 1000 pending)', name, command, throws: ILLEGAL })),
  { state: 'succeeded (refund re_1 of 1000 pending)', name: 'void', command: VOID, throws: ILLEGAL },
  {
    state: 'succeeded (refund re_1 of 1000 pending)',
    name: 'request_refund',
    command: refundOf(),
    expected: { status: 'succeeded', verdict: 'applied', events: ['refund.created'], captured: 2480, refunded: 0, refund: ['pending', 1480] },
  },
  {
    state: 'succeeded (refund re_1 of 1000 pending)',
    name: 'refund_outcome succeeded',
    command: refundOutcome('succeeded', 're_1', { bankReference: 'RF-1' }),
    expected: { status: 'succeeded', verdict: 'applied', events: ['refund.succeeded'], captured: 2480, refunded: 1000, refund: ['succeeded', 1000] },
  },
  {
    state: 'succeeded (refund re_1 of 1000 pending)',
    name: 'refund_outcome failed',
    command: refundOutcome('failed', 're_1', { failureReason: 'card closed' }),
    expected: { status: 'succeeded', verdict: 'applied', events: ['refund.failed'], captured: 2480, refunded: 0, refund: ['failed', 1000] },
  },
  ...(['pending', 'unknown'] as const).map(
    (status): Row => ({
      state: 'succeeded (refund re_1 of 1000 pending)',
      name: `refund_outcome ${status}`,
      command: refundOutcome(status),
      expected: { status: 'succeeded', verdict: 'no_effect', events: [], captured: 2480, refunded: 0, refund: ['pending', 1000] },
    }),
  ),
];

function expectRow(result: Transition, before: Payment, expected: Expected): void {
  expect(result.verdict, 'verdict').to.equal(expected.verdict);
  expect(result.payment.status, 'status').to.equal(expected.status);
  expect(result.events.map((e) => e.type), 'events').to.deep.equal(expected.events);
  const changed = expected.verdict === 'applied' || expected.verdict === 'anomaly' || expected.verdict === 'rejected';
  expect(result.changed, 'changed').to.equal(changed);
  if (changed) {
    expect(result.payment.version, 'version').to.equal(before.version + 1);
    expect(result.payment.updatedAt, 'updatedAt').to.equal(NOW.toISOString());
  } else {
    expect(result.payment, 'unchanged payment').to.deep.equal(before);
  }
  if (expected.captured !== undefined) expect(amountCapturedOf(result.payment), 'captured').to.equal(expected.captured);
  if (expected.capturable !== undefined) expect(result.payment.amountCapturable, 'capturable').to.equal(expected.capturable);
  if (expected.refunded !== undefined) expect(result.payment.amountRefunded, 'refunded').to.equal(expected.refunded);
  if (expected.refund) expect([result.refund?.status, result.refund?.amount], 'refund').to.deep.equal(expected.refund);
  else expect(result.refund, 'refund').to.equal(undefined);
  result.events.forEach((event) => {
    expect(event.paymentVersion).to.equal(before.version + 1);
    expect(event.paymentId).to.equal(before.id);
  });
}

describe('core/transition: money after the payment', () => {
  describe('every state × capture, void, request_refund, refund_outcome', () => {
    it('covers every status and every extra state with each command', () => {
      for (const state of Object.keys(STATES)) {
        const names = MATRIX.filter((row) => row.state === state).map((row) => row.name);
        expect(names.some((n) => n.startsWith('capture')), `${state} capture`).to.equal(true);
        expect(names.some((n) => n.startsWith('void')), `${state} void`).to.equal(true);
        expect(names.some((n) => n.startsWith('request_refund')), `${state} request_refund`).to.equal(true);
      }
    });

    for (const row of MATRIX) {
      it(`${row.state} + ${row.name}`, () => {
        const before = STATES[row.state]!();
        const ctx = fixedContext(row.now);
        if ('throws' in row) {
          expect(() => transition(before, row.command, ctx)).to.throw(row.throws);
          expect(ctx.issued, 'no event ids drawn').to.deep.equal([]);
        } else {
          expectRow(transition(before, row.command, ctx), before, row.expected);
        }
      });
    }

    for (const state of Object.keys(STATES).filter((s) => s !== 'succeeded (refund re_1 of 1000 pending)')) {
      it(`${state} + refund_outcome for a refund it does not have → InvalidBankMessageError(unknown_refund)`, () => {
        for (const status of ['succeeded', 'failed', 'pending', 'unknown'] as const) {
          const err = catchError(() => transition(STATES[state]!(), refundOutcome(status), fixedContext()));
          expect(err).to.be.instanceOf(InvalidBankMessageError);
          expect((err as InvalidBankMessageError).reason).to.equal('unknown_refund');
        }
      });
    }
  });

  describe('authorisation of a manual payment', () => {
    for (const from of ['pending', 'failed'] as const) {
      it(`a ${from} manual payment the bank authorises becomes authorized until now + the capture window`, () => {
        const before = manualPending(from === 'failed' ? { status: 'failed', attempts: [attempt('A1', 'refused')], version: 3 } : {});
        const command: Command = { type: 'bank_outcome', outcome: outcome('authorised', { bankTransactionId: 'bank-1' }), captureWindowMs: CAPTURE_WINDOW_MS };
        const result = transition(before, command, fixedContext());
        expect(result.verdict).to.equal('applied');
        expect(result.payment.status).to.equal('authorized');
        expect(result.payment.captureBefore).to.equal(new Date(NOW.getTime() + CAPTURE_WINDOW_MS).toISOString());
        expect([result.payment.amountCapturable, result.payment.amountCaptured, result.payment.amountRefunded]).to.deep.equal([2480, 0, 0]);
        expect(result.payment.attempts.map((a) => a.status)).to.deep.equal(['authorised']);
        expect(result.events.map((e) => [e.type, e.attemptRef, e.amount])).to.deep.equal([['payment.authorized', 'A1', 2480]]);
      });
    }

    it('the same authorisation again is a duplicate; another bank transaction for it is a second success', () => {
      const authorized = paymentIn('authorized');
      const again = transition(authorized, { type: 'bank_outcome', outcome: outcome('authorised', { bankTransactionId: 'bank-1' }), captureWindowMs: 1 }, fixedContext());
      expect(again.verdict).to.equal('duplicate');
      expect(again.changed).to.equal(false);
      const other = transition(authorized, { type: 'bank_outcome', outcome: outcome('authorised', { bankTransactionId: 'bank-2' }), captureWindowMs: 1 }, fixedContext());
      expect(other.verdict).to.equal('anomaly');
      expect(other.payment.anomalies).to.deep.equal(['second_success']);
      expect(other.payment.status).to.equal('authorized');
    });

    it('another attempt authorised while the payment is authorized is a second success, flagged, not a new reservation', () => {
      const before = deepFreeze({ ...paymentIn('authorized'), attempts: [AUTHORISED_A1, attempt('A2', 'pending')] });
      const result = transition(before, { type: 'bank_outcome', outcome: outcome('authorised', { attemptRef: 'A2' }), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext());
      expect(result.verdict).to.equal('anomaly');
      expect(result.events.map((e) => [e.type, e.anomaly])).to.deep.equal([['payment.anomaly', 'second_success']]);
      expect(result.payment.captureBefore).to.equal(CAPTURE_BEFORE);
    });

    for (const [status, anomaly] of [
      ['expired', 'succeeded_after_expiry'],
      ['cancelled', 'succeeded_after_cancellation'],
    ] as const) {
      it(`a late authorisation after ${status} is recorded as authorized and flagged ${anomaly}`, () => {
        const before = manualPending({ status, version: 3 });
        const result = transition(before, { type: 'bank_outcome', outcome: outcome('authorised'), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext(minutesFromNow(40)));
        expect(result.payment.status).to.equal('authorized');
        expect(result.verdict).to.equal('anomaly');
        expect(result.events.map((e) => [e.type, e.anomaly])).to.deep.equal([
          ['payment.authorized', undefined],
          ['payment.anomaly', anomaly],
        ]);
      });
    }

    it('an authorisation past expiresAt on a pending manual payment is flagged succeeded_after_expiry', () => {
      const result = transition(manualPending(), { type: 'bank_outcome', outcome: outcome('authorised'), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext(minutesFromNow(31)));
      expect(result.payment.status).to.equal('authorized');
      expect(result.payment.anomalies).to.deep.equal(['succeeded_after_expiry']);
    });

    it('a late authorisation of a voided payment clears the cancellation reason', () => {
      const before = deepFreeze({ ...STATES['cancelled (voided)']!(), attempts: [AUTHORISED_A1, attempt('A2', 'pending')] });
      const result = transition(before, { type: 'bank_outcome', outcome: outcome('authorised', { attemptRef: 'A2' }), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext());
      expect(result.payment.status).to.equal('authorized');
      expect(result.payment.cancellationReason).to.equal(undefined);
      expect(result.payment.anomalies).to.deep.equal(['succeeded_after_cancellation']);
    });

    it('a manual payment needs the capture window of its connector (a wiring mistake, refused loudly)', () => {
      for (const captureWindowMs of [undefined, 0, -1, 1.5]) {
        const command = { type: 'bank_outcome', outcome: outcome('authorised'), ...(captureWindowMs !== undefined ? { captureWindowMs } : {}) } as Command;
        expect(() => transition(manualPending(), command, fixedContext()), String(captureWindowMs)).to.throw(TypeError, /capture window/);
      }
    });

    it('an automatic payment is paid as before, whatever capture window comes with the outcome', () => {
      const result = transition(paymentIn('pending'), { type: 'bank_outcome', outcome: outcome('authorised'), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext());
      expect(result.payment.status).to.equal('succeeded');
      expect(result.events.map((e) => e.type)).to.deep.equal(['payment.succeeded']);
      for (const key of ['capture', 'captureBefore', 'amountCapturable', 'amountCaptured', 'amountRefunded', 'refunds', 'cancellationReason']) {
        expect(result.payment, key).to.not.have.property(key);
      }
    });

    it("keeps the bank's own capture limit when its message gives one, instead of now + the window", () => {
      const bankLimit = new Date(NOW.getTime() + 3 * 24 * 3600_000).toISOString();
      const result = transition(manualPending(), { type: 'bank_outcome', outcome: outcome('authorised', { capture: 'manual', captureBefore: bankLimit }), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext());
      expect(result.payment.status).to.equal('authorized');
      expect(result.payment.captureBefore).to.equal(bankLimit);
    });

    it('a manual payment the bank captured in full at once is succeeded with everything captured, and flagged captured_by_bank', () => {
      const result = transition(manualPending(), { type: 'bank_outcome', outcome: outcome('authorised', { capture: 'automatic' }), captureWindowMs: CAPTURE_WINDOW_MS }, fixedContext());
      expect(result.verdict).to.equal('anomaly');
      expect(result.payment.status).to.equal('succeeded');
      expect([result.payment.amountCapturable, result.payment.amountCaptured, result.payment.amountRefunded]).to.deep.equal([0, 2480, 0]);
      expect(result.payment.anomalies).to.deep.equal(['captured_by_bank']);
      expect(result.payment).to.not.have.property('captureBefore');
      expect(result.events.map((e) => [e.type, e.anomaly ?? e.amount])).to.deep.equal([
        ['payment.captured', 2480],
        ['payment.anomaly', 'captured_by_bank'],
      ]);
      expect(() => transition(result.payment, { type: 'capture', multipleCaptures: false }, fixedContext())).to.throw();
    });

    it('a refusal for the authorised attempt is a regression, the reservation stands', () => {
      const result = transition(paymentIn('authorized'), { type: 'bank_outcome', outcome: outcome('refused') }, fixedContext());
      expect(result.payment.status).to.equal('authorized');
      expect(result.payment.anomalies).to.deep.equal(['regression_after_success']);
    });
  });

  describe('capture', () => {
    it('carries the captured amount on payment.captured', () => {
      const result = transition(paymentIn('authorized'), captureOf(1200), fixedContext());
      expect(result.events[0]).to.deep.equal({ id: 'evt_1', type: 'payment.captured', paymentId: 'pay_test', paymentVersion: 4, occurredAt: NOW.toISOString(), amount: 1200 });
    });

    it('a partial capture releases the rest: a second capture is refused as the wrong state', () => {
      const first = transition(paymentIn('authorized'), captureOf(1000), fixedContext());
      expect(first.payment.amountCapturable).to.equal(0);
      expect(() => transition(deepFreeze(first.payment), captureOf(1), fixedContext())).to.throw(IllegalTransitionError);
    });

    it('with several captures, partial captures add up to the authorised amount and no further', () => {
      let current = paymentIn('authorized');
      for (const [amount, captured] of [
        [1000, 1000],
        [1000, 2000],
        [480, 2480],
      ] as const) {
        const result = transition(current, captureOf(amount, true), fixedContext());
        expect(result.payment.amountCaptured).to.equal(captured);
        expect(result.payment.amountCapturable).to.equal(2480 - captured);
        current = deepFreeze(result.payment);
      }
      expect(() => transition(current, captureOf(1, true), fixedContext())).to.throw(IllegalTransitionError);
    });

    it('over-capture is refused with what can be captured, 422', () => {
      const err = catchError(() => transition(paymentIn('authorized'), captureOf(2481), fixedContext()));
      expect(err).to.be.instanceOf(AmountNotCapturableError);
      expect((err as GatewayError).status).to.equal(422);
      expect((err as GatewayError).extra).to.deep.equal({ requested: 2481, capturable: 2480 });
      const rest = catchError(() => transition(STATES['succeeded (manual, rest capturable)']!(), captureOf(1481, true), fixedContext()));
      expect((rest as GatewayError).extra).to.deep.equal({ requested: 1481, capturable: 1480 });
    });

    it('a capture at or after captureBefore is refused (409); a millisecond before it is taken', () => {
      const at = new Date(CAPTURE_BEFORE);
      const err = catchError(() => transition(paymentIn('authorized'), captureOf(), fixedContext(at)));
      expect(err).to.be.instanceOf(CaptureWindowClosedError);
      expect((err as GatewayError).status).to.equal(409);
      expect((err as GatewayError).extra).to.deep.equal({ captureBefore: CAPTURE_BEFORE });
      expect(() => transition(STATES['succeeded (manual, rest capturable)']!(), captureOf(1, true), fixedContext(at))).to.throw(CaptureWindowClosedError);
      const justBefore = transition(paymentIn('authorized'), captureOf(), fixedContext(new Date(at.getTime() - 1)));
      expect(justBefore.payment.status).to.equal('succeeded');
    });

    it('a rest left capturable under a connector without several captures names the operation and the connector', () => {
      const err = catchError(() => transition(STATES['succeeded (manual, rest capturable)']!(), captureOf(10), fixedContext()));
      expect(err).to.be.instanceOf(OperationNotSupportedError);
      expect((err as GatewayError).message).to.equal('The connector "native" does not support several captures of one payment.');
      expect((err as GatewayError).extra).to.deep.equal({ operation: 'several captures of one payment', connector: 'native' });
    });

    it('a capture in another currency is refused', () => {
      const err = catchError(() => transition(paymentIn('authorized'), captureOf(100, false, { currency: 'USD' }), fixedContext()));
      expect(err).to.be.instanceOf(CurrencyMismatchError);
      expect((err as GatewayError).extra).to.deep.equal({ requested: 'USD', currency: 'EUR' });
      expect(transition(paymentIn('authorized'), captureOf(100, false, { currency: 'EUR' }), fixedContext()).verdict).to.equal('applied');
    });

    for (const amount of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '100' as unknown as number]) {
      it(`an amount of ${String(amount)} is refused as invalid (captures and refunds alike)`, () => {
        expect(() => transition(paymentIn('authorized'), captureOf(amount), fixedContext())).to.throw(ValidationError);
        expect(() => transition(paymentIn('succeeded'), refundOf('re_x', amount), fixedContext())).to.throw(ValidationError);
      });
    }

    for (const [name, bankAnswer, anomaly] of [
      ['amount', { amount: 999, currency: 'EUR' }, 'amount_mismatch'],
      ['currency', { amount: 1000, currency: 'USD' }, 'currency_mismatch'],
    ] as const) {
      it(`a bank that confirms another ${name} than asked: flagged, the capture not recorded`, () => {
        const before = paymentIn('authorized');
        const result = transition(before, captureOf(1000, false, { bankAnswer }), fixedContext());
        expect(result.verdict).to.equal('rejected');
        expect(result.payment.status).to.equal('authorized');
        expect([result.payment.amountCaptured, result.payment.amountCapturable]).to.deep.equal([0, 2480]);
        expect(result.events.map((e) => [e.type, e.anomaly])).to.deep.equal([['payment.anomaly', anomaly]]);
        const again = transition(deepFreeze(result.payment), captureOf(1000, false, { bankAnswer }), fixedContext());
        expect(again.changed).to.equal(false);
        expect(again.events).to.deep.equal([]);
      });
    }

    it('a bank answer that matches is applied', () => {
      const result = transition(paymentIn('authorized'), captureOf(1000, false, { bankAnswer: { amount: 1000, currency: 'EUR' } }), fixedContext());
      expect(result.verdict).to.equal('applied');
      expect(result.payment.amountCaptured).to.equal(1000);
    });
  });

  describe('void and the end of the capture window', () => {
    it('void releases the reservation: cancelled, reason voided, nothing capturable', () => {
      const result = transition(paymentIn('authorized'), VOID, fixedContext());
      expect(result.payment).to.include({ status: 'cancelled', cancellationReason: 'voided', amountCapturable: 0, amountCaptured: 0 });
      expect(() => transition(deepFreeze(result.payment), captureOf(), fixedContext())).to.throw(IllegalTransitionError);
    });

    it('a plain cancellation is not a void', () => {
      expect(() => transition(paymentIn('cancelled'), VOID, fixedContext())).to.throw(IllegalTransitionError);
    });

    it('an authorization past captureBefore expires, nothing capturable; before that expire has no effect', () => {
      expect(transition(paymentIn('authorized'), { type: 'expire' }, fixedContext(new Date(Date.parse(CAPTURE_BEFORE) - 1))).verdict).to.equal('no_effect');
      const lapsed = transition(paymentIn('authorized'), { type: 'expire' }, fixedContext(new Date(CAPTURE_BEFORE)));
      expect(lapsed.payment).to.include({ status: 'expired', amountCapturable: 0 });
      expect(lapsed.events.map((e) => e.type)).to.deep.equal(['payment.expired']);
    });

    it('a succeeded payment with a rest capturable does not expire (it is paid)', () => {
      const result = transition(STATES['succeeded (manual, rest capturable)']!(), { type: 'expire' }, fixedContext(new Date(CAPTURE_BEFORE)));
      expect(result.verdict).to.equal('no_effect');
    });
  });

  describe('refunds', () => {
    it('a refund is its own object, pending, its amount reserved, with the merchant reason', () => {
      const result = transition(paymentIn('succeeded'), refundOf('re_1', 500, { reason: 'returned' }), fixedContext());
      expect(result.refund).to.deep.equal(refund('re_1', 500, 'pending', { reason: 'returned' }));
      expect(result.payment.refunds).to.deep.equal([result.refund]);
      expect(amountRefundableOf(result.payment)).to.equal(1980);
      expect(result.events[0]).to.deep.equal({
        id: 'evt_1',
        type: 'refund.created',
        paymentId: 'pay_test',
        paymentVersion: 4,
        occurredAt: NOW.toISOString(),
        refundId: 're_1',
        amount: 500,
      });
    });

    it('several partial refunds up to what was captured, then an over-refund is refused with what is left', () => {
      let current = paymentIn('succeeded');
      for (const [id, amount] of [
        ['re_1', 1000],
        ['re_2', 1000],
        ['re_3', 480],
      ] as const) {
        current = deepFreeze(transition(current, refundOf(id, amount), fixedContext()).payment);
      }
      expect(reservedForRefunds(current)).to.equal(2480);
      const err = catchError(() => transition(current, refundOf('re_4', 1), fixedContext()));
      expect(err).to.be.instanceOf(AmountNotRefundableError);
      expect((err as GatewayError).status).to.equal(422);
      expect((err as GatewayError).extra).to.deep.equal({ requested: 1, refundable: 0 });
      expect(() => transition(current, refundOf('re_4'), fixedContext()), 'all of nothing').to.throw(AmountNotRefundableError);
    });

    it('an over-refund is refused at once: more than captured', () => {
      const err = catchError(() => transition(paymentIn('succeeded'), refundOf('re_1', 2481), fixedContext()));
      expect((err as GatewayError).extra).to.deep.equal({ requested: 2481, refundable: 2480 });
      const partial = STATES['succeeded (manual, captured in part, rest released)']!();
      expect(() => transition(partial, refundOf('re_1', 1001), fixedContext())).to.throw(AmountNotRefundableError);
    });

    it('a failed refund releases its reservation; a succeeded one keeps it', () => {
      let current = deepFreeze(transition(paymentIn('succeeded'), refundOf('re_1', 2000), fixedContext()).payment);
      expect(() => transition(current, refundOf('re_2', 1000), fixedContext())).to.throw(AmountNotRefundableError);
      current = deepFreeze(transition(current, refundOutcome('failed', 're_1', { failureReason: 'insufficient funds' }), fixedContext()).payment);
      expect(current.refunds?.[0]).to.include({ status: 'failed', failureReason: 'insufficient funds' });
      expect(current.amountRefunded).to.equal(0);
      current = deepFreeze(transition(current, refundOf('re_2', 2480), fixedContext()).payment);
      current = deepFreeze(transition(current, refundOutcome('succeeded', 're_2', { bankReference: 'RF-2' }), fixedContext()).payment);
      expect(current.amountRefunded).to.equal(2480);
      expect(current.refunds?.[1]).to.include({ status: 'succeeded', bankReference: 'RF-2' });
      expect(() => transition(current, refundOf('re_3', 1), fixedContext())).to.throw(AmountNotRefundableError);
    });

    it('a refund of a payment not captured is refused as the wrong state', () => {
      for (const state of ['created', 'pending', 'authorized', 'failed', 'cancelled', 'expired', 'cancelled (voided)']) {
        const err = catchError(() => transition(STATES[state]!(), refundOf(), fixedContext()));
        expect(err, state).to.be.instanceOf(IllegalTransitionError);
        expect((err as GatewayError).status).to.equal(409);
      }
    });

    it('a refund in another currency is refused', () => {
      expect(() => transition(paymentIn('succeeded'), refundOf('re_1', 100, { currency: 'GBP' }), fixedContext())).to.throw(CurrencyMismatchError);
    });

    it('the same refund asked again (same id) is a duplicate: no second reservation, no event', () => {
      const first = transition(paymentIn('succeeded'), refundOf('re_1', 1000), fixedContext());
      const stored = deepFreeze(first.payment);
      const again = transition(stored, refundOf('re_1', 1000), fixedContext(minutesFromNow(1)));
      expect(again).to.deep.equal({ payment: stored, events: [], changed: false, verdict: 'duplicate', refund: stored.refunds?.[0] });
    });

    for (const status of ['succeeded', 'failed'] as const) {
      it(`a second ${status} answer for a refund is a duplicate: no event, no new version`, () => {
        const first = transition(STATES['succeeded (refund re_1 of 1000 pending)']!(), refundOutcome(status), fixedContext());
        const stored = deepFreeze(first.payment);
        const again = transition(stored, refundOutcome(status, 're_1', { bankReference: 'other', failureReason: 'other' }), fixedContext(minutesFromNow(1)));
        expect(again.verdict).to.equal('duplicate');
        expect(again.changed).to.equal(false);
        expect(again.events).to.deep.equal([]);
        expect(again.payment).to.equal(stored);
      });
    }

    it('a refund the bank reverses after success fails and gives its amount back', () => {
      const succeeded = deepFreeze(transition(STATES['succeeded (refund re_1 of 1000 pending)']!(), refundOutcome('succeeded'), fixedContext()).payment);
      const reversed = transition(succeeded, refundOutcome('failed', 're_1', { failureReason: 'card closed' }), fixedContext());
      expect(reversed.verdict).to.equal('applied');
      expect(reversed.payment.amountRefunded).to.equal(0);
      expect(reversed.refund).to.include({ status: 'failed', failureReason: 'card closed' });
      expect(amountRefundableOf(reversed.payment)).to.equal(2480);
      expect(reversed.events.map((e) => e.type)).to.deep.equal(['refund.failed']);
    });

    it('a success after a failure is recorded (money moved) and flagged refund_after_failure', () => {
      const failed = deepFreeze(transition(STATES['succeeded (refund re_1 of 1000 pending)']!(), refundOutcome('failed'), fixedContext()).payment);
      const late = transition(failed, refundOutcome('succeeded'), fixedContext());
      expect(late.verdict).to.equal('anomaly');
      expect(late.payment.amountRefunded).to.equal(1000);
      expect(late.refund).to.include({ status: 'succeeded', failureReason: null });
      expect(late.events.map((e) => [e.type, e.anomaly, e.refundId])).to.deep.equal([
        ['refund.succeeded', undefined, 're_1'],
        ['payment.anomaly', 'refund_after_failure', 're_1'],
      ]);
    });

    for (const [name, extra, anomaly] of [
      ['amount', { amount: 999 }, 'amount_mismatch'],
      ['currency', { currency: 'USD' }, 'currency_mismatch'],
    ] as const) {
      it(`a refund answer with another ${name} than asked: flagged with the refund, not applied`, () => {
        const before = STATES['succeeded (refund re_1 of 1000 pending)']!();
        const result = transition(before, refundOutcome('succeeded', 're_1', extra), fixedContext());
        expect(result.verdict).to.equal('rejected');
        expect(result.refund?.status).to.equal('pending');
        expect(result.payment.amountRefunded).to.equal(0);
        expect(result.events.map((e) => [e.type, e.anomaly, e.refundId])).to.deep.equal([['payment.anomaly', anomaly, 're_1']]);
        const again = transition(deepFreeze(result.payment), refundOutcome('succeeded', 're_1', extra), fixedContext());
        expect([again.verdict, again.changed, again.events.length]).to.deep.equal(['rejected', false, 0]);
      });
    }

    it('an answer that never came leaves the refund pending, reserved, and nothing is written', () => {
      const before = STATES['succeeded (refund re_1 of 1000 pending)']!();
      const result = transition(before, refundOutcome('unknown'), fixedContext());
      expect(result).to.deep.equal({ payment: before, events: [], changed: false, verdict: 'no_effect', refund: before.refunds?.[0] });
    });

    it('card numbers in the reason, bank reference or failure reason are masked before they are stored', () => {
      const pan = '4111111111111111';
      const created = transition(paymentIn('succeeded'), refundOf('re_1', 100, { reason: `card ${pan}` }), fixedContext());
      expect(created.refund?.reason).to.not.include(pan);
      const failed = transition(deepFreeze(created.payment), refundOutcome('failed', 're_1', { failureReason: `bad ${pan}`, bankReference: pan }), fixedContext());
      expect(JSON.stringify(failed.refund)).to.not.include(pan);
    });

    it('refunds follow further captures: what can be refunded is what was captured so far', () => {
      let current = paymentIn('authorized');
      current = deepFreeze(transition(current, captureOf(1000, true), fixedContext()).payment);
      current = deepFreeze(transition(current, refundOf('re_1'), fixedContext()).payment);
      expect(current.refunds?.[0]?.amount).to.equal(1000);
      current = deepFreeze(transition(current, captureOf(500, true), fixedContext()).payment);
      expect(amountRefundableOf(current)).to.equal(500);
    });
  });

  describe('the merchant view', () => {
    const TODAY_KEYS = [
      'id', 'status', 'amount', 'currency', 'reference', 'description', 'customer', 'checkoutUrl', 'returnUrl', 'expiresAt',
      'createdAt', 'updatedAt', 'version', 'metadata', 'connector', 'anomalies', 'attempts',
    ];

    it('an automatic payment without refunds shows exactly the fields it showed before', () => {
      for (const status of PAYMENT_STATUSES.filter((s) => s !== 'authorized')) {
        expect(Object.keys(paymentJson(paymentIn(status), CHECKOUT_URL)), status).to.deep.equal(TODAY_KEYS);
      }
      const event = transition(paymentIn('pending'), { type: 'bank_outcome', outcome: outcome('authorised') }, fixedContext()).events[0]!;
      expect(Object.keys(eventJson(event))).to.deep.equal(['id', 'type', 'paymentId', 'paymentVersion', 'occurredAt', 'attemptRef']);
    });

    it('a manual payment shows its capture, window and amounts; a voided one its reason; a refunded one its refunds', () => {
      expect(paymentJson(paymentIn('authorized'), CHECKOUT_URL)).to.include({
        capture: 'manual',
        captureBefore: CAPTURE_BEFORE,
        amountCapturable: 2480,
        amountCaptured: 0,
        amountRefunded: 0,
      });
      expect(paymentJson(STATES['cancelled (voided)']!(), CHECKOUT_URL)).to.include({ cancellationReason: 'voided' });
      const refunded = transition(paymentIn('succeeded'), refundOf('re_1', 100, { reason: 'damaged' }), fixedContext());
      const json = paymentJson(refunded.payment, CHECKOUT_URL);
      expect(json).to.include({ amountCaptured: 2480, amountRefunded: 0 });
      expect(json).to.not.have.property('capture');
      expect(json.refunds).to.deep.equal([refundJson(refunded.refund!)]);
      expect(refundJson(refunded.refund!)).to.deep.equal({
        id: 're_1',
        paymentId: 'pay_test',
        amount: 100,
        currency: 'EUR',
        status: 'pending',
        reason: 'damaged',
        bankReference: null,
        failureReason: null,
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
      expect(eventJson(refunded.events[0]!)).to.include({ type: 'refund.created', refundId: 're_1', amount: 100 });
    });
  });

  describe('refusals', () => {
    it('each new code is in the one table: 409 for the state, 422 for the request', () => {
      expect(ERRORS.capture_window_closed.status).to.equal(409);
      for (const code of ['amount_not_capturable', 'amount_not_refundable', 'currency_mismatch', 'operation_not_supported'] as const) {
        expect(ERRORS[code].status, code).to.equal(422);
      }
    });
  });

  describe('purity', () => {
    const COMMANDS: Array<[Command, Date]> = [
      [captureOf(), NOW],
      [captureOf(1000, true), NOW],
      [captureOf(1000, false, { bankAnswer: { amount: 1, currency: 'EUR' } }), NOW],
      [VOID, NOW],
      [refundOf('re_new', 100, { reason: 'r' }), NOW],
      [refundOf('re_1'), NOW],
      [refundOutcome('succeeded'), NOW],
      [refundOutcome('failed'), NOW],
      [refundOutcome('succeeded', 're_1', { amount: 1 }), NOW],
      [{ type: 'expire' }, new Date(CAPTURE_BEFORE)],
      [{ type: 'bank_outcome', outcome: outcome('authorised', { attemptRef: 'A1', bankTransactionId: 'bank-2' }), captureWindowMs: CAPTURE_WINDOW_MS }, NOW],
    ];

    it('never writes to its (frozen) input, whatever the state and command', () => {
      for (const [state, make] of Object.entries(STATES)) {
        for (const [command, now] of COMMANDS) {
          const before = make();
          const snapshot = JSON.stringify(before);
          try {
            const result = transition(before, command, fixedContext(now));
            if (result.changed) {
              expect(result.payment.refunds ?? [], 'fresh refunds').to.satisfy((rs: Refund[]) => rs.every((r) => !before.refunds?.includes(r)));
            }
          } catch (err) {
            expect(err, `${state} ${command.type}`).to.be.instanceOf(GatewayError);
          }
          expect(JSON.stringify(before), `${state} ${command.type}`).to.equal(snapshot);
        }
      }
    });
  });

  describe('invariant over random command sequences', () => {
    // The clock moves by up to a day per step, so some sequences run past captureBefore (seven days).
    const step = fc.record({
      advanceMs: fc.integer({ min: 0, max: 24 * 3_600_000 }),
      command: fc.oneof(
        fc.record({
          type: fc.constant('capture' as const),
          amount: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
          multipleCaptures: fc.boolean(),
        }),
        fc.constant({ type: 'void' as const }),
        fc.constant({ type: 'expire' as const }),
        fc.record({ type: fc.constant('request_refund' as const), pick: fc.nat(6), amount: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }) }),
        fc.record({
          type: fc.constant('refund_outcome' as const),
          pick: fc.nat(6),
          status: fc.constantFrom('succeeded', 'failed', 'pending', 'unknown') as fc.Arbitrary<RefundOutcomeCommand['status']>,
          wrongAmount: fc.boolean(),
        }),
      ),
    });

    type Drawn = (typeof step extends fc.Arbitrary<infer T> ? T : never)['command'];

    function commandFor(payment: Payment, drawn: Drawn): Command {
      switch (drawn.type) {
        case 'capture':
          return { type: 'capture', multipleCaptures: drawn.multipleCaptures, ...(drawn.amount !== undefined ? { amount: drawn.amount } : {}) };
        case 'request_refund':
          // Refund ids repeat on purpose: a retried request must not reserve twice.
          return { type: 'request_refund', refundId: `re_${drawn.pick}`, ...(drawn.amount !== undefined ? { amount: drawn.amount } : {}) };
        case 'refund_outcome': {
          const refunds = payment.refunds ?? [];
          const target = refunds[drawn.pick % Math.max(1, refunds.length)];
          return {
            type: 'refund_outcome',
            refundId: target?.id ?? 're_none',
            status: drawn.status,
            ...(drawn.wrongAmount && target ? { amount: target.amount + 1 } : {}),
          };
        }
        case 'void':
        case 'expire':
          return drawn;
        default:
          return assertNever(drawn);
      }
    }

    function checkInvariant(payment: Payment): void {
      const captured = amountCapturedOf(payment);
      const refunds = payment.refunds ?? [];
      expect(captured, 'captured ≤ authorised').to.be.at.most(payment.amount);
      expect(captured + (payment.amountCapturable ?? 0), 'captured + capturable ≤ authorised').to.be.at.most(payment.amount);
      expect(payment.amountRefunded ?? 0, 'amountRefunded = sum of succeeded refunds').to.equal(
        refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0),
      );
      for (const amount of [captured, payment.amountCapturable ?? 0, payment.amountRefunded ?? 0, ...refunds.map((r) => r.amount)]) {
        expect(Number.isSafeInteger(amount) && amount >= 0, `integer minor units: ${amount}`).to.equal(true);
      }
      // Only a refund the bank made after reporting its failure can hold more than was captured, and it is flagged.
      if (!payment.anomalies.includes('refund_after_failure')) {
        expect(reservedForRefunds(payment), 'pending + succeeded refunds ≤ captured').to.be.at.most(captured);
      }
    }

    for (const [name, start] of [
      ['a manual payment the bank authorises', () => manualPending()],
      ['an automatic payment paid', () => paymentIn('pending')],
    ] as const) {
      it(`${name}: pending + succeeded refunds ≤ captured ≤ authorised, after every command`, () => {
        fc.assert(
          fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
            let clock = NOW.getTime();
            const ctx = () => fixedContext(new Date(clock));
            let current = deepFreeze(transition(start(), { type: 'bank_outcome', outcome: outcome('authorised'), captureWindowMs: CAPTURE_WINDOW_MS }, ctx()).payment);
            checkInvariant(current);
            for (const { advanceMs, command: drawn } of steps) {
              clock += advanceMs;
              const command = commandFor(current, drawn);
              let result: Transition;
              try {
                result = transition(current, command, ctx());
              } catch (err) {
                // A refusal changes nothing: the payment stays as stored.
                expect(err).to.be.instanceOf(GatewayError);
                continue;
              }
              if (result.changed) expect(result.payment.version).to.equal(current.version + 1);
              else expect(result.payment).to.equal(current);
              current = deepFreeze(result.payment);
              checkInvariant(current);
            }
          }),
          { numRuns: 300 },
        );
      });
    }
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
