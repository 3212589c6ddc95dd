import type { AutocannonRequest } from 'autocannon';
import { Redis } from 'ioredis';
import { currentAttempt } from '../src/core/payment.js';
import { CSRF_FIELD } from '../src/http/middleware/csrf.js';
import { RESPONSE_FIELD } from '../src/protocols/native.js';
import { RedisPaymentStore } from '../src/store/redis-store.js';
import type { FakeBank } from '../test/connectors/native/fake-bank.js';
import { BENCH_API_KEY } from './gateway-process.js';
import { Pool, produce } from './load.js';

/** A buyer who has opened the checkout page: the session cookie and the page's CSRF token. */
export interface BuyerSession {
  paymentId: string;
  cookie: string;
  csrf: string;
}

const CSRF_INPUT = new RegExp(`name="${CSRF_FIELD}" value="([^"]+)"`);
const FORM = 'application/x-www-form-urlencoded';

/** The session cookie of an answer (autocannon keeps the header names as the server wrote them). */
function firstCookie(headers: Record<string, string | string[]>): string | null {
  const name = Object.keys(headers).find((h) => h.toLowerCase() === 'set-cookie');
  const header = name ? headers[name] : undefined;
  const line = Array.isArray(header) ? header[0] : header;
  return line ? line.split(';')[0]! : null;
}

/**
 * The requests of the four gateway paths, each fed by what the path before it leaves behind: create
 * yields payment ids, the checkout page of each yields a buyer session, Pay on each yields an attempt
 * at the bank, whose signed notification is made before notify runs. `ensure*` tops a pool up (by
 * unmeasured runs of the earlier paths) so that every measured request does fresh work.
 */
export class GatewayPaths {
  readonly ids = new Pool<string>();
  readonly sessions = new Pool<BuyerSession>();
  readonly paid = new Pool<string>();
  readonly notifications = new Pool<string>();
  private created = 0;

  constructor(
    private readonly url: string,
    private readonly runId: string,
  ) {}

  create(): AutocannonRequest[] {
    const headers = { authorization: `Bearer ${BENCH_API_KEY}`, 'content-type': 'application/json' };
    return [{
      method: 'POST',
      path: '/api/v1/payments',
      headers,
      setupRequest: (req) => {
        this.created += 1;
        return { ...req, body: JSON.stringify({ amount: 1000 + (this.created % 9000), currency: 'EUR', reference: `bench-${this.runId}-${this.created}` }) };
      },
      onResponse: (status, body) => {
        if (status === 201) this.ids.add((JSON.parse(body) as { id: string }).id);
      },
    }];
  }

  checkout(): AutocannonRequest[] {
    return [{
      method: 'GET',
      setupRequest: (req, context) => {
        const id = this.ids.take();
        context.id = id;
        return { ...req, path: `/checkout/${id}` };
      },
      onResponse: (status, body, context, headers) => {
        const cookie = firstCookie(headers);
        const csrf = CSRF_INPUT.exec(body)?.[1];
        if (status === 200 && cookie && csrf) this.sessions.add({ paymentId: String(context.id), cookie, csrf });
      },
    }];
  }

  pay(): AutocannonRequest[] {
    return [{
      method: 'POST',
      setupRequest: (req, context) => {
        const buyer = this.sessions.take();
        context.id = buyer.paymentId;
        return { ...req, path: `/checkout/${buyer.paymentId}/pay`, headers: { cookie: buyer.cookie, 'content-type': FORM }, body: `${CSRF_FIELD}=${encodeURIComponent(buyer.csrf)}` };
      },
      onResponse: (status, _body, context) => {
        if (status === 200) this.paid.add(String(context.id));
      },
    }];
  }

  notify(): AutocannonRequest[] {
    return [{
      method: 'POST',
      path: '/bank/native/notify',
      headers: { 'content-type': FORM },
      setupRequest: (req) => ({ ...req, body: this.notifications.take() }),
    }];
  }

  async ensureIds(count: number): Promise<void> {
    await produce(this.url, this.create(), count - this.ids.available);
  }

  async ensureSessions(count: number): Promise<void> {
    const missing = count - this.sessions.available;
    if (missing <= 0) return;
    await this.ensureIds(missing);
    await produce(this.url, this.checkout(), missing);
    this.ids.takeReused();
  }

  async ensurePaid(count: number): Promise<void> {
    const missing = count - this.paid.available;
    if (missing <= 0) return;
    await this.ensureSessions(missing);
    await produce(this.url, this.pay(), missing);
    this.sessions.takeReused();
  }

  /** Reads each paid payment's attempt from Redis and signs the bank's notification for it. */
  async prepareNotifications(redisUrl: string, prefix: string, bank: FakeBank): Promise<void> {
    const redis = new Redis(redisUrl);
    const store = new RedisPaymentStore(redis, { prefix });
    const ids: string[] = [];
    while (this.paid.available > 0) ids.push(this.paid.take());
    for (let i = 0; i < ids.length; i += 200) {
      const batch = await Promise.all(ids.slice(i, i + 200).map(async (id) => {
        const payment = await store.getPayment(id);
        const attempt = payment ? currentAttempt(payment) : undefined;
        if (!payment || !attempt) return null;
        return bank.sign({ ref: attempt.ref, status: 'authorised', amount: payment.amount, currency: payment.currency, bank_txn_id: `B-${attempt.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } });
      }));
      for (const token of batch) if (token) this.notifications.add(`${RESPONSE_FIELD}=${encodeURIComponent(token)}`);
    }
    await redis.quit();
  }
}
