import { containsCardNumber } from '../core/card-data.js';
import { InvalidBankMessageError } from '../core/errors.js';

/**
 * Refuses a bank message whose authenticated field carries a card number (13–19 digits, Luhn-valid,
 * with a card brand's prefix) where the protocol defines a code, an identifier or a masked number.
 * Such a message is a bank's fault; refusing it keeps the number out of the attempt, the API and the
 * webhooks (the message itself is never logged). The reason names the field, never its value.
 */
export function refuseCardNumber(field: string, value: string | undefined): void {
  if (value !== undefined && containsCardNumber(value)) throw new InvalidBankMessageError(`card_number_in_${field}`);
}
