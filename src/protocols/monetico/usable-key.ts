/**
 * Monetico's security key, as given in the merchant's back office, is 40 characters: 38 hexadecimal
 * digits and two final characters that older keys write in a shifted form. The payment kit turns it
 * into the HMAC key bytes ("usable key") with this rule on the last two characters:
 * - if the first of them is between 'G' and '`' (ASCII 71 to 96), subtract 23 from its code
 *   ('G' → '0' … 'P' → '9') and keep the second character;
 * - otherwise, if the second is 'M', it stands for '0';
 * - otherwise both are kept as they are.
 * The result is read as hexadecimal. Keys shorter than 40 characters (test fixtures) get "00" in
 * place of the missing final pair, exactly as the kit does.
 */
export function usableKeyHex(securityKey: string): string {
  const head = securityKey.slice(0, 38);
  const tail = `${securityKey.slice(38, 40)}00`;
  const first = tail.charAt(0);
  const second = tail.charAt(1);
  const code = first.charCodeAt(0);
  let last: string;
  if (code > 70 && code < 97) last = String.fromCharCode(code - 23) + second;
  else if (second === 'M') last = `${first}0`;
  else last = first + second;
  return head + last;
}

/** The HMAC key bytes; throws when the key does not derive to whole hexadecimal bytes. */
export function usableKey(securityKey: string): Buffer {
  const hex = usableKeyHex(securityKey);
  if (!/^(?:[0-9A-Fa-f]{2})+$/.test(hex)) throw new TypeError('the Monetico security key does not derive to hexadecimal bytes');
  return Buffer.from(hex, 'hex');
}

/** A key as configured for production: 40 characters that derive to 20 bytes. */
export function isSecurityKey(value: string): boolean {
  return value.length === 40 && /^[0-9A-Fa-f]{40}$/.test(usableKeyHex(value));
}
