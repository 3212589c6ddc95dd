import { GatewayKeystore } from '../../src/keys/keystore.js';
import { signWebhookHmac, signWebhookJws, WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER } from '../../src/notify/webhook-signature.js';

export interface EventInit {
  id?: string;
  type: string;
  reference: string;
  paymentId?: string;
  version: number;
  amount?: number;
  currency?: string;
  status?: string;
  attempts?: Array<{ ref: string; status: string; card?: { brand: string; last4: string } | null }>;
  attemptRef?: string;
  anomaly?: string;
  createdAt?: string;
  /** More fields of data.payment (amountCaptured, amountRefunded, refunds…). */
  payment?: Record<string, unknown>;
  /** More fields of data (amount, refund…). */
  data?: Record<string, unknown>;
}

let counter = 0;

/** An event id like the gateway's: `evt_` and 22 characters. */
export function eventId(): string {
  counter += 1;
  return `evt_${String(counter).padStart(6, '0')}${'x'.repeat(16)}`;
}

/** The body the gateway POSTs (docs/webhooks.md), compact as it is sent. */
export function eventBody(init: EventInit): string {
  const attempts = (init.attempts ?? []).map((a) => ({
    ref: a.ref,
    status: a.status,
    createdAt: '2030-01-01T00:01:00.000Z',
    updatedAt: '2030-01-01T00:02:00.000Z',
    bankTransactionId: a.status === 'authorised' ? 'BT-778899' : null,
    authorisationCode: a.status === 'authorised' ? 'A1B2C3' : null,
    card: a.card ?? null,
    responseCode: a.status === 'authorised' ? '00' : a.status === 'refused' ? '05' : null,
  }));
  return JSON.stringify({
    id: init.id ?? eventId(),
    type: init.type,
    createdAt: init.createdAt ?? '2030-01-01T00:02:00.000Z',
    data: {
      payment: {
        id: init.paymentId ?? 'pay_abc123',
        status: init.status ?? init.type.replace(/^payment\./, ''),
        amount: init.amount ?? 2480,
        currency: init.currency ?? 'EUR',
        reference: init.reference,
        description: 'T-shirt',
        customer: { locale: 'en' },
        checkoutUrl: 'http://gateway.test/checkout/pay_abc123',
        returnUrl: `http://shop.test/orders/${init.reference}`,
        expiresAt: '2030-01-01T00:30:00.000Z',
        createdAt: '2030-01-01T00:00:00.000Z',
        updatedAt: '2030-01-01T00:02:00.000Z',
        version: init.version,
        metadata: { productId: 'tshirt' },
        connector: 'native',
        anomalies: init.anomaly ? [init.anomaly] : [],
        attempts,
        ...init.payment,
      },
      paymentVersion: init.version,
      ...(init.attemptRef ? { attemptRef: init.attemptRef } : {}),
      ...(init.anomaly ? { anomaly: init.anomaly } : {}),
      ...init.data,
    },
  });
}

export const VISA_4242 = { brand: 'visa', last4: '4242' };

/** A `payment.succeeded` paid by an authorised attempt with a Visa ending in 4242. */
export function succeeded(reference: string, version = 3, extra: Partial<EventInit> = {}): string {
  return eventBody({ type: 'payment.succeeded', reference, version, attempts: [{ ref: 'A1', status: 'authorised', card: VISA_4242 }], attemptRef: 'A1', ...extra });
}

/** Signs bodies the way the gateway's webhook channel does. */
export class GatewaySigner {
  private constructor(readonly keystore: GatewayKeystore) {}

  static async create(): Promise<GatewaySigner> {
    return new GatewaySigner(await GatewayKeystore.ephemeral('EdDSA'));
  }

  jwks() {
    return this.keystore.publicJwks();
  }

  /** `Hpp-Signature-JWS` and, with secrets, `Hpp-Signature`, as the gateway sends them. */
  async headers(body: string, options: { jws?: boolean; secrets?: string[]; now?: Date } = {}): Promise<Record<string, string>> {
    const now = options.now ?? new Date();
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (options.jws ?? true) headers[WEBHOOK_JWS_HEADER] = await signWebhookJws(body, this.keystore, now);
    if (options.secrets?.length) headers[WEBHOOK_HMAC_HEADER] = signWebhookHmac(body, options.secrets, Math.floor(now.getTime() / 1000));
    return headers;
  }
}

/** HMAC only: what a gateway with MERCHANT_WEBHOOK_SECRET sends, minus the JWS. */
export function hmacHeaders(body: string, secret: string, now: Date = new Date()): Record<string, string> {
  return { 'Content-Type': 'application/json', [WEBHOOK_HMAC_HEADER]: signWebhookHmac(body, [secret], Math.floor(now.getTime() / 1000)) };
}
