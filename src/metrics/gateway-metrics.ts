import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PaymentStatus } from '../core/payment.js';
import type { UnconfirmedCause } from '../store/unconfirmed-writes.js';
import { heapAfterMajorGcBytes, watchFullCollections } from './live-heap.js';
import { ReasonLabels, statusClass, type BankMessageChannel, type BankMessageResult, type BankOperationName, type BankOperationResult, type WebhookDeliveryResult } from './labels.js';

export interface GatewayMetricsOptions {
  /** Deliveries waiting in the outbox, read when the metrics are scraped. */
  outboxPending: () => Promise<number>;
  /** Node's process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own: createGateway may run several times in
 * one process (tests, a shop mounting two gateways), and prom-client's global registry would refuse
 * the second set of names. No label carries an id, a reference or an amount (src/metrics/labels.ts).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly payments: Counter<'connector' | 'status'>;
  private readonly bankMessages: Counter<'connector' | 'channel' | 'result'>;
  private readonly bankOperations: Counter<'connector' | 'operation' | 'result'>;
  private readonly webhookDeliveries: Counter<'result'>;
  private readonly unconfirmedWrites: Counter<'cause'>;
  private readonly httpDuration: Histogram<'route' | 'status_class'>;
  private readonly reasons = new ReasonLabels();

  constructor(options: GatewayMetricsOptions) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      watchFullCollections();
      new Gauge({
        name: 'hpp_heap_after_major_gc_bytes',
        help: 'V8 heap in use just after the latest full collection (the live heap; 0 before the first). A steady rise is a leak.',
        registers,
        collect() {
          this.set(heapAfterMajorGcBytes());
        },
      });
    }
    this.payments = new Counter({ name: 'hpp_payments_total', help: 'Payment status changes, by connector and the status reached.', labelNames: ['connector', 'status'], registers });
    this.bankMessages = new Counter({
      name: 'hpp_bank_messages_total',
      help: 'Bank messages received (channel: return or notify), by what became of them (applied, duplicate, refused_<reason>...).',
      labelNames: ['connector', 'channel', 'result'],
      registers,
    });
    this.bankOperations = new Counter({
      name: 'hpp_bank_operations_total',
      help: 'Server-to-server operations sent to a bank (capture, void, refund, refund_status, status), by answer.',
      labelNames: ['connector', 'operation', 'result'],
      registers,
    });
    this.webhookDeliveries = new Counter({ name: 'hpp_webhook_deliveries_total', help: 'Webhook tries, by result (delivered, rejected, unreachable).', labelNames: ['result'], registers });
    this.unconfirmedWrites = new Counter({
      name: 'hpp_store_unconfirmed_writes_total',
      help: 'Writes answered 503 (retry) because REDIS_MIN_REPLICAS_ACK replicas did not confirm them, by cause (too_few_replicas, connection_changed, slot_moved, wait_refused).',
      labelNames: ['cause'],
      registers,
    });
    new Gauge({
      name: 'hpp_outbox_pending',
      help: 'Deliveries (webhooks and emails) waiting in the outbox.',
      registers,
      async collect() {
        this.set(await options.outboxPending());
      },
    });
    this.httpDuration = new Histogram({
      name: 'hpp_http_request_duration_seconds',
      help: 'HTTP requests served, by route pattern and status class.',
      labelNames: ['route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  paymentStatus(connector: string, status: PaymentStatus): void {
    this.payments.inc({ connector, status });
  }

  bankMessage(connector: string, channel: BankMessageChannel, result: BankMessageResult): void {
    this.bankMessages.inc({ connector, channel, result });
  }

  /** A bank message refused for `reason` (a connector's machine word). */
  bankMessageRefused(connector: string, channel: BankMessageChannel, reason: string): void {
    this.bankMessage(connector, channel, `refused_${this.reasons.label(reason)}`);
  }

  /**
   * One operation sent to a bank and its answer. Connectors handed to the gateway are metered by
   * meteredConnector (src/metrics/metered-connector.ts), so callers of connector.operations need not
   * call this; it is here for an operation made some other way.
   */
  bankOperation(connector: string, operation: BankOperationName, result: BankOperationResult): void {
    this.bankOperations.inc({ connector, operation, result });
  }

  webhookDelivery(result: WebhookDeliveryResult): void {
    this.webhookDeliveries.inc({ result });
  }

  unconfirmedWrite(cause: UnconfirmedCause): void {
    this.unconfirmedWrites.inc({ cause });
  }

  /** `route` is the pattern a router matched (`/api/v1/payments/:id`), never the path itself. */
  httpRequest(route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ route, status_class: statusClass(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric, the gauges read now. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
