import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { InvalidBankMessageError } from '../../core/errors.js';
import { isMinorAmount } from '../../core/money.js';

/** What our browser-return URL names, signed by us when the request is built. */
export interface ReturnTicket {
  attemptRef: string;
  amount: number;
  currency: string;
}

const ATTEMPT = /^A[A-Z2-7]{26}$/;

/**
 * Monetico sends the buyer back to url_retour_ok / url_retour_err without any field or MAC of its
 * own, so the browser return proves nothing about the payment. To bring the buyer to the right
 * result page without believing anything the browser says, the URLs we hand to Monetico carry the
 * attempt, amount and currency with an HMAC of ours (key derived from the Monetico key for this one
 * purpose). A return with a valid ticket is reported as "still pending" for that attempt; the
 * server return alone decides the outcome.
 */
export class ReturnTickets {
  private readonly key: Buffer;

  constructor(moneticoKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', moneticoKey, Buffer.alloc(0), 'hpp-gateway monetico browser return v1', 32));
  }

  /** `base` with the ticket as query parameters. */
  url(base: string, ticket: ReturnTicket): string {
    const url = new URL(base);
    url.searchParams.set('attempt', ticket.attemptRef);
    url.searchParams.set('amount', String(ticket.amount));
    url.searchParams.set('currency', ticket.currency);
    url.searchParams.set('sig', this.sign(ticket));
    return url.toString();
  }

  /** The ticket in these query fields, or an error when it is missing or not ours. */
  read(fields: Readonly<Record<string, string>>): ReturnTicket {
    const { attempt, amount, currency, sig } = fields;
    if (attempt === undefined || amount === undefined || currency === undefined || sig === undefined) throw new InvalidBankMessageError('unsigned_return');
    if (!ATTEMPT.test(attempt) || !/^\d{1,16}$/.test(amount) || !/^[A-Z]{3}$/.test(currency) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
      throw new InvalidBankMessageError('malformed_return');
    }
    const ticket = { attemptRef: attempt, amount: Number(amount), currency };
    if (!isMinorAmount(ticket.amount)) throw new InvalidBankMessageError('malformed_return');
    const expected = Buffer.from(this.sign(ticket), 'base64url');
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidBankMessageError('bad_return_signature');
    return ticket;
  }

  private sign(ticket: ReturnTicket): string {
    return createHmac('sha256', this.key).update(`${ticket.attemptRef}|${ticket.amount}|${ticket.currency}`).digest('base64url');
  }
}
