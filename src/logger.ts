import { pino, type Logger } from 'pino';
import { maskCardNumbers } from './core/card-data.js';
import { PrettyLogDestination } from './pretty-log.js';
import { currentRequestId } from './request-context.js';

export type { Logger };

/** `auto`: readable lines on a terminal, JSON otherwise (a file, a pipe, a log collector). */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** Whether `format` means readable lines here: `auto` asks whether standard output is a terminal. */
export function prettyLogs(format: LogFormat, isTerminal = Boolean(process.stdout.isTTY)): boolean {
  return format === 'pretty' || (format === 'auto' && isTerminal);
}

/**
 * Structured logs. Secrets never get here by design (we log ids and outcomes, not requests);
 * redaction is the second line of defence for fields that must never appear. Every line written on
 * behalf of a request carries its `requestId` (src/request-context.ts). A destination given is
 * written JSON lines; otherwise standard output is, in `format`.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, settings: { format?: LogFormat; service?: string } = {}): Logger {
  const format = settings.format ?? 'json';
  const options = {
    level,
    // One `service` per line: a process of its own (the delivery worker) names itself here, not in a child.
    base: { service: settings.service ?? 'hpp-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // From the request's context, so no code has to pass a child logger around to get it; a field of
    // the same name given on the line itself wins (pino writes the mixin's first).
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
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
  if (destination) return pino(options, destination as unknown as pino.DestinationStream);
  return prettyLogs(format) ? pino(options, new PrettyLogDestination()) : pino(options);
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
