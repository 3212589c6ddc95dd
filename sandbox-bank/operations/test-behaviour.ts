import { OPERATION_TYPES, type OperationRequest, type OperationType } from '../../src/protocols/native-operations.js';
import type { MerchantRegistration, RegisteredMerchant } from '../merchants.js';

/**
 * What a merchant registration can make its operations do, for testing the merchant's side:
 * `unsupported` (refused `operation_not_supported`), `decline` (refused `operation_declined`; not for
 * status), `timeout_once` (done, then answered 504 without a body; the retry gets the real answer),
 * `late` (done, answered after the bank's late-answer delay).
 */
export type OperationTestBehaviour = 'unsupported' | 'decline' | 'timeout_once' | 'late';

declare module '../merchants.js' {
  interface MerchantCredentials {
    /** Native operations API: the test behaviour of each operation type for this merchant. */
    operations?: Partial<Record<OperationType, OperationTestBehaviour>>;
  }
}

/** A test behaviour, or an asynchronous refund that settles one way or the other. */
export type TestEffect = OperationTestBehaviour | 'pending_then_succeeded' | 'pending_then_failed';

/**
 * Test amounts: a capture or refund whose amount in minor units ends in these two digits
 * (e.g. 10.51 EUR = 1051) behaves so, for every merchant, which lets a person trying the demo see
 * each path. Pending outcomes apply to refunds only (captures answer at once).
 */
export const TEST_OPERATION_AMOUNTS: readonly { ending: number; effect: TestEffect; meaning: string }[] = [
  { ending: 51, effect: 'decline', meaning: 'refused, operation_declined' },
  { ending: 52, effect: 'timeout_once', meaning: 'done, but the first answer is a 504 without a body; the retry (same op_id) gets the answer' },
  { ending: 53, effect: 'late', meaning: 'done, answered after the late-answer delay (15 s by default)' },
  { ending: 54, effect: 'pending_then_succeeded', meaning: 'refund: pending, then succeeded after the settlement delay' },
  { ending: 55, effect: 'pending_then_failed', meaning: 'refund: pending, then failed (refund_failed) after the settlement delay' },
];

/** Checked when the bank starts: a readable error for a misspelt knob. */
export function checkOperationBehaviours(registration: MerchantRegistration): void {
  for (const [type, behaviour] of Object.entries(registration.operations ?? {})) {
    if (!(OPERATION_TYPES as readonly string[]).includes(type)) throw new Error(`merchant ${registration.merchantId}: operations.${type} is not an operation type`);
    if (!['unsupported', 'decline', 'timeout_once', 'late'].includes(behaviour)) {
      throw new Error(`merchant ${registration.merchantId}: operations.${type} must be unsupported, decline, timeout_once or late`);
    }
    if (type === 'status' && behaviour === 'decline') throw new Error(`merchant ${registration.merchantId}: a status query cannot be declined`);
  }
}

/**
 * The merchant's knob first, then the test amount; undefined means a normal operation. Takes any
 * protocol's operation by its native type (Sips Office's validate is a capture), so every back
 * office of the sandbox behaves alike.
 */
export function testEffectOf(merchant: RegisteredMerchant, op: Pick<OperationRequest, 'type'> & { amount?: number }): TestEffect | undefined {
  const knob = merchant.registration.operations?.[op.type];
  if (knob) return knob;
  const amount = op.amount;
  if ((op.type !== 'capture' && op.type !== 'refund') || amount === undefined) return undefined;
  const effect = TEST_OPERATION_AMOUNTS.find((t) => amount % 100 === t.ending)?.effect;
  if ((effect === 'pending_then_succeeded' || effect === 'pending_then_failed') && op.type !== 'refund') return undefined;
  return effect;
}
