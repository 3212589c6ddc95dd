import { expect } from 'chai';
import { IllegalTransitionError, InvalidBankMessageError } from '../../src/core/errors.js';
import type { AnomalyKind, AttemptStatus, Payment, PaymentStatus } from '../../src/core/payment.js';
import { PAYMENT_STATUSES } from '../../src/core/payment.js';
import type { PaymentEventType } from '../../src/core/events.js';
import { isDueForExpiry, transition, type BankOutcome, type Command, type Transition, type Verdict } from '../../src/core/transition.js';
import { attempt, CAPTURE_BEFORE, deepFreeze, EXPIRES_AT, fixedContext, minutesFromNow, NOW, outcome, payment, paymentIn } from './fixtures.js';

const TEN_MINUTES = 10 * 60_000;
const ONE_MINUTE = 60_000;

function startAttempt(reuseWindowMs = TEN_MINUTES, attemptRef = 'ANEW'): Command {
  return { type: 'start_attempt', attemptRef, connector: 'native', reuseWindowMs };
}

function bank(status: BankOutcome['status'], overrides: Partial<BankOutcome> = {}): Command {
  return { type: 'bank_outcome', outcome: outcome(status, overrides) };
}

const CANCEL: Command = { type: 'cancel' };
const EXPIRE: Command = { type: 'expire' };
const AFTER_EXPIRY = minutesFromNow(31);

interface ExpectedEvent {
  type: PaymentEventType;
  attemptRef?: string;
  anomaly?: AnomalyKind;
}

interface Expected {
  status: PaymentStatus;
  verdict: Verdict;
  changed: boolean;
  /** Status of every attempt after the command, in order. */
  attempts: Array<[ref: string, status: AttemptStatus]>;
  events: ExpectedEvent[];
  anomalies?: AnomalyKind[];
  /** For start_attempt: the ref of the attempt the buyer is sent with. */
  attempt?: string;
}

/** Checks the whole result: status, attempts, verdict, version bump and every event's stamp. */
function expectResult(result: Transition, before: Payment, expected: Expected, now: Date = NOW): void {
  expect(result.verdict, 'verdict').to.equal(expected.verdict);
  expect(result.changed, 'changed').to.equal(expected.changed);
  expect(result.payment.status, 'status').to.equal(expected.status);
  expect(result.payment.attempts.map((a) => [a.ref, a.status]), 'attempts').to.deep.equal(expected.attempts);
  expect(result.payment.anomalies, 'anomalies').to.deep.equal(expected.anomalies ?? before.anomalies);
  expect(result.attempt?.ref, 'attempt').to.equal(expected.attempt);

  if (expected.changed) {
    expect(result.payment.version, 'version').to.equal(before.version + 1);
    expect(result.payment.updatedAt, 'updatedAt').to.equal(now.toISOString());
  } else {
    // Nothing to store: the caller gets the payment exactly as it was.
    expect(result.payment, 'unchanged payment').to.deep.equal(before);
  }

  expect(result.events.map((e) => ({ type: e.type, attemptRef: e.attemptRef, anomaly: e.anomaly })), 'events').to.deep.equal(
    expected.events.map((e) => ({ type: e.type, attemptRef: e.attemptRef, anomaly: e.anomaly })),
  );
  result.events.forEach((event, index) => {
    expect(event.id).to.equal(`evt_${index + 1}`);
    expect(event.paymentId).to.equal(before.id);
    expect(event.paymentVersion).to.equal(before.version + 1);
    expect(event.occurredAt).to.equal(now.toISOString());
  });
}

type Row =
  | { from: PaymentStatus; name: string; command: Command; now?: Date; expected: Expected }
  | { from: PaymentStatus; name: string; command: Command; now?: Date; throws: typeof IllegalTransitionError | typeof InvalidBankMessageError };

const OUTCOMES: Array<BankOutcome['status']> = ['authorised', 'refused', 'cancelled', 'error', 'pending'];
const unchanged = (from: Payment, verdict: Verdict, attemptRef?: string): Expected => ({
  status: from.status,
  verdict,
  changed: false,
  attempts: from.attempts.map((a) => [a.ref, a.status]),
  events: [],
  ...(attemptRef ? { attempt: attemptRef } : {}),
});

/**
 * Every status × every command. Bank outcomes are about attempt A1 and match the payment's amount and
 * currency; a created payment has no attempt, so any bank outcome for it names an unknown attempt.
 */
