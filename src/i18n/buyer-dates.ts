import type { Locale } from '../core/payment.js';
import { intlLocale } from './messages.js';

// Building an Intl.DateTimeFormat loads locale and time-zone data: it was a visible share of every
// checkout page's time. There are two locales and one merchant time zone, so this stays tiny.
const formats = new Map<string, Intl.DateTimeFormat>();

/** A date and time as the buyer reads it: their language, the merchant's time zone (named, so it is never mistaken). */
export function dateTimeText(iso: string, locale: Locale, timeZone: string): string {
  const key = `${locale} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale(locale), { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' });
    formats.set(key, format);
  }
  return format.format(new Date(iso));
}

/** Whole minutes left until `iso`, never below zero; a started minute counts (29 min 10 s → 30). */
export function minutesLeft(iso: string, now: Date): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / 60_000));
}
