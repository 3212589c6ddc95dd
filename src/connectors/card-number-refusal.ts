import { containsCardNumber, standaloneCardNumbersIn } from '../core/card-data.js';
import { InvalidBankMessageError } from '../core/errors.js';

/**
 * Refuses a bank message whose authenticated field carries a card number (13–19 digits, Luhn-valid,
 * with a card brand's prefix) where the protocol defines a code, an identifier or a masked number.
 * Such a message is a bank's fault; refusing it keeps the number out of the attempt, the API and the
 * webhooks (the message itself is never logged). The reason names the field, never its value.
 *
 * In an `identifier` (a bank's transaction id, an authorisation code) only a number standing on its
 * own counts (no letter or digit touching it): those ids are hex or alphanumeric, and about one in
 * 1,500 random hex ids holds a Luhn-valid run with a brand prefix; refusing them would refuse genuine
 * messages, a success among them, for nothing. In `text` (a reason word, a masked card number) any run
 * counts.
 */
export function refuseCardNumber(field: string, value: string | undefined, kind: 'identifier' | 'text' = 'text'): void {
  if (value === undefined) return;
  const found = kind === 'identifier' ? standaloneCardNumbersIn(value).length > 0 : containsCardNumber(value);
  if (found) throw new InvalidBankMessageError(`card_number_in_${field}`);
}
