import type { SandboxBankLogger } from '../../../sandbox-bank/app.js';

export interface CapturedLine {
  level: 'info' | 'warn' | 'error';
  fields: object;
  message: string | undefined;
}

/** Keeps every log call so a test can read exactly what would have been written. */
export class CapturingLogger implements SandboxBankLogger {
  readonly lines: CapturedLine[] = [];

  info(fields: object, message?: string): void {
    this.lines.push({ level: 'info', fields, message });
  }

  warn(fields: object, message?: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }

  error(fields: object, message?: string): void {
    this.lines.push({ level: 'error', fields, message });
  }

  /** Each entry as the JSON line a real logger would print. */
  serialised(): string[] {
    return this.lines.map((line) => JSON.stringify({ level: line.level, ...line.fields, msg: line.message }));
  }
}
