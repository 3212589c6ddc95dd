/**
 * The few logging calls the bank makes, shaped like pino's so a pino logger can be passed in.
 * Callers put ids, outcomes, brand and last four digits in `fields`: never a card number, a
 * security code or a token.
 */
export interface SandboxBankLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

function line(level: string, fields: object, message?: string): string {
  return JSON.stringify({ time: new Date().toISOString(), level, service: 'sandbox-bank', ...fields, ...(message ? { msg: message } : {}) });
}

/** One JSON line per entry: errors and warnings to stderr, the rest to stdout. */
export function consoleLogger(): SandboxBankLogger {
  return {
    info: (fields, message) => console.log(line('info', fields, message)),
    warn: (fields, message) => console.warn(line('warn', fields, message)),
    error: (fields, message) => console.error(line('error', fields, message)),
  };
}
