/**
 * The bare Express 5 app the gateway is measured against, run as a process of its own: a JSON POST
 * answered 201, a small HTML page, and the same two with the one EdDSA operation the gateway's signed
 * paths cannot avoid (pay signs a bank request; notify verifies a bank response). Those two are the
 * ceilings of the signed paths. BENCH_BASELINE_PORT chooses the port; the bank key for verification
 * comes as a public JWK in BENCH_VERIFY_JWK.
 *
 * With BENCH_REDIS_URL (and the run's BENCH_REDIS_PREFIX) it also serves the checkout page's floor:
 * the bare page with only what a checkout page must keep in Redis, through the libraries the gateway
 * keeps it with (express-rate-limit, ioredis, express-session with connect-redis) and the gateway's
 * own adapters to them, and nothing else of the gateway.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import { Redis } from 'ioredis';
import { generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { windowLimiter, clientKey } from '../src/http/middleware/window-limiter.js';
import { redisSessionStore } from '../src/http/session-store.js';
import { mintSessionId } from '../src/http/session-id.js';
import { RedisRateLimitStore } from '../src/store/redis-rate-limit-store.js';

const PAGE = (extra: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head><body><main><h1>Pay 12.50 EUR</h1><form method="post"><input type="hidden" name="t" value="${extra}"><button>Pay</button></form></main></body></html>`;

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_BASELINE_PORT ?? 0);
  const { privateKey } = await generateKeyPair('EdDSA');
  const verifyKey = await importJWK(JSON.parse(process.env.BENCH_VERIFY_JWK ?? '{}') as JWK, 'EdDSA');
  const app = express();

  app.post('/json', express.json(), (req, res) => {
    res.status(201).json({ id: randomUUID(), received: req.body as unknown });
  });
  app.get('/page', (_req, res) => {
    res.type('html').send(PAGE(randomUUID()));
  });
  app.get('/page-signed', async (_req, res) => {
    const token = await new SignJWT({ txn: { ref: randomUUID(), amount: 1250, currency: 'EUR' } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'bench+jwt' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    res.type('html').send(PAGE(token));
  });
  app.post('/json-verified', express.urlencoded({ extended: false }), async (req, res) => {
    const { payload } = await jwtVerify(String((req.body as Record<string, unknown>).response), verifyKey, { algorithms: ['EdDSA'] });
    res.status(200).json({ status: 'accepted', jti: payload.jti });
  });

  const redisUrl = process.env.BENCH_REDIS_URL;
  if (redisUrl) app.get('/page-kept', ...(await keptPage(redisUrl, `${process.env.BENCH_REDIS_PREFIX ?? 'bench:'}baseline:`)));

  const server = app.listen(port, '127.0.0.1', () => {
    const address = server.address();
    console.log(JSON.stringify({ msg: 'baseline listening', port: typeof address === 'object' && address ? address.port : port }));
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

/** A payment as the store keeps it, of a typical size. */
const PAYMENT = {
  id: 'pay_AgsV-qjpBP7r3eArDhMRPA',
  version: 1,
  status: 'created',
  amount: 1250,
  currency: 'EUR',
  reference: 'order-1234',
  description: 'Order 1234',
  returnUrl: 'https://shop.example/back',
  cancelUrl: 'https://shop.example/cart',
  connector: 'native',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  expiresAt: '2026-12-01T10:30:00.000Z',
  attempts: [],
  refunds: [],
  events: [],
};

/**
 * The checkout page's floor: per request the buyer's rate-limit counter, the payment read, a new
 * session with a journey mark and a CSRF token saved before the page goes out, each on its own
 * connection as the gateway has them (sessions and counters on one, the payments on the other).
 */
async function keptPage(url: string, prefix: string): Promise<RequestHandler[]> {
  const options = { enableAutoPipelining: true, maxRetriesPerRequest: 2 } as const;
  const payments = new Redis(url, options);
  const sessions = new Redis(url, options);
  await payments.hset(`${prefix}p:${PAYMENT.id}`, 'json', JSON.stringify(PAYMENT));
  const limit = windowLimiter({
    limit: 1_000_000_000,
    windowMs: 60_000,
    store: new RedisRateLimitStore(sessions, `${prefix}rl:`),
    key: clientKey,
    onLimited: (_req, _res, next) => next(new Error('rate limited')),
  });
  const keep = session({
    name: 'hpp.sid',
    secret: randomBytes(32).toString('base64url'),
    genid: mintSessionId,
    resave: false,
    saveUninitialized: false,
    store: redisSessionStore(sessions, `${prefix}sess:`, { touch: false }),
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 2 * 3600_000 },
  });
  const page: RequestHandler = async (req, res) => {
    const payment = JSON.parse((await payments.hget(`${prefix}p:${PAYMENT.id}`, 'json'))!) as typeof PAYMENT;
    req.session.journey = randomBytes(32).toString('base64url');
    req.session.csrfToken = randomBytes(24).toString('base64url');
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
    res.type('html').send(PAGE(`${payment.id}.${req.session.csrfToken}`));
  };
  return [limit, keep, page];
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
