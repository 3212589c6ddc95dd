import Stripe from 'stripe';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { StripeConnector, type StripeConnectorOptions } from '../../../src/connectors/stripe/stripe-connector.js';
import { isRefundMessage, type BuildRequestInput, type IncomingBankMessage, type VerifiedBankMessage } from '../../../src/connectors/bank-connector.js';

export const SECRET_KEY = 'sk_test_51GatewayTests0000000000000000';
export const LIVE_SECRET_KEY = 'sk_live_51GatewayTests0000000000000000';
export const WEBHOOK_SECRET = 'whsec_currentSecretForGatewayTests01234';
export const OLD_WEBHOOK_SECRET = 'whsec_previousSecretForGatewayTests5678';
export const OTHER_WEBHOOK_SECRET = 'whsec_someoneElsesEndpointSecret000000';
/** STRIPE_API_BASE in tests: nock answers for it, nothing leaves the machine. */
export const API = 'https://api.stripe.test';
export const SESSION_ID = 'cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ';
export const PI_ID = 'pi_3PgatewayTests0001';
export const CHARGE_ID = 'ch_3PgatewayTests0001';
export const ATTEMPT_REF = 'AQ3VZKX7RMB2WJ5T4YH6NDC8PEF';
/** Checkout URLs end with a fragment the page needs: a GET form would drop it. */
export const checkoutUrl = (id = SESSION_ID) => `https://checkout.stripe.com/c/pay/${id}#fidkdWxOYHwnPyd1blpxYHZxWjA0VDJhS0Ntb`;

/** The official library, as an independent peer that signs webhooks the way Stripe does. */
const stripe = new Stripe(SECRET_KEY);

/** A `Stripe-Signature` header made by the official library's test helper. */
export function signatureHeader(payload: string, secret = WEBHOOK_SECRET, timestamp?: number): string {
  return stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp !== undefined ? { timestamp } : {}) });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The connector as the attempt tests read it: a notification that tells of refunds instead (they have
 * their own tests, refund-webhooks.test.ts) fails the test.
 */
class AttemptNotificationConnector extends StripeConnector {
  override async verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    const verified = await super.verifyNotification(message);
    if (isRefundMessage(verified)) throw new Error('a refund message where an attempt message was expected');
    return verified;
  }
}

export function connectorOptions(overrides: Partial<StripeConnectorOptions> = {}): StripeConnectorOptions {
  return {
    secretKey: SECRET_KEY,
    webhookSecrets: [WEBHOOK_SECRET],
    apiBase: API,
    timeoutMs: 500,
    retryDelaysMs: [1, 1],
    ...overrides,
  };
}

export function connector(overrides: Partial<StripeConnectorOptions> = {}): AttemptNotificationConnector {
  return new AttemptNotificationConnector({
    secretKey: SECRET_KEY,
    webhookSecrets: [WEBHOOK_SECRET],
    apiBase: API,
    timeoutMs: 500,
    retryDelaysMs: [1, 1],
    ...overrides,
  });
}

export function payment(overrides: Partial<Payment> = {}): Payment {
  const created = new Date(Date.now() - 60_000).toISOString();
  return {
    id: 'pay_AbCdEfGhIjKlMnOpQrStUv',
    version: 2,
    status: 'pending',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-42',
    description: 'A T-shirt',
    customer: { email: 'buyer@example.com', locale: 'fr' },
    returnUrl: 'https://shop.example/orders/42',
    metadata: {},
    connector: 'stripe',
    createdAt: created,
    updatedAt: created,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    attempts: [],
    anomalies: [],
    ...overrides,
  };
}

export function attempt(overrides: Partial<Attempt> = {}): Attempt {
  const at = new Date().toISOString();
  return { ref: ATTEMPT_REF, connector: 'stripe', status: 'pending', createdAt: at, updatedAt: at, ...overrides };
}

export function buildInput(p: Payment = payment(), a: Attempt = attempt(), locale: 'en' | 'fr' = 'fr'): BuildRequestInput {
  return { payment: p, attempt: a, locale, returnUrl: 'http://gateway.test/bank/stripe/return', notifyUrl: 'http://gateway.test/bank/stripe/notify' };
}

/** A Checkout Session as the API or a webhook shows it (only the fields that matter here, plus some noise). */
export function session(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: SESSION_ID,
    object: 'checkout.session',
    livemode: false,
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    amount_total: 2480,
    amount_subtotal: 2480,
    currency: 'eur',
    client_reference_id: ATTEMPT_REF,
    metadata: { attempt_ref: ATTEMPT_REF, payment_id: 'pay_AbCdEfGhIjKlMnOpQrStUv' },
    payment_intent: PI_ID,
    customer_details: { email: 'buyer@example.com' },
    url: null,
    ...overrides,
  };
}

/** The session's PaymentIntent expanded with its latest charge, as `expand[]=payment_intent.latest_charge` returns it. */
export function expandedPaymentIntent(card: { brand: string; last4: string } | null = { brand: 'visa', last4: '4242' }): Record<string, unknown> {
  return {
    id: PI_ID,
    object: 'payment_intent',
    status: 'succeeded',
    latest_charge: {
      id: CHARGE_ID,
      object: 'charge',
      payment_method_details: card ? { type: 'card', card: { ...card, exp_month: 12, exp_year: 2034, funding: 'credit' } } : { type: 'sepa_debit', sepa_debit: { last4: '3000' } },
    },
  };
}

let events = 0;

/** A webhook event body, as Stripe sends it. */
export function eventPayload(type: string, object: Record<string, unknown>, overrides: Record<string, unknown> = {}): string {
  events += 1;
  return JSON.stringify(
    {
      id: `evt_1GatewayTests${String(events).padStart(6, '0')}`,
      object: 'event',
      api_version: '2024-06-20',
      created: nowSeconds(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object },
      ...overrides,
    },
    null,
    2,
  );
}

/** An incoming webhook request as the gateway route hands it to the connector. */
export function webhookMessage(payload: string, header: string | undefined): IncomingBankMessage {
  return { method: 'POST', fields: {}, rawBody: Buffer.from(payload, 'utf8'), headers: header === undefined ? {} : { 'stripe-signature': header, 'content-type': 'application/json' } };
}

export function returnMessage(query: Record<string, string>): IncomingBankMessage {
  return { method: 'GET', fields: query, rawBody: Buffer.alloc(0), headers: {} };
}
