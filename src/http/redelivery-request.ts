import { ValidationError } from '../core/errors.js';

/** The webhook endpoints among the outbox targets (`webhook:0`, `webhook:1` …). */
function webhookTargets(configured: readonly string[]): string[] {
  return configured.filter((target) => target.startsWith('webhook:'));
}

/**
 * The targets a `POST /events/:id/redeliver` body asks for: `{"target":"webhook:0"}` (or
 * `email:merchant`, `email:buyer`) for one of them; no body, or `{}`, for the webhook endpoints only.
 * Never everything by default: redelivering an event the merchant's system missed must not send the
 * buyer a second receipt.
 */
export function parseRedeliveryTargets(body: unknown, configured: readonly string[]): string[] {
  if (body === undefined) return defaultTargets(configured);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const { target, ...others } = body as Record<string, unknown>;
  const unknown = Object.keys(others);
  if (unknown.length > 0) throw new ValidationError(unknown.map((field) => ({ field, message: `unknown field: ${field}` })));
  if (target === undefined) return defaultTargets(configured);
  if (typeof target !== 'string' || !configured.includes(target)) {
    throw new ValidationError([{ field: 'target', message: `target must be one of: ${configured.join(', ')}` }]);
  }
  return [target];
}

function defaultTargets(configured: readonly string[]): string[] {
  const webhooks = webhookTargets(configured);
  if (webhooks.length === 0) {
    throw new ValidationError([{ field: 'target', message: `no webhook endpoint is configured: name a target, one of: ${configured.join(', ')}` }]);
  }
  return webhooks;
}
