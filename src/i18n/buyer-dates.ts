import type { Locale } from '../core/payment.js';
import { intlLocale } from './messages.js';

/** A date and time as the buyer reads it: their language, the merchant's time zone (named, so it is never mistaken). */
export function dateTimeText(iso: string, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
}

/** Whole minutes left until `iso`, never below zero; a started minute counts (29 min 10 s → 30). */
export function minutesLeft(iso: string, now: Date): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / 60_000));
}
