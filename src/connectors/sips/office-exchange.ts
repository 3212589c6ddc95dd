import { callBank } from '../bank-http.js';
import type { Logger } from '../../logger.js';
import { computeOfficeSeal, OFFICE_PATHS, officeSealMatches, type OfficeDocument, type OfficeFunction } from '../../protocols/sips/office.js';
import { KEY_VERSION_PATTERN } from '../../protocols/sips/protocol.js';

/** One try, connection to the whole answer: Sips Office answers in a second or two. */
export const DEFAULT_OFFICE_TIMEOUT_MS = 10_000;
/** An Office answer is a few hundred bytes; more is not an answer of these functions. */
const MAX_ANSWER_BYTES = 16_384;

export interface OfficeExchangeOptions {
  /** The base URL, ending in `/` (SIPS_OFFICE_URL). */
  officeUrl: string;
  merchantId: string;
  secretKeys: Readonly<Record<string, string>>;
  /** The version whose key seals requests. */
  keyVersion: string;
  timeoutMs: number;
  logger?: Logger;
}

/**
 * What one try brought back: a sealed answer whose seal matched, or nothing that can be believed.
 * A timeout, a cut connection, a 5xx, an unreadable body and an answer whose seal does not match are
 * all `no_answer`: none of them proves the operation was or was not done.
 */
export type OfficeExchangeResult =
  | { kind: 'answer'; fields: Readonly<Record<string, unknown>> }
  | { kind: 'no_answer'; reason: string };

/** A short fixed word from an axios error's code: never its message or config, which hold the seal. */

/**
 * One call to one Sips Office JSON function: the request is sealed with the key of our keyVersion
 * (HMAC-SHA-256 over the sorted values), posted as JSON, and the answer's seal checked, with the key
 * of the version it names or ours, before any of its fields is read.
 */
export class OfficeExchange {
  private readonly options: OfficeExchangeOptions;

  constructor(options: OfficeExchangeOptions) {
    if (!(options.keyVersion in options.secretKeys)) throw new Error(`Sips key version ${options.keyVersion} has no secret key`);
    this.options = options;
  }

  /** The request as sent: the function's fields with the merchant's identity and the seal. */
  sealedRequest(fields: OfficeDocument): OfficeDocument {
    const document: OfficeDocument = { ...fields, merchantId: this.options.merchantId, keyVersion: this.options.keyVersion };
    return { ...document, seal: computeOfficeSeal(document, this.options.secretKeys[this.options.keyVersion]!) };
  }

  async call(fn: OfficeFunction, fields: OfficeDocument): Promise<OfficeExchangeResult> {
    const body = JSON.stringify(this.sealedRequest(fields));
    const response = await callBank({
      url: new URL(OFFICE_PATHS[fn], this.options.officeUrl).toString(),
      body,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      maxAnswerBytes: MAX_ANSWER_BYTES,
      timeoutMs: this.options.timeoutMs,
    });
    if (response.kind === 'no_answer') return this.noAnswer(fn, response.reason);
    if (response.status >= 500) return this.noAnswer(fn, `http_${response.status}`);
    if (response.status !== 200) return this.noAnswer(fn, `unsealed_http_${response.status}`);
    const answer = this.verify(response.body);
    if (typeof answer === 'string') return this.noAnswer(fn, answer);
    return { kind: 'answer', fields: answer };
  }

  /** The answer's fields once its seal matched, or why it is no answer. */
  private verify(text: string): Readonly<Record<string, unknown>> | string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return 'unreadable_answer';
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'unreadable_answer';
    const fields = parsed as Record<string, unknown>;
    // keyVersion only chooses which key checks the seal; an answer that names none is checked with ours.
    const named = fields.keyVersion;
    const version = named === undefined ? this.options.keyVersion : String(named);
    if (!KEY_VERSION_PATTERN.test(version) || !Object.hasOwn(this.options.secretKeys, version)) return 'unknown_key_version';
    if (!officeSealMatches(fields, this.options.secretKeys[version]!)) return 'bad_seal';
    return fields;
  }

  private noAnswer(fn: OfficeFunction, reason: string): OfficeExchangeResult {
    this.options.logger?.warn({ connector: 'sips', operation: fn, reason }, 'bank operation without answer');
    return { kind: 'no_answer', reason };
  }
}
