import type Stripe from 'stripe';
import nock from 'nock';
import type { OperationTarget } from '../../../src/connectors/bank-operations.js';
import { attempt, PI_ID, payment } from './fixtures.js';

export const OPERATION_ID = 'op_Vb7KqP2xM9sT4wLz';
export const REFUND_ID = 're_3PgatewayTests0001';

/** An authorized manual payment whose attempt Stripe authorised (its PaymentIntent is the bank transaction id). */
export function manualTarget(overrides: Partial<OperationTarget> = {}): OperationTarget {
  return {
    payment: payment({ status: 'authorized', capture: 'manual', amountCapturable: 2480 }),
    attempt: attempt({ status: 'authorised', bankTransactionId: PI_ID }),
    operationId: OPERATION_ID,
    ...overrides,
  };
}

/**
 * A PaymentIntent as "The PaymentIntent object" shows it; the official library's type checks the
 * field names and values.
 */
export function paymentIntentObject(overrides: Partial<Stripe.PaymentIntent> = {}): Partial<Stripe.PaymentIntent> {
  return {
    id: PI_ID,
    object: 'payment_intent',
    amount: 2480,
    amount_capturable: 0,
    amount_received: 2480,
    capture_method: 'manual',
    currency: 'eur',
    livemode: false,
    status: 'succeeded',
    latest_charge: 'ch_3PgatewayTests0001',
    metadata: {},
    ...overrides,
  };
}

/** A Refund as "The Refund object" shows it. */
export function refundObject(overrides: Partial<Stripe.Refund> = {}): Partial<Stripe.Refund> {
  return {
    id: REFUND_ID,
    object: 'refund',
    amount: 2480,
    charge: 'ch_3PgatewayTests0001',
    created: Math.floor(Date.now() / 1000),
    currency: 'eur',
    metadata: { hpp_operation_id: OPERATION_ID, payment_id: 'pay_AbCdEfGhIjKlMnOpQrStUv' },
    payment_intent: PI_ID,
    reason: null,
    receipt_number: null,
    status: 'succeeded',
    ...overrides,
  };
}

/** A page of a list endpoint ("Pagination"). */
export function listOf(data: unknown[], hasMore = false, url = '/v1/refunds'): Record<string, unknown> {
  return { object: 'list', data, has_more: hasMore, url };
}

/** A Stripe error answer ("Errors": type, code, param, message). */
export function stripeError(type: string, code?: string, param?: string): Record<string, unknown> {
  return { error: { type, ...(code ? { code } : {}), ...(param ? { param } : {}), message: 'explained in words for humans', request_log_url: 'https://dashboard.stripe.com/test/logs/req_x' } };
}

export interface Recorded {
  path: string;
  body: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

/** Records what each mocked request carried, and answers it. */
export function recorder() {
  const requests: Recorded[] = [];
  return {
    requests,
    reply(status: number, body: unknown, headers: Record<string, string> = {}) {
      return function (this: nock.ReplyFnContext, uri: string, requestBody: nock.Body): nock.ReplyFnResult {
        const text = typeof requestBody === 'string' ? requestBody : '';
        requests.push({ path: uri, body: Object.fromEntries(new URLSearchParams(text)), headers: { ...this.req.headers } });
        return [status, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers }];
      };
    },
  };
}

/** The query of a recorded GET, as an object. */
export const queryOf = (path: string) => Object.fromEntries(new URL(path, 'https://api.stripe.test').searchParams);
