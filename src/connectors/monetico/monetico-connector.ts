import { InvalidBankMessageError } from '../../core/errors.js';
import type {
  Acknowledgement,
  AckKind,
  BankConnector,
  BuildRequestInput,
  IncomingBankMessage,
  RedirectForm,
  VerifiedBankMessage,
} from '../bank-connector.js';
import { formatMontant } from './amount.js';
import { parseFormBody } from './form-body.js';
import { computeMac, fieldsSeal, macMatches, positionalRequestSeal, positionalReturnSeal, type SealedField } from '../../protocols/monetico/mac.js';
import { orderContext } from './order-context.js';
import { POSITIONAL_RETURN_ORDER, RECEIPT_MAC_NOT_OK, RECEIPT_MAC_OK, SERVER_RETURN_FIELDS } from '../../protocols/monetico/protocol.js';
import { attemptRefFrom, toMoneticoReference } from './references.js';
import { moneticoDate } from '../../protocols/monetico/request-date.js';
import { ReturnTickets } from './return-url.js';
import { outcomeOf } from './server-return.js';
import { isTestServer, type CaptureSetting, type MoneticoSettings } from './settings.js';
import { usableKey } from '../../protocols/monetico/usable-key.js';
import type { BankOperations } from '../bank-operations.js';
import { captureModeOf } from '../../core/payment.js';
import { MoneticoOperations } from './monetico-operations.js';

export interface MoneticoConnectorOptions extends Omit<MoneticoSettings, 'capture'> {
  /** Default `automatic`. */
  capture?: CaptureSetting;
  clock?: () => Date;
  /** One try of an operation; default 10 s. */
  operationTimeoutMs?: number;
}

/** `*name=` inside a value: under the `fields` seal, the same bytes as the end of one field and the start of another. */
const FIELD_BOUNDARY = /\*[A-Za-z0-9_-]+=/;

function isAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * Monetico Paiement (CM-CIC) hosted payment page, version 3.0: a form sealed with HMAC-SHA1 sends
 * the buyer to paiement.cgi; the verdict comes by the server return ("interface retour", a sealed
 * form POSTed to the notification URL), which expects `version=2\ncdr=0|1\n` in plain text. The
 * buyer's browser comes back without anything sealed by Monetico and proves nothing.
 */
export class MoneticoConnector implements BankConnector {
  readonly name = 'monetico';
  readonly bankOrigin: string;
  /** Capture, cancel and refund (monetico-operations.ts), when MONETICO_OPERATIONS_URL is known. */
  readonly operations?: BankOperations;
  private readonly settings: Omit<MoneticoSettings, 'capture'> & { capture: CaptureSetting };
  private readonly key: Buffer;
  private readonly tickets: ReturnTickets;
  private readonly testServer: boolean;
  private readonly clock: () => Date;

  constructor(options: MoneticoConnectorOptions) {
    const { clock, operationTimeoutMs, ...rest } = options;
    const settings = { ...rest, capture: rest.capture ?? 'automatic' };
    this.settings = settings;
    this.key = usableKey(settings.key);
    this.tickets = new ReturnTickets(this.key);
    this.testServer = isTestServer(settings.paymentUrl);
    this.bankOrigin = new URL(settings.paymentUrl).origin;
    this.clock = clock ?? (() => new Date());
    if (settings.operationsUrl !== undefined) {
      this.operations = new MoneticoOperations({
        identity: { tpe: settings.tpe, company: settings.company, version: settings.version, key: this.key },
        operationsUrl: settings.operationsUrl,
        capture: settings.capture,
        clock: this.clock,
        ...(operationTimeoutMs !== undefined ? { timeoutMs: operationTimeoutMs } : {}),
      });
    }
  }

  async buildRequest(input: BuildRequestInput): Promise<RedirectForm> {
    const { payment, attempt } = input;
    const { settings } = this;
    // The form cannot ask for an immediate capture on a deferred-capture terminal, nor the reverse:
    // a payment whose mode is not the terminal's would be recorded paid while only authorised (or the
    // other way round), so it is not sent.
    if (captureModeOf(payment) !== settings.capture) {
      throw new TypeError(`this Monetico terminal is contracted for ${settings.capture} capture (MONETICO_CAPTURE); a ${captureModeOf(payment)} payment cannot be sent to it`);
    }
    const { reference, texteLibre } = toMoneticoReference(settings.macMethod, attempt.ref, payment.reference);
    const returnUrl = this.tickets.url(input.returnUrl, { attemptRef: attempt.ref, amount: payment.amount, currency: payment.currency });
    const mail = payment.customer?.email ?? settings.merchantEmail;
    const fields: Record<string, string> = {
      TPE: settings.tpe,
      date: moneticoDate(this.clock()),
      montant: formatMontant(payment.amount, payment.currency),
      reference,
      'texte-libre': texteLibre,
      ...(mail ? { mail } : {}),
      lgue: input.locale === 'fr' ? 'FR' : 'EN',
      societe: settings.company,
      url_retour_ok: returnUrl,
      url_retour_err: returnUrl,
      version: settings.version,
      contexte_commande: orderContext(payment),
    };
    // Every value is ASCII, so the seal does not depend on the character set the bank decodes with.
    for (const [name, value] of Object.entries(fields)) {
      if (!isAscii(value)) throw new TypeError(`Monetico field ${name} is not ASCII`);
    }
    const sealed =
      settings.macMethod === 'fields'
        ? fieldsSeal(Object.entries(fields).map(([name, value]) => ({ name, value: Buffer.from(value, 'utf8') })))
        : positionalRequestSeal(fields);
    return { url: settings.paymentUrl, method: 'POST', fields: { ...fields, MAC: computeMac(this.key, sealed) } };
  }

