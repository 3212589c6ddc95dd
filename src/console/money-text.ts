import { findCurrency, formatAmount } from '../core/money.js';
import type { Locale } from '../core/payment.js';
import { intlLocale } from '../i18n/messages.js';

/** An amount in minor units as the user reads it (`24,80 €`), formatted from its exact decimal string. */
export function moneyText(amount: number, currencyCode: string, locale: Locale): string {
  const currency = findCurrency(currencyCode);
  return currency ? formatAmount(amount, currency, intlLocale(locale)) : `${amount} ${currencyCode}`;
}
