import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import type { PaymentService } from '../../src/service/payment-service.js';
import { delay, listenLocal, PROCESS_API_KEY, PROCESS_WEBHOOK_SECRET, readBody, type GatewayFiles, type LocalServer } from './processes.js';

/** A merchant's webhook endpoint that counts what it is sent, by event id and by payment. */
export class CountingWebhookReceiver {
  /** Deliveries received per event id (more than one: the same event delivered again). */
  readonly deliveries = new Map<string, number>();
  /** Distinct event ids per payment and type (`pay_…|payment.succeeded`): two would be a doubled event. */
  readonly eventsByPayment = new Map<string, Set<string>>();
  readonly badSignatures: string[] = [];
  local!: LocalServer;

  async start(): Promise<this> {
    this.local = await listenLocal((req, res) => void this.handle(req, res));
    return this;
  }

  get url(): string {
    return `${this.local.url}/hooks`;
  }

  /** Distinct events of that type received for the payment. */
  eventsOf(paymentId: string, type: string): number {
    return this.eventsByPayment.get(`${paymentId}|${type}`)?.size ?? 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    try {
      const { event } = await verifyWebhook({ body, headers: req.headers, secret: PROCESS_WEBHOOK_SECRET });
      const e = event as { id: string; type: string; data: { payment: { id: string } } };
      this.deliveries.set(e.id, (this.deliveries.get(e.id) ?? 0) + 1);
      // An audit.recorded event is no payment's: it is counted under the audit queue.
      const key = `${e.type === 'audit.recorded' ? 'audit' : e.data.payment.id}|${e.type}`;
      const ids = this.eventsByPayment.get(key) ?? new Set<string>();
      ids.add(e.id);
      this.eventsByPayment.set(key, ids);
    } catch (err) {
      this.badSignatures.push((err as Error).message);
    }
    res.writeHead(204).end();
  }
}

/** What the load saw: the payments acknowledged at each step, and each refusal with its time. */
export interface LoadOutcome {
  /** Payments the API answered 201 for. */
  created: string[];
  /** Payments whose notification the gateway acknowledged (200). */
  notified: string[];
  /** Every answer other than the one expected, with when it came (ms) and what it was (0: no answer). */
  refusals: Array<{ at: number; step: 'create' | 'attempt' | 'notify'; status: number }>;
  /** When each acknowledgement came (ms), to find when the gateway served again. */
  acknowledgedAt: number[];
}

/**
 * `count` payments, each created through the API (with an Idempotency-Key, so a retry after a lost
 * answer is the same payment), sent to the bank (the service, as the checkout would) and paid by
 * the bank's signed notification, on `lanes` lanes at once. Each step is retried until it is
 * acknowledged, as a shop and a bank retry: a refusal (503, or no answer) costs a retry, never a
 * payment. `onProgress` hears the count of paid payments after each one.
 */
export async function payUnderLoad(options: {
  baseUrl: string;
  files: GatewayFiles;
  service: PaymentService;
  count: number;
  lanes: number;
  tag: string;
  onProgress?: (paid: number) => void;
}): Promise<LoadOutcome> {
  const { baseUrl, files, service, count, tag } = options;
  const outcome: LoadOutcome = { created: [], notified: [], refusals: [], acknowledgedAt: [] };
  let next = 0;
  const refused = (step: LoadOutcome['refusals'][number]['step'], status: number) => outcome.refusals.push({ at: Date.now(), step, status });

  async function payOne(n: number): Promise<void> {
    let id: string | undefined;
    while (!id) {
      const res = await fetch(`${baseUrl}/api/v1/payments`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${PROCESS_API_KEY}`, 'Content-Type': 'application/json', 'Idempotency-Key': `${tag}-${n}` },
        body: JSON.stringify({ amount: 100 + n, currency: 'EUR', reference: `${tag}-${n}` }),
        signal: AbortSignal.timeout(15_000),
      }).catch(() => null);
      const json = res ? ((await res.json().catch(() => null)) as { id?: string } | null) : null;
      if (res?.status === 201 && json?.id) id = json.id;
      else {
        refused('create', res?.status ?? 0);
        await delay(100);
      }
    }
    outcome.created.push(id);
    outcome.acknowledgedAt.push(Date.now());
    let ref: string | undefined;
    while (!ref) {
      try {
        ref = (await service.startAttempt(id, 'native')).attempt?.ref;
        if (!ref) throw new Error('no attempt');
      } catch {
        refused('attempt', 0);
        await delay(100);
      }
    }
    // Sent again until acknowledged, each retry freshly signed (a new jti), as the protocol's bank does (protocol.md 7.3).
    for (;;) {
      const token = await files.bank.sign({ ref, status: 'authorised', amount: 100 + n, currency: 'EUR', bank_txn_id: `BT-${tag}-${n}`, auth_code: 'A1', card: { brand: 'visa', last4: '4242' } });
      const res = await fetch(`${baseUrl}/bank/native/notify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ [RESPONSE_FIELD]: token }).toString(),
        signal: AbortSignal.timeout(15_000),
      }).catch(() => null);
      await res?.arrayBuffer();
      if (res?.status === 200) break;
      refused('notify', res?.status ?? 0);
      await delay(100);
    }
    outcome.notified.push(id);
    outcome.acknowledgedAt.push(Date.now());
    options.onProgress?.(outcome.notified.length);
  }

  await Promise.all(Array.from({ length: options.lanes }, async () => {
    while (next < count) {
      next += 1;
      await payOne(next);
    }
  }));
  return outcome;
}
