import { ValidationError } from '../core/errors.js';

/**
 * Where a listing stopped: newest first by score (a time in ms), ties broken by id descending.
 * The score is kept as the string Redis wrote, so it goes back to ZREVRANGEBYSCORE unchanged.
 */
export interface ListPosition {
  score: string;
  id: string;
}

/** The opaque cursor handed to API clients. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.score, position.id])).toString('base64url');
}

/** Reads a cursor made by encodeCursor; anything else is a ValidationError on `cursor`. */
export function decodeCursor(cursor: string): ListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  // The score goes into a Redis command: accept nothing but a plain number.
  if (Array.isArray(parsed) && typeof parsed[0] === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(parsed[0]) && typeof parsed[1] === 'string') {
    return { score: parsed[0], id: parsed[1] };
  }
  throw new ValidationError([{ field: 'cursor', message: 'Not a cursor from a previous page.' }]);
}

/** Listings refuse a limit that is not a positive integer. */
export function assertListLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list limit must be a positive integer, got ${limit}`);
}
