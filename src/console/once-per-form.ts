import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { SingleSubmission } from '../service/console/single-submission.js';

const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;

/** The form's key (made by the page that rendered it), or none for a form that came without one. */
function formKeyOf(req: Request): string | null {
  const key = (req.body as Record<string, unknown> | undefined)?.formKey;
  return typeof key === 'string' && FORM_KEY.test(key) ? `console:${key}` : null;
}

/** What a form asks for, as the parts that make it that request (the same key with other parts is a 422). */
export function formFingerprint(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/**
 * Acts once per form key, for the console's forms that have no Idempotency-Key machinery of their
 * own (redeliveries): a double submit or a resent form is answered as replayed and does nothing. A
 * form without a key (a hand-made one) simply acts.
 */
export async function oncePerForm<T>(
  submissions: SingleSubmission,
  req: Request,
  fingerprint: string,
  act: () => Promise<T>,
): Promise<{ replayed: boolean; answer: T | undefined }> {
  const key = formKeyOf(req);
  if (!key) return { replayed: false, answer: await act() };
  return submissions.once(key, fingerprint, act);
}
