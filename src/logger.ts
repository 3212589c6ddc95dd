import { pino, type Logger } from 'pino';

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
  };
  return destination ? pino(options, destination as unknown as pino.DestinationStream) : pino(options);
}

/** Payment ids are checkout capabilities: logs carry only a prefix, enough to correlate, useless to pay. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}
