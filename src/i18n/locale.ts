import type { Request } from 'express';
import type { Locale, Payment } from '../core/payment.js';

export const LOCALES: readonly Locale[] = ['en', 'fr'];

/** The payment's locale when the merchant gave one, else the browser's preference, else English. */
export function pickLocale(req: Request, payment?: Payment | null): Locale {
  const chosen = payment?.customer?.locale;
  if (chosen) return chosen;
  const accepted = req.acceptsLanguages(...LOCALES);
  return accepted === 'fr' ? 'fr' : 'en';
}
