import { ValidationError } from '../core/errors.js';
import { unknownTargetError } from '../service/event-service.js';

/**
 * The target a `POST /events/:id/redeliver` body names: `{"target":"webhook:0"}` (or `email:merchant`,
 * `email:buyer`), or none for no body or `{}` (the service then picks the webhook endpoints).
 * `configured` names the choices in the refusal of a target that is not a string.
 */
export function parseRedeliveryTarget(body: unknown, configured: readonly string[]): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const { target, ...others } = body as Record<string, unknown>;
  const unknown = Object.keys(others);
  if (unknown.length > 0) throw new ValidationError(unknown.map((field) => ({ field, message: `unknown field: ${field}` })));
  if (target !== undefined && typeof target !== 'string') throw unknownTargetError(configured);
  return target;
}