const MATRIX: Row[] = [
  // created
  {
    from: 'created',
    name: 'start_attempt',
    command: startAttempt(),
    expected: { status: 'pending', verdict: 'applied', changed: true, attempts: [['ANEW', 'pending']], events: [{ type: 'payment.pending', attemptRef: 'ANEW' }], attempt: 'ANEW' },
  },
  ...OUTCOMES.map((s): Row => ({ from: 'created', name: `bank_outcome ${s}`, command: bank(s), throws: InvalidBankMessageError })),
  { from: 'created', name: 'cancel', command: CANCEL, expected: { status: 'cancelled', verdict: 'applied', changed: true, attempts: [], events: [{ type: 'payment.cancelled' }] } },
  { from: 'created', name: 'expire before expiresAt', command: EXPIRE, expected: unchanged(paymentIn('created'), 'no_effect') },
  { from: 'created', name: 'expire after expiresAt', command: EXPIRE, now: AFTER_EXPIRY, expected: { status: 'expired', verdict: 'applied', changed: true, attempts: [], events: [{ type: 'payment.expired' }] } },

  // pending (A1 pending, started 5 minutes ago)
  { from: 'pending', name: 'start_attempt inside the reuse window', command: startAttempt(TEN_MINUTES), expected: unchanged(paymentIn('pending'), 'no_effect', 'A1') },
  {
    from: 'pending',
    name: 'start_attempt after the reuse window',
    command: startAttempt(ONE_MINUTE),
    expected: {
      status: 'pending',
      verdict: 'applied',
      changed: true,
      attempts: [['A1', 'pending'], ['ANEW', 'pending']],
      events: [{ type: 'payment.pending', attemptRef: 'ANEW' }],
      attempt: 'ANEW',
    },
  },
  { from: 'pending', name: 'bank_outcome authorised', command: bank('authorised'), expected: { status: 'succeeded', verdict: 'applied', changed: true, attempts: [['A1', 'authorised']], events: [{ type: 'payment.succeeded', attemptRef: 'A1' }] } },
  { from: 'pending', name: 'bank_outcome refused', command: bank('refused'), expected: { status: 'failed', verdict: 'applied', changed: true, attempts: [['A1', 'refused']], events: [{ type: 'payment.failed', attemptRef: 'A1' }] } },
  { from: 'pending', name: 'bank_outcome cancelled', command: bank('cancelled'), expected: { status: 'cancelled', verdict: 'applied', changed: true, attempts: [['A1', 'cancelled']], events: [{ type: 'payment.cancelled', attemptRef: 'A1' }] } },
  { from: 'pending', name: 'bank_outcome error', command: bank('error'), expected: { status: 'failed', verdict: 'applied', changed: true, attempts: [['A1', 'error']], events: [{ type: 'payment.failed', attemptRef: 'A1' }] } },
  { from: 'pending', name: 'bank_outcome pending', command: bank('pending'), expected: unchanged(paymentIn('pending'), 'no_effect') },
  { from: 'pending', name: 'cancel', command: CANCEL, expected: { status: 'cancelled', verdict: 'applied', changed: true, attempts: [['A1', 'pending']], events: [{ type: 'payment.cancelled' }] } },
  { from: 'pending', name: 'expire before expiresAt', command: EXPIRE, expected: unchanged(paymentIn('pending'), 'no_effect') },
  { from: 'pending', name: 'expire after expiresAt', command: EXPIRE, now: AFTER_EXPIRY, expected: { status: 'expired', verdict: 'applied', changed: true, attempts: [['A1', 'pending']], events: [{ type: 'payment.expired' }] } },

  // succeeded (A1 authorised): final
  { from: 'succeeded', name: 'start_attempt', command: startAttempt(), throws: IllegalTransitionError },
  { from: 'succeeded', name: 'bank_outcome authorised (again)', command: bank('authorised'), expected: unchanged(paymentIn('succeeded'), 'duplicate') },
  ...(['refused', 'cancelled', 'error'] as const).map(
    (s): Row => ({
      from: 'succeeded',
      name: `bank_outcome ${s}`,
      command: bank(s),
      expected: {
        status: 'succeeded',
        verdict: 'anomaly',
        changed: true,
        attempts: [['A1', 'authorised']],
        events: [{ type: 'payment.anomaly', attemptRef: 'A1', anomaly: 'regression_after_success' }],
        anomalies: ['regression_after_success'],
      },
    }),
  ),
  { from: 'succeeded', name: 'bank_outcome pending', command: bank('pending'), expected: unchanged(paymentIn('succeeded'), 'no_effect') },
  { from: 'succeeded', name: 'cancel', command: CANCEL, throws: IllegalTransitionError },
  { from: 'succeeded', name: 'expire before expiresAt', command: EXPIRE, expected: unchanged(paymentIn('succeeded'), 'no_effect') },
  { from: 'succeeded', name: 'expire after expiresAt', command: EXPIRE, now: AFTER_EXPIRY, expected: unchanged(paymentIn('succeeded'), 'no_effect') },

  // authorized (manual capture, A1 authorised, captureBefore in seven days): money reserved, not taken
  { from: 'authorized', name: 'start_attempt', command: startAttempt(), throws: IllegalTransitionError },
  { from: 'authorized', name: 'bank_outcome authorised (again)', command: bank('authorised'), expected: unchanged(paymentIn('authorized'), 'duplicate') },
  ...(['refused', 'cancelled', 'error'] as const).map(
    (s): Row => ({
      from: 'authorized',
      name: `bank_outcome ${s}`,
      command: bank(s),
      expected: {
        status: 'authorized',
        verdict: 'anomaly',
        changed: true,
        attempts: [['A1', 'authorised']],
        events: [{ type: 'payment.anomaly', attemptRef: 'A1', anomaly: 'regression_after_success' }],
        anomalies: ['regression_after_success'],
      },
    }),
  ),
  { from: 'authorized', name: 'bank_outcome pending', command: bank('pending'), expected: unchanged(paymentIn('authorized'), 'no_effect') },
  // Releasing the reservation is the bank's work: a void, not a cancel.
  { from: 'authorized', name: 'cancel', command: CANCEL, throws: IllegalTransitionError },
  { from: 'authorized', name: 'expire after expiresAt', command: EXPIRE, now: AFTER_EXPIRY, expected: unchanged(paymentIn('authorized'), 'no_effect') },
  {
    from: 'authorized',
    name: 'expire at captureBefore',
    command: EXPIRE,
    now: new Date(CAPTURE_BEFORE),
    expected: { status: 'expired', verdict: 'applied', changed: true, attempts: [['A1', 'authorised']], events: [{ type: 'payment.expired' }] },
  },

  // failed (A1 refused): the buyer may try again
  {
    from: 'failed',
    name: 'start_attempt',
    command: startAttempt(),
    expected: {
      status: 'pending',
      verdict: 'applied',
      changed: true,
      attempts: [['A1', 'refused'], ['ANEW', 'pending']],
      events: [{ type: 'payment.pending', attemptRef: 'ANEW' }],
      attempt: 'ANEW',
    },
  },
  { from: 'failed', name: 'bank_outcome authorised', command: bank('authorised'), expected: { status: 'succeeded', verdict: 'applied', changed: true, attempts: [['A1', 'authorised']], events: [{ type: 'payment.succeeded', attemptRef: 'A1' }] } },
  { from: 'failed', name: 'bank_outcome refused (again)', command: bank('refused'), expected: unchanged(paymentIn('failed'), 'duplicate') },
  // Another "no" for an attempt already refused changes nothing and notifies nobody again.
  { from: 'failed', name: 'bank_outcome cancelled', command: bank('cancelled'), expected: unchanged(paymentIn('failed'), 'duplicate') },
  { from: 'failed', name: 'bank_outcome error', command: bank('error'), expected: unchanged(paymentIn('failed'), 'duplicate') },
  { from: 'failed', name: 'bank_outcome pending', command: bank('pending'), expected: unchanged(paymentIn('failed'), 'no_effect') },
  { from: 'failed', name: 'cancel', command: CANCEL, expected: { status: 'cancelled', verdict: 'applied', changed: true, attempts: [['A1', 'refused']], events: [{ type: 'payment.cancelled' }] } },
  { from: 'failed', name: 'expire before expiresAt', command: EXPIRE, expected: unchanged(paymentIn('failed'), 'no_effect') },
  { from: 'failed', name: 'expire after expiresAt', command: EXPIRE, now: AFTER_EXPIRY, expected: { status: 'expired', verdict: 'applied', changed: true, attempts: [['A1', 'refused']], events: [{ type: 'payment.expired' }] } },

  // cancelled (by the merchant while A1 was at the bank)
  { from: 'cancelled', name: 'start_attempt', command: startAttempt(), throws: IllegalTransitionError },
  {
    from: 'cancelled',
    name: 'bank_outcome authorised',
    command: bank('authorised'),
    expected: {
      status: 'succeeded',
      verdict: 'anomaly',
      changed: true,
      attempts: [['A1', 'authorised']],
      events: [
        { type: 'payment.succeeded', attemptRef: 'A1' },
        { type: 'payment.anomaly', attemptRef: 'A1', anomaly: 'succeeded_after_cancellation' },
      ],
      anomalies: ['succeeded_after_cancellation'],
    },
  },
  // The attempt's verdict is recorded; the payment stays cancelled and nobody is notified again.
  ...(['refused', 'cancelled', 'error'] as const).map(
    (s): Row => ({ from: 'cancelled', name: `bank_outcome ${s}`, command: bank(s), expected: { status: 'cancelled', verdict: 'applied', changed: true, attempts: [['A1', s]], events: [] } }),
  ),
  { from: 'cancelled', name: 'bank_outcome pending', command: bank('pending'), expected: unchanged(paymentIn('cancelled'), 'no_effect') },
  { from: 'cancelled', name: 'cancel (again)', command: CANCEL, expected: unchanged(paymentIn('cancelled'), 'duplicate') },
  { from: 'cancelled', name: 'expire before expiresAt', command: EXPIRE, expected: unchanged(paymentIn('cancelled'), 'no_effect') },
  { from: 'cancelled', name: 'expire after expiresAt', command: EXPIRE, now: AFTER_EXPIRY, expected: unchanged(paymentIn('cancelled'), 'no_effect') },

  // expired (while A1 was at the bank)
  { from: 'expired', name: 'start_attempt', command: startAttempt(), throws: IllegalTransitionError },
  {
    from: 'expired',
    name: 'bank_outcome authorised',
    command: bank('authorised'),
    expected: {
      status: 'succeeded',
      verdict: 'anomaly',
      changed: true,
      attempts: [['A1', 'authorised']],
      events: [
        { type: 'payment.succeeded', attemptRef: 'A1' },
        { type: 'payment.anomaly', attemptRef: 'A1', anomaly: 'succeeded_after_expiry' },
      ],
      anomalies: ['succeeded_after_expiry'],
    },
  },
  ...(['refused', 'cancelled', 'error'] as const).map(
    (s): Row => ({ from: 'expired', name: `bank_outcome ${s}`, command: bank(s), expected: { status: 'expired', verdict: 'applied', changed: true, attempts: [['A1', s]], events: [] } }),
  ),
  { from: 'expired', name: 'bank_outcome pending', command: bank('pending'), expected: unchanged(paymentIn('expired'), 'no_effect') },
  { from: 'expired', name: 'cancel', command: CANCEL, throws: IllegalTransitionError },
  { from: 'expired', name: 'expire (again)', command: EXPIRE, now: AFTER_EXPIRY, expected: unchanged(paymentIn('expired'), 'no_effect') },
];

