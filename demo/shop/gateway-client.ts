import { randomUUID } from 'node:crypto';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { z } from 'zod';
import type { Locale, PaymentStatus } from '../../src/index.js';

/** What the shop sends to `POST /api/v1/payments`. */
export interface PaymentRequest {
  amount: number;
  currency: string;
  reference: string;
  description: string;
  customer: { email?: string; locale: Locale };
  returnUrl: string;
  metadata: Record<string, string>;
  /** A bank protocol configured at the gateway; its default when absent. */
  connector?: string;
  /** `manual`: the bank only reserves the money, the shop captures it when it ships. Automatic when absent. */
  capture?: 'automatic' | 'manual';
}

const STATUSES = ['created', 'pending', 'authorized', 'succeeded', 'failed', 'cancelled', 'expired'] as const satisfies readonly PaymentStatus[];

const refundSchema = z.object({
  id: z.string().regex(/^re_[A-Za-z0-9_-]{1,64}$/),
  paymentId: z.string(),
  amount: z.number().int().positive(),
  currency: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  reason: z.string().nullish(),
  bankReference: z.string().nullish(),
  failureReason: z.string().nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A refund as the gateway's merchant API shows it. */
export type GatewayRefund = z.infer<typeof refundSchema>;

const attemptSchema = z.object({
  ref: z.string(),
  status: z.string(),
  createdAt: z.string(),
  bankTransactionId: z.string().nullish(),
  authorisationCode: z.string().nullish(),
  card: z.object({ brand: z.string(), last4: z.string() }).nullish(),
});

const paymentSchema = z.object({
  id: z.string(),
  status: z.enum(STATUSES),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  reference: z.string(),
  description: z.string().nullish(),
  checkoutUrl: z.string().optional(),
  returnUrl: z.string().nullish(),
  expiresAt: z.string(),
  createdAt: z.string(),
  metadata: z.record(z.string(), z.string()).nullish(),
  attempts: z.array(attemptSchema).default([]),
  // Money after the payment: present once the payment has them (manual capture, or a refund).
  capture: z.enum(['automatic', 'manual']).optional(),
  captureBefore: z.string().optional(),
  amountCapturable: z.number().int().nonnegative().optional(),
  amountCaptured: z.number().int().nonnegative().optional(),
  amountRefunded: z.number().int().nonnegative().optional(),
  refunds: z.array(refundSchema).optional(),
});

const pageSchema = z.object({
  items: z.array(paymentSchema),
  nextCursor: z.string().nullish(),
});

const problemSchema = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** A payment as the gateway's merchant API shows it (the fields the shop reads). */
export type GatewayPayment = z.infer<typeof paymentSchema>;

/**
 * The gateway could not do what the shop asked. `status` is what the shop answers its buyer (502 when the
 * gateway refused or failed, 504 when it did not answer in time); `title` and `detail` come from the
 * gateway's problem document when it sent one, and are safe to show.
 */
export class GatewayRequestError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly fieldErrors: Array<{ field: string; message: string }>;
  /** The gateway's HTTP status, when it answered at all. */
  readonly gatewayStatus: number | undefined;
  readonly problemType: string | undefined;

  constructor(init: {
    status: number;
    title: string;
    detail?: string | undefined;
    fieldErrors?: Array<{ field: string; message: string }> | undefined;
    gatewayStatus?: number | undefined;
    problemType?: string | undefined;
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = 'GatewayRequestError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.fieldErrors = init.fieldErrors ?? [];
    this.gatewayStatus = init.gatewayStatus;
    this.problemType = init.problemType;
  }
}

export interface GatewayClientOptions {
  gatewayUrl: string;
  apiKey: string;
  timeoutMs?: number;
}

/** A small client of the gateway's merchant API, as any merchant would write one. */
export class GatewayClient {
  readonly #http: AxiosInstance;

  constructor(options: GatewayClientOptions) {
    this.#http = axios.create({
      baseURL: options.gatewayUrl,
      timeout: options.timeoutMs ?? 10_000,
      maxRedirects: 0,
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        Accept: 'application/json, application/problem+json',
      },
    });
  }

  /** Creates a payment; the caller sends the buyer to the answer's `checkoutUrl`. */
  async createPayment(request: PaymentRequest, idempotencyKey: string = randomUUID()): Promise<GatewayPayment & { checkoutUrl: string }> {
    const data = await this.#call(() =>
      this.#http.post<unknown>('/api/v1/payments', request, { headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey } }),
    );
    const payment = parse(paymentSchema, data);
    if (!payment.checkoutUrl || !isWebUrl(payment.checkoutUrl)) throw unexpectedAnswer();
    return { ...payment, checkoutUrl: payment.checkoutUrl };
  }

  /** Captures all (no amount) or part of an authorized payment: the shop ships. Answers the payment. */
  async capturePayment(paymentId: string, request: { amount?: number }, idempotencyKey: string): Promise<GatewayPayment> {
    const data = await this.#call(() =>
      this.#http.post<unknown>(`/api/v1/payments/${encodeURIComponent(paymentId)}/capture`, request, { headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey } }),
    );
    return parse(paymentSchema, data);
  }

  /** Refunds all that is refundable (no amount) or part of a paid payment. Answers the refund, often still pending. */
  async refundPayment(paymentId: string, request: { amount?: number; reason?: string }, idempotencyKey: string): Promise<GatewayRefund> {
    const data = await this.#call(() =>
      this.#http.post<unknown>(`/api/v1/payments/${encodeURIComponent(paymentId)}/refunds`, request, { headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey } }),
    );
    return parse(refundSchema, data);
  }

  /** The newest payment for an order reference, or undefined when the gateway has none. */
  async findPaymentByReference(reference: string): Promise<GatewayPayment | undefined> {
    const data = await this.#call(() => this.#http.get<unknown>('/api/v1/payments', { params: { reference } }));
    const page = parse(pageSchema, data);
    let newest: GatewayPayment | undefined;
    for (const payment of page.items) {
      if (payment.reference !== reference) continue;
      if (!newest || Date.parse(payment.createdAt) > Date.parse(newest.createdAt)) newest = payment;
    }
    return newest;
  }

  async #call(request: () => Promise<{ data: unknown }>): Promise<unknown> {
    try {
      return (await request()).data;
    } catch (err) {
      throw toRequestError(err);
    }
  }
}

/** http(s) only: anything else from the gateway is never used as a link or a redirect. */
export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success) throw unexpectedAnswer();
  return result.data;
}

function unexpectedAnswer(): GatewayRequestError {
  return new GatewayRequestError({ status: 502, title: 'Unexpected answer from the payment service', detail: 'Please try again in a moment.' });
}

function toRequestError(err: unknown): GatewayRequestError {
  if (!(err instanceof AxiosError)) {
    return new GatewayRequestError({ status: 502, title: 'The payment service cannot be reached', detail: 'Please try again in a moment.' });
  }
  if (err.response) {
    const problem = problemSchema.safeParse(err.response.data);
    const known = problem.success ? problem.data : {};
    return new GatewayRequestError({
      status: 502,
      title: known.title ?? `The payment service answered ${err.response.status}`,
      detail: known.detail,
      fieldErrors: known.errors,
      gatewayStatus: err.response.status,
      problemType: known.type,
    });
  }
  if (err.code === AxiosError.ECONNABORTED || err.code === AxiosError.ETIMEDOUT) {
    return new GatewayRequestError({ status: 504, title: 'The payment service did not answer in time', detail: 'Please try again in a moment.' });
  }
  return new GatewayRequestError({ status: 502, title: 'The payment service cannot be reached', detail: 'Please try again in a moment.' });
}
