import { z } from 'zod';
import { ValidationError, type FieldError } from '../core/errors.js';

/**
 * The bodies of the operations on a payment (capture, refund, sync): strict, each bad field
 * named. Amounts are integers of minor units; whether the payment can give them is the service's
 * and the state machine's to say (amount_not_capturable, amount_not_refundable).
 */
const amount = z
  .number({ message: 'amount must be an integer number of minor units' })
  .int({ message: 'amount must be an integer number of minor units (no decimals)' })
  .min(1, { message: 'amount must be at least 1' })
  .max(Number.MAX_SAFE_INTEGER, { message: 'amount is too large' });

const CAPTURE = z.strictObject({ amount: amount.optional() });
const REFUND = z.strictObject({
  amount: amount.optional(),
  // zod's max() counts code points: an emoji is one character of the 255.
  reason: z.string({ message: 'reason must be a text' }).trim().min(1, { message: 'reason must not be empty' }).max(255, { message: 'reason must be at most 255 characters' }).optional(),
});
const NOTHING = z.strictObject({});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  // A POST without a body asks for the defaults.
  const given = body === undefined ? {} : body;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ValidationError([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys].join('.') : issue.path.join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new ValidationError(errors);
}

export function parseCapture(body: unknown): { amount?: number } {
  const v = parse(CAPTURE, body);
  return v.amount !== undefined ? { amount: v.amount } : {};
}

export function parseRefund(body: unknown): { amount?: number; reason?: string } {
  const v = parse(REFUND, body);
  return { ...(v.amount !== undefined ? { amount: v.amount } : {}), ...(v.reason !== undefined ? { reason: v.reason } : {}) };
}

/** sync takes no field (cancel ignores its body, as it always did). */
export function parseNoFields(body: unknown): void {
  parse(NOTHING, body);
}
