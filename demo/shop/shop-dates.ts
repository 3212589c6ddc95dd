import type { Locale } from '../../src/index.js';

/**
 * A date and time for people ("1 March 2025 at 11:02", « 1 mars 2025 à 11:02 »), in the merchant's time
 * zone, with the machine-readable ISO time beside it for the `<time datetime>` attribute.
 */
export function dateForPeople(date: Date, locale: Locale, timeZone: string): { iso: string; text: string } {
  const text = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(date);
  return { iso: date.toISOString(), text };
}
