import { callBank } from '../bank-http.js';
import type { BankCapabilities, BankOperations, OperationAnswer, OperationTarget } from '../bank-operations.js';
import { computeMac, fieldsSeal, macMatches } from '../../protocols/monetico/mac.js';
import { CAPTURE_SCRIPT, parseOperationReply, RECREDIT_SCRIPT } from '../../protocols/monetico/operations.js';
import { captureAnswerOf, recreditAnswerOf, type AskedOperation } from './operation-answers.js';
import { captureRequest, recreditRequest, type MoneticoIdentity } from './operation-requests.js';
import type { CaptureSetting } from './settings.js';

/**
 * How long a deferred-capture TPE keeps an authorisation: 7 days, the card schemes' validity of an
 * authorisation for an online payment. Monetico's documentation gives no longer limit for a capture.
 */
export const MONETICO_CAPTURE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** One try, connection to the whole answer. */
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * What Monetico offers over capture_paiement.cgi and recredit_paiement.cgi. Capture and cancel exist
 * only on a terminal contracted for deferred capture (MONETICO_CAPTURE=manual); on the others the bank
 * captures at once. One capture per authorisation: we always send `montant_restant=0`, which releases
 * the rest. No status query: etatpaiement.cgi is known only from third-party code, not from Monetico's
 * documentation, so it is not used (docs/connectors.md); the reconciler expires a payment left pending.
 */
export function moneticoCapabilities(capture: CaptureSetting): BankCapabilities {
  const manual = capture === 'manual';
  return {
    manualCapture: manual,
    ...(manual ? { captureWindowMs: MONETICO_CAPTURE_WINDOW_MS } : {}),
    multipleCaptures: false,
    capture: manual,
    void: manual,
    refund: true,
    status: false,
  };
}

export interface MoneticoOperationsOptions {
  identity: MoneticoIdentity;
  /** Where capture_paiement.cgi and recredit_paiement.cgi are (MONETICO_OPERATIONS_URL), ending in `/`. */
  operationsUrl: string;
  capture: CaptureSetting;
  clock: () => Date;
  timeoutMs?: number;
}

type Exchange = { kind: 'reply'; fields: Map<string, string> } | { kind: 'no_answer'; reason: string };

/** A short fixed word from an axios error: never its message or config, which hold the MAC'd form. */

/**
 * Capture, cancel and refund over Monetico's own API. Monetico has no idempotency key; what keeps a
 * retried refund from refunding twice is the recredit's `montant_possible` (operation-requests.ts): a
 * refund whose answer never came is asked about by sending the very same request again, which the bank
 * does only if the first one was not done. A capture is bounded the same way by the authorisation: once
 * captured or released, there is nothing left for a second capture to take.
 */
export class MoneticoOperations implements BankOperations {
  readonly capabilities: BankCapabilities;
  private readonly options: MoneticoOperationsOptions;
  private readonly timeoutMs: number;

  constructor(options: MoneticoOperationsOptions) {
    this.options = options;
    this.capabilities = moneticoCapabilities(options.capture);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (options.capture === 'manual') {
      this.capture = (target, amount) => this.sendCapture(target, amount);
      this.void = (target) => this.sendCapture(target, 0);
    }
  }

  capture?: (target: OperationTarget, amount: number) => Promise<OperationAnswer>;
  void?: (target: OperationTarget) => Promise<OperationAnswer>;

  refund(target: OperationTarget): Promise<OperationAnswer> {
    return this.sendRecredit(target, false);
  }

  /** The same recredit again (see the class comment): done now, or refused because it was done before. */
  refundStatus(target: OperationTarget): Promise<OperationAnswer> {
    return this.sendRecredit(target, true);
  }

  private async sendCapture(target: OperationTarget, amount: number): Promise<OperationAnswer> {
    const form = captureRequest(this.options.identity, target, amount, this.options.clock());
    const asked: AskedOperation = { reference: target.attempt.ref, amount, currency: target.payment.currency };
    const exchange = await this.post(CAPTURE_SCRIPT, form);
    return exchange.kind === 'reply' ? captureAnswerOf(exchange.fields, asked) : { outcome: 'unknown', reason: exchange.reason };
  }

  private async sendRecredit(target: OperationTarget, resend: boolean): Promise<OperationAnswer> {
    const refund = target.payment.refunds?.find((r) => r.id === target.operationId);
    // The service reserves a refund before it calls the bank: one not on the payment is a wiring mistake.
    if (!refund) throw new TypeError(`refund ${target.operationId} is not on payment ${target.payment.id}`);
    const form = recreditRequest(this.options.identity, target, refund);
    const asked: AskedOperation = { reference: target.attempt.ref, amount: refund.amount, currency: target.payment.currency };
    const exchange = await this.post(RECREDIT_SCRIPT, form);
    return exchange.kind === 'reply' ? recreditAnswerOf(exchange.fields, asked, resend) : { outcome: 'unknown', reason: exchange.reason };
  }

  private async post(script: string, form: Record<string, string>): Promise<Exchange> {
    const response = await callBank({
      url: new URL(script, this.options.operationsUrl).toString(),
      body: new URLSearchParams(form).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/plain' },
      maxAnswerBytes: MAX_ANSWER_BYTES,
      timeoutMs: this.timeoutMs,
    });
    if (response.kind === 'no_answer') return { kind: 'no_answer', reason: response.reason };
    // Anything but a 200 with a body proves nothing either way: the request may have been done.
    if (response.status !== 200) return { kind: 'no_answer', reason: `http_${response.status}` };
    const fields = parseOperationReply(response.body);
    if (!this.authentic(fields)) return { kind: 'no_answer', reason: 'bad_answer_mac' };
    return { kind: 'reply', fields };
  }

  /**
   * Monetico's documentation shows the operation answers without a MAC (TLS is what authenticates the
   * bank). An answer that carries one anyway is checked with the fields seal, in constant time.
   */
  private authentic(fields: ReadonlyMap<string, string>): boolean {
    const mac = fields.get('MAC');
    if (mac === undefined) return true;
    const others = [...fields].filter(([name]) => name !== 'MAC').map(([name, value]) => ({ name, value: Buffer.from(value, 'utf8') }));
    return macMatches(computeMac(this.options.identity.key, fieldsSeal(others)), mac);
  }
}
