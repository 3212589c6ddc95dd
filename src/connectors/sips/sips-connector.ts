import { InvalidBankMessageError } from '../../core/errors.js';
import { findCurrency } from '../../core/money.js';
import { captureModeOf } from '../../core/payment.js';
import type { Logger } from '../../logger.js';
import type {
  Acknowledgement,
  AckKind,
  BankConnector,
  BuildRequestInput,
  IncomingBankMessage,
  RedirectForm,
  VerifiedBankMessage,
} from '../bank-connector.js';
import { decodeData, encodeData, formatData, parseData, peekField, SipsDataError } from '../../protocols/sips/data.js';
import { MAX_DATA_LENGTH, ORDER_ID_MAX_LENGTH, SIPS_FORM } from '../../protocols/sips/protocol.js';
import { outcomeOf } from './response.js';
import { computeSeal, HMAC_SHA_256, LEGACY_SHA_256, sealMatches } from '../../protocols/sips/seal.js';
import type { SipsSettings } from './settings.js';
import { CAPTURE_MODE_VALIDATION } from '../../protocols/sips/office.js';
import { DEFAULT_OFFICE_TIMEOUT_MS, OfficeExchange } from './office-exchange.js';
import { SipsOperations } from './sips-operations.js';

/**
 * Worldline Sips 2.0, Paypage POST. The buyer's browser posts `Data` (our `key=value|…` fields),
 * `Seal` (HMAC-SHA-256 of Data with the secret key of `keyVersion`), `InterfaceVersion` and
 * `SealAlgorithm` to the Paypage; Sips answers with the same shape by automatic response (server to
 * server) and by the buyer's return. A response's seal is checked, with the key of the version it
 * names, before any other field of it is read.
 */
export class SipsConnector implements BankConnector {
  readonly name = 'sips';
  readonly bankOrigin: string;
  /** Over Sips Office JSON, when SIPS_OFFICE_URL (or its development default) gives where. */
  readonly operations?: SipsOperations;
  private readonly settings: SipsSettings;

  constructor(settings: SipsSettings, options: { logger?: Logger; officeTimeoutMs?: number } = {}) {
    if (!(settings.keyVersion in settings.secretKeys)) throw new Error(`Sips key version ${settings.keyVersion} has no secret key`);
    this.settings = settings;
    this.bankOrigin = new URL(settings.paymentUrl).origin;
    if (settings.officeUrl) {
      const exchange = new OfficeExchange({
        officeUrl: settings.officeUrl,
        merchantId: settings.merchantId,
        secretKeys: settings.secretKeys,
        keyVersion: settings.keyVersion,
        timeoutMs: options.officeTimeoutMs ?? DEFAULT_OFFICE_TIMEOUT_MS,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      this.operations = new SipsOperations(exchange, settings.captureDays);
    }
  }

  async buildRequest(input: BuildRequestInput): Promise<RedirectForm> {
    const { payment, attempt } = input;
    const currency = findCurrency(payment.currency);
    if (!currency) throw new Error(`no ISO 4217 numeric code for ${payment.currency}`);
    const plain = formatData([
      ['amount', String(payment.amount)],
      ['currencyCode', currency.numeric],
      ['merchantId', this.settings.merchantId],
      ['normalReturnUrl', input.returnUrl],
      ['automaticResponseUrl', input.notifyUrl],
      ['transactionReference', attempt.ref],
      ['keyVersion', this.settings.keyVersion],
      // Informative for the merchant in Sips Office; Sips takes at most 32 characters.
      ['orderId', payment.reference.slice(0, ORDER_ID_MAX_LENGTH)],
      ['customerLanguage', input.locale],
      ['orderChannel', 'INTERNET'],
      // Manual capture: Sips keeps the authorisation until validated, for captureDay days at most.
      ...(captureModeOf(payment) === 'manual' && this.operations
        ? ([['captureMode', CAPTURE_MODE_VALIDATION], ['captureDay', String(this.settings.captureDays)]] as const)
        : []),
    ]);
    const encoding = this.settings.encodeBase64 ? 'base64' : undefined;
    const data = encodeData(plain, encoding);
    const key = this.settings.secretKeys[this.settings.keyVersion]!;
    return {
      url: this.settings.paymentUrl,
      method: 'POST',
      fields: {
        [SIPS_FORM.data]: data,
        [SIPS_FORM.seal]: computeSeal(data, key, HMAC_SHA_256),
        [SIPS_FORM.interfaceVersion]: this.settings.interfaceVersion,
        [SIPS_FORM.sealAlgorithm]: HMAC_SHA_256,
        ...(encoding ? { [SIPS_FORM.encode]: encoding } : {}),
      },
    };
  }

  async verifyReturn(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    return this.verify(message);
  }

  async verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    return this.verify(message);
  }

  /**
   * Sips only looks for HTTP 200 on its automatic response; the body is not read, so it is empty.
   * A message that fails verification gets 400 (delivery shows as failed on Sips's side, and
   * re-sending it cannot help); 503 when we could not store the outcome and a retry may succeed.
   */
  acknowledge(kind: AckKind): Acknowledgement {
    const status = kind === 'accepted' ? 200 : kind === 'rejected' ? 400 : 503;
    return { status, contentType: 'text/plain', body: '' };
  }

  private verify(message: IncomingBankMessage): VerifiedBankMessage {
    const posted = message.fields[SIPS_FORM.data];
    const seal = message.fields[SIPS_FORM.seal];
    if (!posted || !seal) throw new InvalidBankMessageError('missing_response');
    if (posted.length > MAX_DATA_LENGTH) throw new InvalidBankMessageError('oversized');

    let plain: string;
    try {
      plain = decodeData(posted, message.fields[SIPS_FORM.encode]);
    } catch (err) {
      throw new InvalidBankMessageError(err instanceof SipsDataError ? err.reason : 'malformed');
    }

    // keyVersion only chooses which key checks the seal; nothing else is read before it matches.
    const keyVersion = peekField(plain, 'keyVersion');
    if (keyVersion === undefined) throw new InvalidBankMessageError('missing_keyVersion');
    const key = Object.hasOwn(this.settings.secretKeys, keyVersion) ? this.settings.secretKeys[keyVersion] : undefined;
    if (key === undefined) throw new InvalidBankMessageError('unknown_key_version');
    const sealed = sealMatches(seal, posted, key, HMAC_SHA_256) || (this.settings.legacySeal && sealMatches(seal, posted, key, LEGACY_SHA_256));
    if (!sealed) throw new InvalidBankMessageError('bad_seal');

    let fields: ReadonlyMap<string, string>;
    try {
      fields = parseData(plain);
    } catch (err) {
      throw new InvalidBankMessageError(err instanceof SipsDataError ? err.reason : 'malformed');
    }
    // Sealed with a key of ours, yet about another shop: not ours to believe.
    if (fields.get('merchantId') !== this.settings.merchantId) throw new InvalidBankMessageError('wrong_merchant');
    return { outcome: outcomeOf(fields) };
  }
}