describe('core/transition', () => {
  describe('every status × every command', () => {
    it('covers each status with start_attempt, each bank outcome, cancel and expire', () => {
      for (const status of PAYMENT_STATUSES) {
        const names = MATRIX.filter((row) => row.from === status).map((row) => row.name);
        expect(names.some((n) => n.startsWith('start_attempt')), `${status} start_attempt`).to.equal(true);
        for (const s of OUTCOMES) expect(names.some((n) => n.startsWith(`bank_outcome ${s}`)), `${status} ${s}`).to.equal(true);
        expect(names.some((n) => n.startsWith('cancel')), `${status} cancel`).to.equal(true);
        expect(names.some((n) => n.startsWith('expire')), `${status} expire`).to.equal(true);
      }
    });

    for (const row of MATRIX) {
      it(`${row.from} + ${row.name}`, () => {
        const before = paymentIn(row.from);
        const ctx = fixedContext(row.now);
        if ('throws' in row) {
          expect(() => transition(before, row.command, ctx)).to.throw(row.throws);
          expect(ctx.issued, 'no event ids drawn').to.deep.equal([]);
        } else {
          expectResult(transition(before, row.command, ctx), before, row.expected, row.now);
        }
      });
    }

    for (const status of PAYMENT_STATUSES) {
      it(`${status} + bank_outcome for an attempt it does not have → InvalidBankMessageError(unknown_attempt)`, () => {
        const err = catchError(() => transition(paymentIn(status), bank('authorised', { attemptRef: 'AUNKNOWN' }), fixedContext()));
        expect(err).to.be.instanceOf(InvalidBankMessageError);
        expect((err as InvalidBankMessageError).reason).to.equal('unknown_attempt');
        expect((err as InvalidBankMessageError).code).to.equal('invalid_bank_message');
      });
    }
  });

  describe('start_attempt', () => {
    it('moves created to pending with a fresh pending attempt stamped now', () => {
      const before = paymentIn('created');
      const result = transition(before, startAttempt(TEN_MINUTES, 'AFIRST'), fixedContext());
      expect(result.payment.status).to.equal('pending');
      expect(result.attempt).to.deep.equal({
        ref: 'AFIRST',
        connector: 'native',
        status: 'pending',
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
      expect(result.payment.attempts).to.deep.equal([result.attempt]);
      expect(result.payment.version).to.equal(2);
    });

    it('a second start_attempt inside the reuse window returns the same attempt and changes nothing', () => {
      const first = transition(paymentIn('created'), startAttempt(TEN_MINUTES, 'AFIRST'), fixedContext());
      const stored = deepFreeze(first.payment);
      const second = transition(stored, startAttempt(TEN_MINUTES, 'ASECOND'), fixedContext(minutesFromNow(9)));
      expect(second.verdict).to.equal('no_effect');
      expect(second.changed).to.equal(false);
      expect(second.events).to.deep.equal([]);
      expect(second.attempt?.ref).to.equal('AFIRST');
      expect(second.payment).to.equal(stored);
    });

    it('after the reuse window a new attempt starts and the old one is kept', () => {
      const first = transition(paymentIn('created'), startAttempt(TEN_MINUTES, 'AFIRST'), fixedContext());
      const stored = deepFreeze(first.payment);
      const later = minutesFromNow(10);
      const second = transition(stored, startAttempt(TEN_MINUTES, 'ASECOND'), fixedContext(later));
      expect(second.verdict).to.equal('applied');
      expect(second.attempt?.ref).to.equal('ASECOND');
      expect(second.payment.attempts.map((a) => a.ref)).to.deep.equal(['AFIRST', 'ASECOND']);
      expect(second.payment.version).to.equal(stored.version + 1);
      expect(second.events.map((e) => [e.type, e.attemptRef, e.paymentVersion])).to.deep.equal([['payment.pending', 'ASECOND', 3]]);
    });

    it('throws IllegalTransitionError once expiresAt has passed, even before the expiry is recorded', () => {
      for (const status of ['created', 'pending', 'failed'] as const) {
        const err = catchError(() => transition(paymentIn(status), startAttempt(ONE_MINUTE), fixedContext(new Date(EXPIRES_AT))));
        expect(err, status).to.be.instanceOf(IllegalTransitionError);
        expect((err as IllegalTransitionError).code).to.equal('illegal_transition');
        expect((err as IllegalTransitionError).status).to.equal(409);
      }
    });

    it('is allowed again after a refusal, and the new attempt can succeed', () => {
      const ctx = fixedContext();
      const refused = transition(paymentIn('pending'), bank('refused'), ctx);
      expect(refused.payment.status).to.equal('failed');
      const retry = transition(deepFreeze(refused.payment), startAttempt(TEN_MINUTES, 'A2'), fixedContext());
      expect(retry.payment.status).to.equal('pending');
      expect(retry.payment.attempts.map((a) => [a.ref, a.status])).to.deep.equal([
        ['A1', 'refused'],
        ['A2', 'pending'],
      ]);
      const paid = transition(deepFreeze(retry.payment), bank('authorised', { attemptRef: 'A2' }), fixedContext());
      expect(paid.payment.status).to.equal('succeeded');
      expect(paid.payment.version).to.equal(5);
      expect(paid.events.map((e) => [e.type, e.attemptRef, e.paymentVersion])).to.deep.equal([['payment.succeeded', 'A2', 5]]);
    });
  });

  describe('bank outcomes', () => {
    it('records the bank details of an authorised attempt', () => {
      const result = transition(
        paymentIn('pending'),
        bank('authorised', { bankTransactionId: 'tx-9', authorisationCode: 'AUTH01', card: { brand: 'mastercard', last4: '4444' }, responseCode: '00' }),
        fixedContext(),
      );
      expect(result.payment.attempts[0]).to.deep.include({
        status: 'authorised',
        bankTransactionId: 'tx-9',
        authorisationCode: 'AUTH01',
        card: { brand: 'mastercard', last4: '4444' },
        responseCode: '00',
        updatedAt: NOW.toISOString(),
      });
    });

    it('a duplicate outcome is "duplicate": no events, no new version', () => {
      for (const [status, s] of [
        ['succeeded', 'authorised'],
        ['failed', 'refused'],
      ] as const) {
        const before = paymentIn(status);
        const result = transition(before, bank(s), fixedContext());
        expect(result.verdict).to.equal('duplicate');
        expect(result.events).to.deep.equal([]);
        expect(result.changed).to.equal(false);
        expect(result.payment).to.equal(before);
      }
    });

    it('a refusal of a superseded attempt is recorded without moving the payment', () => {
      const before = deepFreeze(payment({ status: 'pending', version: 3, attempts: [attempt('A1', 'pending'), attempt('A2', 'pending')] }));
      const result = transition(before, bank('refused'), fixedContext());
      expectResult(result, before, { status: 'pending', verdict: 'applied', changed: true, attempts: [['A1', 'refused'], ['A2', 'pending']], events: [] });
    });

    it('a success on an earlier attempt after another one succeeded is flagged second_success', () => {
      const before = deepFreeze(payment({ status: 'succeeded', version: 5, attempts: [attempt('A1', 'refused'), attempt('A2', 'authorised')] }));
      const result = transition(before, bank('authorised'), fixedContext());
      expectResult(result, before, {
        status: 'succeeded',
        verdict: 'anomaly',
        changed: true,
        attempts: [['A1', 'authorised'], ['A2', 'authorised']],
        events: [{ type: 'payment.anomaly', attemptRef: 'A1', anomaly: 'second_success' }],
        anomalies: ['second_success'],
      });
    });
  });

  describe('succeeded is final', () => {
    it('cancel throws IllegalTransitionError', () => {
      expect(() => transition(paymentIn('succeeded'), CANCEL, fixedContext())).to.throw(IllegalTransitionError, /succeeded/);
    });

    it('a refusal after success is an anomaly: status stays succeeded, one payment.anomaly event', () => {
      const before = paymentIn('succeeded');
      const result = transition(before, bank('refused'), fixedContext());
      expect(result.verdict).to.equal('anomaly');
      expect(result.payment.status).to.equal('succeeded');
      expect(result.payment.attempts[0]).to.deep.equal(before.attempts[0]);
      expect(result.payment.anomalies).to.deep.equal(['regression_after_success']);
      expect(result.events).to.have.length(1);
      expect(result.events[0]).to.deep.equal({
        id: 'evt_1',
        type: 'payment.anomaly',
        paymentId: 'pay_test',
        paymentVersion: 4,
        occurredAt: NOW.toISOString(),
        anomaly: 'regression_after_success',
        attemptRef: 'A1',
      });
    });

    it('a second identical refusal adds no event', () => {
      const first = transition(paymentIn('succeeded'), bank('refused'), fixedContext());
      const stored = deepFreeze(first.payment);
      const second = transition(stored, bank('refused'), fixedContext(minutesFromNow(1)));
      expect(second.events).to.deep.equal([]);
      expect(second.payment.status).to.equal('succeeded');
      expect(second.payment.anomalies).to.deep.equal(['regression_after_success']);
    });

    it('the same attempt authorised again under another bank transaction is a second success, flagged', () => {
      const paid = deepFreeze(transition(paymentIn('pending'), bank('authorised', { bankTransactionId: 'BT-1' }), fixedContext()).payment);
      const same = transition(paid, bank('authorised', { bankTransactionId: 'BT-1' }), fixedContext());
      expect(same.verdict).to.equal('duplicate');
      const other = transition(paid, bank('authorised', { bankTransactionId: 'BT-2' }), fixedContext());
      expect(other.verdict).to.equal('anomaly');
      expect(other.payment.anomalies).to.deep.equal(['second_success']);
      expect(other.events.map((e) => e.type)).to.deep.equal(['payment.anomaly']);
    });

    it('a second identical refusal keeps the stored version (changed: false)', () => {
      const first = transition(paymentIn('succeeded'), bank('refused'), fixedContext());
      const stored = deepFreeze(first.payment);
      const second = transition(stored, bank('refused'), fixedContext(minutesFromNow(1)));
      expect(second.changed).to.equal(false);
      expect(second.payment).to.deep.equal(stored);
    });
  });

  describe('late successes are recorded and flagged, never dropped', () => {
    for (const [status, anomaly] of [
      ['expired', 'succeeded_after_expiry'],
      ['cancelled', 'succeeded_after_cancellation'],
    ] as const) {
      it(`success after ${status}: succeeded + ${anomaly}, payment.succeeded then payment.anomaly`, () => {
        const before = paymentIn(status);
        const result = transition(before, bank('authorised', { card: { brand: 'visa', last4: '1111' } }), fixedContext(AFTER_EXPIRY));
        expect(result.payment.status).to.equal('succeeded');
        expect(result.verdict).to.equal('anomaly');
        expect(result.payment.anomalies).to.deep.equal([anomaly]);
        expect(result.payment.attempts[0]?.card).to.deep.equal({ brand: 'visa', last4: '1111' });
        expect(result.events.map((e) => [e.type, e.anomaly, e.attemptRef, e.paymentVersion])).to.deep.equal([
          ['payment.succeeded', undefined, 'A1', 4],
          ['payment.anomaly', anomaly, 'A1', 4],
        ]);
      });
    }

    for (const status of ['pending', 'failed'] as const) {
      it(`success after expiresAt on a ${status} payment the sweeper has not expired yet is flagged succeeded_after_expiry`, () => {
        const before = deepFreeze(paymentIn(status));
        const result = transition(before, bank('authorised'), fixedContext(AFTER_EXPIRY));
        expect(result.payment.status).to.equal('succeeded');
        expect(result.verdict).to.equal('anomaly');
        expect(result.payment.anomalies).to.deep.equal(['succeeded_after_expiry']);
        expect(result.events.map((e) => [e.type, e.anomaly, e.attemptRef])).to.deep.equal([
          ['payment.succeeded', undefined, 'A1'],
          ['payment.anomaly', 'succeeded_after_expiry', 'A1'],
        ]);
      });
    }

    it('success at exactly expiresAt counts as after expiry; a millisecond before does not', () => {
      const at = transition(paymentIn('pending'), bank('authorised'), fixedContext(new Date(EXPIRES_AT)));
      expect(at.payment.anomalies).to.deep.equal(['succeeded_after_expiry']);
      const before = transition(paymentIn('pending'), bank('authorised'), fixedContext(new Date(Date.parse(EXPIRES_AT) - 1)));
      expect(before.verdict).to.equal('applied');
      expect(before.payment.anomalies).to.deep.equal([]);
    });

    it('success after the bank itself cancelled the attempt is flagged succeeded_after_cancellation', () => {
      const cancelled = transition(paymentIn('pending'), bank('cancelled'), fixedContext());
      const result = transition(deepFreeze(cancelled.payment), bank('authorised'), fixedContext());
      expect(result.payment.status).to.equal('succeeded');
      expect(result.payment.anomalies).to.deep.equal(['succeeded_after_cancellation']);
    });
  });

  describe('amount and currency must match what was asked', () => {
    for (const [name, overrides, anomaly] of [
      ['amount', { amount: 2479 }, 'amount_mismatch'],
      ['currency', { currency: 'USD' }, 'currency_mismatch'],
    ] as const) {
      for (const from of ['pending', 'succeeded'] as const) {
        it(`${name} mismatch on a ${from} payment: rejected, status and attempt unchanged, anomaly recorded`, () => {
          const before = paymentIn(from);
          const result = transition(before, bank('authorised', overrides), fixedContext());
          expectResult(result, before, {
            status: from,
            verdict: 'rejected',
            changed: true,
            attempts: before.attempts.map((a) => [a.ref, a.status]),
            events: [{ type: 'payment.anomaly', attemptRef: 'A1', anomaly }],
            anomalies: [anomaly],
          });
          expect(result.payment.attempts).to.deep.equal(before.attempts);
        });
      }

      it(`a second ${name} mismatch is rejected with no new event and no new version`, () => {
        const first = transition(paymentIn('pending'), bank('authorised', overrides), fixedContext());
        const stored = deepFreeze(first.payment);
        const second = transition(stored, bank('refused', overrides), fixedContext(minutesFromNow(1)));
        expect(second.verdict).to.equal('rejected');
        expect(second.events).to.deep.equal([]);
        expect(second.changed).to.equal(false);
        expect(second.payment.version).to.equal(stored.version);
        expect(second.payment.status).to.equal('pending');
        expect(second.payment.attempts).to.deep.equal(stored.attempts);
      });
    }

    it('a second mismatch returns the payment exactly as stored', () => {
      const first = transition(paymentIn('pending'), bank('authorised', { amount: 1 }), fixedContext());
      const stored = deepFreeze(first.payment);
      const second = transition(stored, bank('authorised', { amount: 1 }), fixedContext(minutesFromNow(1)));
      expect(second.payment).to.deep.equal(stored);
    });
  });

  describe('cancel and expire', () => {
    it('cancel of a cancelled payment is a no-op duplicate', () => {
      const before = paymentIn('cancelled');
      const result = transition(before, CANCEL, fixedContext());
      expect(result).to.deep.equal({ payment: before, events: [], changed: false, verdict: 'duplicate' });
    });

    it('expire before expiresAt has no effect', () => {
      const before = paymentIn('pending');
      const result = transition(before, EXPIRE, fixedContext(new Date(Date.parse(EXPIRES_AT) - 1)));
      expect(result).to.deep.equal({ payment: before, events: [], changed: false, verdict: 'no_effect' });
    });

    it('expire at exactly expiresAt moves the payment to expired', () => {
      const result = transition(paymentIn('pending'), EXPIRE, fixedContext(new Date(EXPIRES_AT)));
      expect(result.payment.status).to.equal('expired');
      expect(result.events.map((e) => e.type)).to.deep.equal(['payment.expired']);
    });

    it('isDueForExpiry is true only for open payments at or after expiresAt', () => {
      const at = new Date(EXPIRES_AT);
      expect(isDueForExpiry(paymentIn('pending'), new Date(at.getTime() - 1))).to.equal(false);
      for (const status of PAYMENT_STATUSES) {
        expect(isDueForExpiry(paymentIn(status), at), status).to.equal(['created', 'pending', 'failed'].includes(status));
      }
    });
  });

  describe('purity', () => {
    it('never mutates its input (frozen) and leaves it equal to a snapshot taken before', () => {
      const commands: Array<[Command, Date]> = [
        [startAttempt(ONE_MINUTE), NOW],
        [bank('authorised', { card: { brand: 'visa', last4: '4242' } }), NOW],
        [bank('refused'), NOW],
        [bank('authorised', { amount: 1 }), NOW],
        [CANCEL, NOW],
        [EXPIRE, AFTER_EXPIRY],
      ];
      for (const status of PAYMENT_STATUSES) {
        for (const [command, now] of commands) {
          const before = paymentIn(status);
          const snapshot = JSON.stringify(before);
          try {
            transition(before, command, fixedContext(now));
          } catch (err) {
            // Only the domain's own refusals are expected here, never a TypeError from writing to a frozen object.
            expect(err).to.satisfy((e: unknown) => e instanceof IllegalTransitionError || e instanceof InvalidBankMessageError);
          }
          expect(JSON.stringify(before), `${status} ${command.type}`).to.equal(snapshot);
        }
      }
    });

    it('the next payment shares no attempt object with the input', () => {
      const before = paymentIn('pending');
      const result = transition(before, bank('authorised'), fixedContext());
      expect(result.payment.attempts[0]).to.not.equal(before.attempts[0]);
      expect(before.attempts[0]?.status).to.equal('pending');
    });
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

describe('transition: the buyer leaves the checkout page (abandon_checkout)', () => {
  const ABANDON: Command = { type: 'abandon_checkout' };

  it('asked for, on an open payment: recorded once with its event, and the payment keeps its status', () => {
    for (const status of ['created', 'pending', 'failed'] as const) {
      const before = deepFreeze({ ...paymentIn(status), notifyCheckoutAbandoned: true as const });
      const first = transition(before, ABANDON, fixedContext());
      expect(first.verdict, status).to.equal('applied');
      expect(first.payment.status).to.equal(status);
      expect(first.payment.checkoutAbandonedAt).to.equal(NOW.toISOString());
      expect(first.payment.version).to.equal(before.version + 1);
      expect(first.events.map((e) => e.type)).to.deep.equal(['payment.checkout_abandoned']);
      const again = transition(first.payment, ABANDON, fixedContext(minutesFromNow(1)));
      expect(again).to.include({ verdict: 'duplicate', changed: false });
      expect(again.events).to.deep.equal([]);
    }
  });

  it('not asked for, or on a final payment: nothing recorded', () => {
    expect(transition(deepFreeze(paymentIn('created')), ABANDON, fixedContext())).to.include({ verdict: 'no_effect', changed: false });
    for (const status of ['succeeded', 'cancelled', 'expired', 'authorized'] as const) {
      const result = transition(deepFreeze({ ...paymentIn(status), notifyCheckoutAbandoned: true as const }), ABANDON, fixedContext());
      expect(result, status).to.include({ verdict: 'no_effect', changed: false });
      expect(result.events).to.deep.equal([]);
    }
  });
});
