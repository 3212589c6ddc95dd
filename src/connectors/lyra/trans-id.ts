import { GatewayError } from '../../core/errors.js';
import type { ConnectorServices } from '../connector-module.js';

/**
 * `vads_trans_id`: six digits, unique per shop per UTC day. The counter lives in the store, so every
 * gateway instance sharing it draws from the same sequence; it starts at 1 each UTC day.
 */
export const MAX_TRANS_ID = 899_999;

/** A day's counter outlives the day by a margin (a request built at 23:59:59 is still read after midnight). */
export const TRANS_ID_COUNTER_TTL_SECONDS = 2 * 24 * 60 * 60;

/** `vads_trans_date`: the UTC date and time `YYYYMMDDHHmmss`. */
export function formatTransDate(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The counter's scope: one sequence per shop and UTC day (`YYYYMMDD`). */
export function transIdScope(siteId: string, utcDay: string): string {
  return `lyra:${siteId}:${utcDay}`;
}

/** `1` → `000001`. */
export function formatTransId(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > MAX_TRANS_ID) {
    throw new RangeError(`vads_trans_id out of range: ${sequence}`);
  }
  return String(sequence).padStart(6, '0');
}

export interface TransactionStamp {
  transDate: string;
  transId: string;
}

/** The date and a fresh identifier for a new Lyra transaction, both on the same UTC day. */
export async function nextTransaction(services: ConnectorServices, siteId: string, at: Date): Promise<TransactionStamp> {
  const transDate = formatTransDate(at);
  const sequence = await services.nextSequence(transIdScope(siteId, transDate.slice(0, 8)), TRANS_ID_COUNTER_TTL_SECONDS);
  if (sequence > MAX_TRANS_ID) {
    // 899,999 payment forms in one UTC day for one shop: refuse rather than reuse an identifier.
    throw new GatewayError('bank_unavailable', 'No Lyra transaction identifier is left for today; please retry after midnight UTC.');
  }
  return { transDate, transId: formatTransId(sequence) };
}
