/**
 * Monetico's server-to-server operations on a paid order, version 3.0: capture (capture_paiement.cgi)
 * and recredit (recredit_paiement.cgi). Both are form POSTs sealed like the payment form (the `fields`
 * seal of mac.ts: every field but MAC, sorted by name, `name=value` joined with `*`, HMAC-SHA1 under the
 * usable key), answered in plain text as `name=value` lines. Sources: "CM-CIC Paiement, Documentation
 * technique v3.0, Services Page de paiement / Capture / Recrédit" (Euro Information), and the kits that
 * implement it (dansmaculotte/monetico-php CaptureRequest/RefundRequest, the CiviCRM cmcic extension).
 */

export const CAPTURE_SCRIPT = 'capture_paiement.cgi';
export const RECREDIT_SCRIPT = 'recredit_paiement.cgi';

/** Every field a capture request may carry (the optional ones: stoprecurrence, numero_dossier, facture, phonie). */
export const CAPTURE_FIELDS: ReadonlySet<string> = new Set([
  'TPE',
  'date',
  'date_commande',
  'montant',
  'montant_a_capturer',
  'montant_deja_capture',
  'montant_restant',
  'reference',
  'lgue',
  'societe',
  'version',
  'stoprecurrence',
  'numero_dossier',
  'facture',
  'phonie',
  'MAC',
]);

/**
 * Every field a recredit request may carry. `date_remise` and `num_autorisation` (the capture's
 * remittance day and authorisation number) name one capture; without them the recredit is "global".
 */
export const RECREDIT_FIELDS: ReadonlySet<string> = new Set([
  'TPE',
  'date',
  'date_commande',
  'date_remise',
  'num_autorisation',
  'montant',
  'montant_recredit',
  'montant_possible',
  'reference',
  'lgue',
  'societe',
  'version',
  'MAC',
]);

/** A capture the bank did: `cdr=1` (`lib=paiement accepte`). */
export const CAPTURE_ACCEPTED = '1';
/** A recredit the bank did: `cdr=0`. */
export const RECREDIT_ACCEPTED = '0';

/** The recredit's documented refusals. */
export const RECREDIT_CODES = {
  /** The order is already recredited in full. */
  alreadyRecredited: '-46',
  /** The recredit failed (a partial recredit not allowed, or refused by the bank). */
  failed: '-48',
  /** A global recredit is not allowed for this order: date_remise and num_autorisation are needed. */
  needsCapture: '-51',
  /** `montant_possible` does not match what the bank can still recredit (the amount already recredited differs). */
  wrongPossibleAmount: '-52',
} as const;

/** At most this many lines of at most this many characters are read from an answer. */
const MAX_LINES = 50;
const MAX_LINE = 512;

/**
 * The `name=value` lines of an operation answer (`\n` or `\r\n`), values trimmed (Monetico pads some,
 * e.g. `montant_debite=5EUR `). A name given twice keeps its first value; lines without `=` are ignored.
 */
export function parseOperationReply(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/).slice(0, MAX_LINES)) {
    if (line.length > MAX_LINE) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq).trim();
    if (!fields.has(name)) fields.set(name, line.slice(eq + 1).trim());
  }
  return fields;
}

/** The answer as the bank writes it: one `name=value` line each, in the given order. */
export function formatOperationReply(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([name, value]) => `${name}=${value}\n`).join('');
}
