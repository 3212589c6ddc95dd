import { maskCardNumbers } from '../../core/card-data.js';
import { InvalidBankMessageError } from '../../core/errors.js';
import type { MaskedCard } from '../../core/payment.js';
import type { BankOutcome } from '../../core/transition.js';
import { IgnoredBankMessage } from '../bank-connector.js';
import { refuseCardNumber } from '../card-number-refusal.js';
import { parseMontant } from './amount.js';
import { moneticoAuthenticationOf } from './authentication.js';
import { BRANDS } from '../../protocols/monetico/protocol.js';

/** What `code-retour` says, for a terminal on the test server or in production. */
export function statusOf(codeRetour: string, testServer: boolean): 'authorised' | 'refused' {
  switch (codeRetour) {
    case 'paiement':
      return 'authorised';
    case 'payetest':
      // Accepted by the test server, where no money moves. A form copied from a live checkout
      // and posted to the test server must not pay a live order.
      if (testServer) return 'authorised';
      throw new IgnoredBankMessage('test_payment_on_live_terminal');
    case 'Annulation':
      // Refused or abandoned by the buyer: Monetico says the same for both. The buyer may try again
      // (and the bank may still authorise this reference later).
      return 'refused';
    default:
      // Split-payment instalments (paiement_pfN, Annulation_pfN) and codes we do not know: we never
      // ask for those, so nothing is changed; the message is acknowledged and logged.
      throw new IgnoredBankMessage('unhandled_code_retour');
  }
}

/** Brand and last four digits, from `brand` and the masked number `cbmasquee` when it was sealed. */
export function cardOf(brand: string | undefined, masked: string | undefined): MaskedCard | undefined {
  if (masked === undefined) return undefined;
  refuseCardNumber('cbmasquee', masked);
  const last4 = /^[0-9A-Za-z*#. -]{8,40}?(\d{4})$/.exec(masked)?.[1];
  if (!last4) return undefined;
  return { brand: (brand !== undefined && BRANDS[brand]) || 'other', last4 };
}

function printable(value: string, max: number): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}

/**
 * The outcome of a server return whose MAC checked. `fields` holds only authenticated values;
 * `attemptRef` was mapped from them (references.ts). Amount and currency are reported as Monetico
 * sealed them: the state machine compares them with the payment.
 */
export function outcomeOf(fields: ReadonlyMap<string, string>, attemptRef: string, testServer: boolean): BankOutcome {
  const codeRetour = fields.get('code-retour');
  // Absent, it would read as a code we do not handle and be acknowledged as delivered.
  if (codeRetour === undefined) throw new InvalidBankMessageError('missing_code-retour');
  const status = statusOf(codeRetour, testServer);
  const { amount, currency } = parseMontant(fields.get('montant') ?? '');
  const numauto = fields.get('numauto');
  refuseCardNumber('numauto', numauto, 'identifier');
  const motif = fields.get('motifrefus');
  const card = cardOf(fields.get('brand'), fields.get('cbmasquee'));
  const reference = fields.get('reference');
  const authentication = moneticoAuthenticationOf(fields);
  return {
    attemptRef,
    status,
    amount,
    currency,
    ...(reference ? { bankTransactionId: reference } : {}),
    ...(status === 'authorised' && numauto && /^[A-Za-z0-9]{1,32}$/.test(numauto) ? { authorisationCode: numauto } : {}),
    ...(card ? { card } : {}),
    // motifrefus is free text: a card number in it is masked, not stored.
    responseCode: maskCardNumbers(printable(motif ? `${codeRetour}:${motif}` : codeRetour, 100)),
    ...(authentication !== undefined ? { authentication } : {}),
    ...(codeRetour === 'Annulation' ? { refusedOrCancelled: true as const } : {}),
  };
}
