/** Sips `paymentMeanBrand` values → the brand names the gateway stores (lowercase, as the native protocol). */
const BRANDS: Readonly<Record<string, string>> = Object.freeze({
  VISA: 'visa',
  VISA_ELECTRON: 'visa_electron',
  ELECTRON: 'visa_electron',
  VPAY: 'vpay',
  MASTERCARD: 'mastercard',
  MAESTRO: 'maestro',
  AMEX: 'amex',
  DINERS: 'diners',
  CB: 'cb',
  JCB: 'jcb',
  BCMC: 'bcmc',
  DISCOVER: 'discover',
});

/** The stored brand, or undefined for a value that does not look like a brand name. */
export function cardBrandOf(paymentMeanBrand: string | undefined): string | undefined {
  if (!paymentMeanBrand) return undefined;
  const known = BRANDS[paymentMeanBrand.toUpperCase()];
  if (known) return known;
  const fallback = paymentMeanBrand.toLowerCase();
  return /^[a-z_]{1,20}$/.test(fallback) ? fallback : undefined;
}

/**
 * The last four digits of a Sips `maskedPan` (e.g. `4242##########4242`, or `4242##########42` on
 * contracts that show two digits only, which gives none). The masked PAN itself is never kept.
 */
export function lastFourOf(maskedPan: string | undefined): string | undefined {
  if (!maskedPan || maskedPan.length > 32 || !/^[0-9#*Xx.\s]+$/.test(maskedPan)) return undefined;
  return /(\d{4})$/.exec(maskedPan)?.[1];
}
