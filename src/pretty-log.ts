import { Writable } from 'node:stream';

/**
 * A pino destination that turns each JSON line into one line a person reads:
 *
 *   2025-03-01T10:15:02.123+01:00 INFO  bank return  connector=native status=succeeded requestId=req_…
 *
 * Hand-written rather than pino-pretty: it is a few lines, keeps the dependency tree (and the
 * installed package) as it is, and runs in the process, so a log line is written as soon as it is made.
 */
export class PrettyLogDestination extends Writable {
  private pending = '';

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending += chunk.toString();
    let end: number;
    while ((end = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      if (line) this.out.write(`${prettyLine(line)}\n`);
    }
    done();
  }
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
// Said once per process, not on every line.
const OMITTED = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** One JSON log line as text: local ISO time, level, message, then key=value for every other field. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof entry.level === 'number' ? (LEVELS[entry.level] ?? String(entry.level)) : String(entry.level ?? '');
  const time = typeof entry.time === 'string' || typeof entry.time === 'number' ? localIsoTime(new Date(entry.time)) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  return [time, level.padEnd(5), String(entry.msg ?? ''), ...(fields.length ? [' ' + fields.join(' ')] : [])].filter((p) => p !== '').join(' ');
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** ISO 8601 in the machine's time zone, with its offset (a terminal is read by someone in that zone). */
export function localIsoTime(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const offsetMinutes = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
