import { InvalidBankMessageError } from '../../core/errors.js';
import { MAX_REFERENCE_LENGTH, type MacMethod } from '../../protocols/monetico/protocol.js';

/** Our attempt references: `A` and 26 base32 characters (src/core/ids.ts). */
const ATTEMPT_REF = /^A[A-Z2-7]{26}$/;

/** What identifies an attempt at Monetico: `reference` and `texte-libre`. */
export interface MoneticoReference {
  reference: string;
  texteLibre: string;
}

/**
 * The current kit takes references of up to 50 alphanumerics: the attempt reference is sent as it
 * is and `texte-libre` carries the merchant's order reference.
 *
 * The older kit takes 12 at most. There `reference` is the first 12 characters of the attempt
 * reference (`A` and 55 random bits, unique enough for one terminal), and `texte-libre` carries
 * the whole attempt reference before the order reference. Both come back under the MAC; the return
 * is mapped to the attempt named in `texte-libre` only if `reference` is its prefix.
 */
export function toMoneticoReference(method: MacMethod, attemptRef: string, orderReference: string): MoneticoReference {
  if (!ATTEMPT_REF.test(attemptRef)) throw new TypeError('unexpected attempt reference format');
  if (method === 'fields') return { reference: attemptRef, texteLibre: orderReference };
  return { reference: attemptRef.slice(0, MAX_REFERENCE_LENGTH.positional), texteLibre: `${attemptRef} ${orderReference}` };
}

/** The attempt a verified server return is about. Only call with fields whose MAC checked. */
export function attemptRefFrom(method: MacMethod, reference: string, texteLibre: string): string {
  if (!/^[A-Za-z0-9]+$/.test(reference) || reference.length > MAX_REFERENCE_LENGTH[method]) throw new InvalidBankMessageError('malformed_reference');
  if (method === 'fields') return reference;
  const full = texteLibre.split(' ', 1)[0] ?? '';
  if (!ATTEMPT_REF.test(full) || full.slice(0, reference.length) !== reference || reference.length !== MAX_REFERENCE_LENGTH.positional) {
    throw new InvalidBankMessageError('reference_mismatch');
  }
  return full;
}
