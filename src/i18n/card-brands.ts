/** The stored brand names (lowercase, as the connectors store them) as the networks write them. */
const BRAND_NAMES: Readonly<Record<string, string>> = {
  visa: 'Visa',
  visa_electron: 'Visa Electron',
  vpay: 'V PAY',
  mastercard: 'Mastercard',
  maestro: 'Maestro',
  amex: 'American Express',
  american_express: 'American Express',
  diners: 'Diners Club',
  cb: 'CB',
  e_cartebleue: 'e-Carte Bleue',
  jcb: 'JCB',
  bcmc: 'Bancontact',
  discover: 'Discover',
};

/** The network's own spelling of a stored brand name (any case), or undefined for a brand not listed. */
export function knownCardBrand(brand: string): string | undefined {
  const key = brand.toLowerCase();
  return Object.hasOwn(BRAND_NAMES, key) ? BRAND_NAMES[key] : undefined;
}

/** A card brand for a buyer to read: the network's own spelling, or the stored name made readable. */
export function cardBrandLabel(brand: string): string {
  const known = knownCardBrand(brand);
  if (known) return known;
  const words = brand.split('_').filter(Boolean);
  return words.length > 0 ? words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') : brand;
}
