import { pino, type Logger } from 'pino';
import { maskCardNumbers } from './core/card-data.js';

export type { Logger };

/**
 * Structured logs. Secrets never get here by design (we log ids and outcomes, not requests);
 * redaction is the second line of defence for fields that must never appear.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'hpp-gateway' },
    redact: {
      paths: [
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
        'apiKey',
        'token',
        'request',
        'response',
        'cardNumber',
        'cvc',
        'sessionSecret',
        '*.authorization',
        '*.token',
      ],
      censor: '[redacted]',
    },
    // Whatever a log line holds, a card-like number in it is masked to its last four digits.
    formatters: { log: (object: Record<string, unknown>) => maskDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskCardNumbers(a) : a)));
      },
    },
  };
  return destination ? pino(options, destination as unknown as pino.DestinationStream) : pino(options);
}

/** Payment ids are checkout capabilities: logs carry only a prefix, enough to correlate, useless to pay. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskCardNumbers(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: maskCardNumbers(value.message) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}