  /**
   * The browser return carries only the ticket we put in the return URL. A valid ticket brings the
   * buyer to the payment's result page as "pending" (the state machine changes nothing for it); the
   * server return decides. Anything else is refused.
   */
  async verifyReturn(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    const ticket = this.tickets.read(message.fields);
    return { outcome: { attemptRef: ticket.attemptRef, status: 'pending', amount: ticket.amount, currency: ticket.currency } };
  }

  /** The server return: the MAC is checked over the bytes received before any field is read. */
  async verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    if (message.method !== 'POST') throw new InvalidBankMessageError('method');
    if (!/^application\/x-www-form-urlencoded\b/i.test(headerValue(message.headers['content-type']))) throw new InvalidBankMessageError('content_type');
    const received = parseFormBody(message.rawBody);
    const authentic = this.authenticate(received);

    const tpe = received.find((f) => f.name === 'TPE')?.value.toString('utf8');
    if (tpe !== this.settings.tpe) throw new InvalidBankMessageError('wrong_tpe');
    const attemptRef = attemptRefFrom(this.settings.macMethod, authentic.get('reference') ?? '', authentic.get('texte-libre') ?? '');
    return { outcome: outcomeOf(authentic, attemptRef, this.testServer) };
  }

  /**
   * cdr=0 when the MAC checked (the outcome was stored, was a duplicate, or says nothing for us);
   * cdr=1 when it did not, or the message was refused. Always HTTP 200 with the receipt, as the kit
   * answers. When we could not store the outcome now (`retry`), HTTP 503 with cdr=1: not an
   * acknowledgement however Monetico reads it (status or body), so the notification counts as not
   * delivered and the merchant is alerted by Monetico.
   */
  acknowledge(kind: AckKind): Acknowledgement {
    switch (kind) {
      case 'accepted':
        return { status: 200, contentType: 'text/plain', body: RECEIPT_MAC_OK };
      case 'rejected':
        return { status: 200, contentType: 'text/plain', body: RECEIPT_MAC_NOT_OK };
      case 'retry':
        return { status: 503, contentType: 'text/plain', body: RECEIPT_MAC_NOT_OK };
    }
  }

  /**
   * Checks the MAC with the configured method and returns the fields it covers, decoded. Positional
   * seals cover a fixed list: other fields (e.g. cbmasquee) are left out, never read.
   */
  private authenticate(received: readonly SealedField[]): Map<string, string> {
    const mac = received.find((f) => f.name === 'MAC')?.value.toString('latin1');
    if (!mac) throw new InvalidBankMessageError('missing_mac');
    let sealed: Buffer;
    let covered: readonly SealedField[];
    if (this.settings.macMethod === 'fields') {
      covered = received.filter((f) => f.name !== 'MAC');
      sealed = fieldsSeal(covered);
    } else {
      const byName = new Map(received.map((f) => [f.name, f.value]));
      // A `*` inside a value would make the positional string ambiguous (values could shift).
      for (const name of POSITIONAL_RETURN_ORDER) if (byName.get(name)?.includes(0x2a)) throw new InvalidBankMessageError('malformed_body');
      sealed = positionalReturnSeal(byName, { tpe: this.settings.tpe, version: this.settings.version });
      covered = received.filter((f) => (POSITIONAL_RETURN_ORDER as readonly string[]).includes(f.name) && f.name !== 'TPE');
    }
    if (!macMatches(computeMac(this.key, sealed), mac)) throw new InvalidBankMessageError('bad_mac');
    // Authentic bytes; now the names. A field Monetico does not send, or (fields seal) a value that also
    // reads as a field boundary, means the sealed string could be split into other fields than these.
    if (received.some((f) => !SERVER_RETURN_FIELDS.has(f.name))) throw new InvalidBankMessageError('unknown_field');
    if (this.settings.macMethod === 'fields' && covered.some((f) => FIELD_BOUNDARY.test(f.value.toString('latin1')))) {
      throw new InvalidBankMessageError('ambiguous_field');
    }
    return new Map(covered.map((f) => [f.name, f.value.toString('utf8')]));
  }
}
