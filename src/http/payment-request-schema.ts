import { z } from 'zod';
import { ValidationError, type FieldError } from '../core/errors.js';
import { findCurrency } from '../core/money.js';
import type { NewPayment } from '../service/payment-service.js';

/** The merchant's own limits on a request, and the connectors a payment may name. */
export interface CreateRules {
  maxAmount: number;
  returnUrlAllowlist: readonly string[];
  /**
   * The configured connectors, as data: a bad name is reported with every other bad field of the
   * body in one answer. The service applies the connectors' own rules (default, amounts it can charge).
   */
  connectors: readonly string[];
}

const REFERENCE = /^[A-Za-z0-9._-]{1,64}$/;

function returnUrlAllowed(value: string, allowlist: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && allowlist.includes(url.origin);
  } catch {
    return false;
  }
}

// Built once per rule set (the gateway has one), not on every request.
const schemas = new WeakMap<CreateRules, ReturnType<typeof buildSchema>>();

function schemaFor(rules: CreateRules) {
  let schema = schemas.get(rules);
  if (!schema) schemas.set(rules, (schema = buildSchema(rules)));
  return schema;
}

function buildSchema(rules: CreateRules) {
  return z.strictObject({
    amount: z
      .number({ message: 'amount must be an integer number of minor units' })
      .int({ message: 'amount must be an integer number of minor units (no decimals)' })
      .min(1, { message: 'amount must be at least 1' })
      .max(rules.maxAmount, { message: `amount must be at most ${rules.maxAmount}` }),
    currency: z
      .string({ message: 'currency must be an ISO 4217 code' })
      .refine((c) => findCurrency(c) !== undefined, { message: 'currency must be an existing ISO 4217 alphabetic code, e.g. EUR' }),
    reference: z.string({ message: 'reference is required' }).regex(REFERENCE, { message: 'reference must be 1-64 characters of A-Z a-z 0-9 . _ -' }),
    // zod's max() counts code points, not UTF-16 units: an emoji is one character of the 255.
    description: z
      .string({ message: 'description must be text of 1 to 255 characters' })
      .trim()
      .min(1, { message: 'description must not be empty (leave it out instead)' })
      .max(255, { message: 'description must be at most 255 characters' })
      .optional(),
    customer: z
      .strictObject({
        email: z.email({ message: 'customer.email must be an email address' }).max(254).optional(),
        locale: z.enum(['en', 'fr'], { message: 'customer.locale must be en or fr' }).optional(),
      }, { message: 'customer must be an object with an email and a locale' })
      .optional(),
    returnUrl: z
      .string({ message: 'returnUrl must be an absolute URL on an allow-listed origin (RETURN_URL_ALLOWLIST)' })
      .max(2048, { message: 'returnUrl must be at most 2048 characters' })
      .refine((u) => returnUrlAllowed(u, rules.returnUrlAllowlist), { message: 'returnUrl must be an absolute URL on an allow-listed origin (RETURN_URL_ALLOWLIST)' })
      .optional(),
    cancelUrl: z
      .string()
      .max(2048)
      .refine((u) => returnUrlAllowed(u, rules.returnUrlAllowlist), { message: 'cancelUrl must be an absolute URL on an allow-listed origin (RETURN_URL_ALLOWLIST)' })
      .optional(),
    notifyCheckoutAbandoned: z.boolean({ message: 'notifyCheckoutAbandoned must be true (send payment.checkout_abandoned when the buyer goes back to the shop from the checkout page) or false' }).optional(),
    checkout: z.enum(['confirm', 'direct'], { message: 'checkout must be confirm (the buyer presses Pay on the checkout page) or direct (the checkout page goes straight on to the bank)' }).optional(),
    connector: z
      .string({ message: `connector must be one of: ${rules.connectors.join(', ')}` })
      .refine((c) => rules.connectors.includes(c), { message: `connector must be one of: ${rules.connectors.join(', ')}` })
      .optional(),
    capture: z.enum(['automatic', 'manual'], { message: 'capture must be automatic (the bank takes the money when it authorises) or manual (it only reserves it, until a capture)' }).optional(),
    metadata: z
      .record(
        z.string().min(1, { message: 'metadata keys must be 1 to 40 characters' }).max(40, { message: 'metadata keys must be 1 to 40 characters' }),
        z.string({ message: 'metadata values must be strings' }).max(500, { message: 'metadata values must be at most 500 characters' }),
        { message: 'metadata must be an object of string values' },
      )
      .refine((m) => Object.keys(m).length <= 20, { message: 'metadata may hold at most 20 keys' })
      .optional(),
  });
}

/**
 * JSON.parse makes `"__proto__"` an ordinary own key, but zod's record skips it (as any object copy
 * would turn it into the prototype): the merchant would get a 201 with the key silently gone. Refused
 * instead. The fixed-shape objects refuse it already as an unknown field; `constructor` and
 * `prototype` are plain keys all the way to the store and back, so they are kept.
 */
function prototypeKeyErrors(body: Record<string, unknown>): FieldError[] {
  const metadata = body.metadata;
  const has = typeof metadata === 'object' && metadata !== null && Object.hasOwn(metadata, '__proto__');
  return has ? [{ field: 'metadata.__proto__', message: 'metadata keys may not be __proto__' }] : [];
}

/** Validates a create-payment body into a NewPayment, or throws a ValidationError naming every bad field. */
export function parseNewPayment(body: unknown, rules: CreateRules): NewPayment {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const result = schemaFor(rules).safeParse(body);
  const errors = prototypeKeyErrors(body as Record<string, unknown>);
  if (!result.success) {
    for (const issue of result.error.issues) {
      errors.push({
        field: issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys].join('.') : issue.path.join('.'),
        message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
      });
    }
  }
  if (errors.length > 0 || !result.success) throw new ValidationError(errors);
  const v = result.data;
  return {
    amount: v.amount,
    currency: v.currency,
    reference: v.reference,
    description: v.description ?? null,
    customer: v.customer && (v.customer.email || v.customer.locale) ? { ...v.customer } : null,
    returnUrl: v.returnUrl ?? null,
    metadata: v.metadata ?? {},
    ...(v.connector !== undefined ? { connector: v.connector } : {}),
    ...(v.capture !== undefined ? { capture: v.capture } : {}),
    ...(v.checkout !== undefined ? { checkout: v.checkout } : {}),
    ...(v.cancelUrl !== undefined ? { cancelUrl: v.cancelUrl } : {}),
    ...(v.notifyCheckoutAbandoned === true ? { notifyCheckoutAbandoned: true as const } : {}),
  };
}
