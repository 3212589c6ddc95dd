/**
 * Monetico Paiement (CM-CIC) hosted payment page, protocol version 3.0: the facts our connector
 * relies on, in one place.
 */
export const MONETICO_PAYMENT_URL = 'https://p.monetico-services.com/paiement.cgi';
export const MONETICO_TEST_PAYMENT_URL = 'https://p.monetico-services.com/test/paiement.cgi';

export const MONETICO_VERSION = '3.0';

/**
 * How the MAC is sealed:
 * - `fields`: the current kit. Every field but MAC, sorted by name, as `name=value`, joined with `*`,
 *   for the request and for the server return alike.
 * - `positional`: the older kit. Values in a fixed order joined with `*` (REQUEST_ORDER, RETURN_ORDER).
 */
export type MacMethod = 'fields' | 'positional';
export const MAC_METHODS: readonly MacMethod[] = ['fields', 'positional'];

/**
 * Positional request seal: TPE*date*montant*reference*texte-libre*version*lgue*societe*mail followed
 * by the split-payment slots (nbrech, dateech1..4, montantech1..4) and options, empty for us.
 */
export const POSITIONAL_REQUEST_ORDER = [
  'TPE',
  'date',
  'montant',
  'reference',
  'texte-libre',
  'version',
  'lgue',
  'societe',
  'mail',
  'nbrech',
  'dateech1',
  'montantech1',
  'dateech2',
  'montantech2',
  'dateech3',
  'montantech3',
  'dateech4',
  'montantech4',
  'options',
] as const;

/**
 * Positional server-return seal: these values in this order, each followed by `*` (the string ends
 * with one). TPE and version are the merchant's own settings, not the received fields.
 */
export const POSITIONAL_RETURN_ORDER = [
  'TPE',
  'date',
  'montant',
  'reference',
  'texte-libre',
  'version',
  'code-retour',
  'cvx',
  'vld',
  'brand',
  'status3ds',
  'numauto',
  'motifrefus',
  'originecb',
  'bincb',
  'hpancb',
  'ipclient',
  'originetr',
  'veres',
  'pares',
] as const;

/**
 * Every field a server return may carry, as Monetico's kits and their documentation list it: those of
 * the positional seal, then those only the `fields` seal covers (masked card, payment method, 3-D Secure
 * details, filtering, commitments). A return naming any other field is refused: under the `fields`
 * seal a value holding `*name=` could be read as two fields, or two as one, without the MAC changing.
 */
export const SERVER_RETURN_FIELDS: ReadonlySet<string> = new Set([
  'MAC',
  ...POSITIONAL_RETURN_ORDER,
  'authentification',
  'cbenregistree',
  'cbmasquee',
  'ecard',
  'filtrage_etat',
  'filtragecause',
  'filtragevaleur',
  'modepaiement',
  'montantech',
  'motifrefusautorisation',
  'typecompte',
  'usage',
]);

/** Reference length each kit accepts (alphanumerics). */
export const MAX_REFERENCE_LENGTH: Record<MacMethod, number> = { fields: 50, positional: 12 };

/**
 * The acknowledgement the server return expects, as plain text: cdr=0 when the MAC checked,
 * cdr=1 when it did not.
 */
export const RECEIPT_MAC_OK = 'version=2\ncdr=0\n';
export const RECEIPT_MAC_NOT_OK = 'version=2\ncdr=1\n';

/** Card networks as Monetico's `brand` names them. `na` means not available. */
export const BRANDS: Readonly<Record<string, string>> = {
  AM: 'amex',
  CB: 'cb',
  MC: 'mastercard',
  VI: 'visa',
};
