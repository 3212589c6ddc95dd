import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type nunjucks from 'nunjucks';
import { renderPage } from '../pages.js';
import { readiness, type ReadinessCheck } from '../readiness.js';

/** What /metrics exposes: Prometheus text, and its content type. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface OperationsOptions {
  /** The parts /readyz asks (the store, keys, connectors), by name. */
  readiness: Record<string, ReadinessCheck>;
  metrics: MetricsExposition;
  /** METRICS_TOKEN: /metrics asks for it as a bearer token when set. */
  metricsToken?: string;
  views: nunjucks.Environment;
  /** PUBLIC_URL, to say where the API and the keys are. */
  publicUrl: string;
}

/** The documentation ships with the package (README.md and docs/), not on a server of ours. */
const DOCS = 'README.md and docs/ of the hpp-gateway package';

/** Compared as digests, so neither the token's bytes nor its length show in the time taken. */
function bearerMatches(req: Request, token: string): boolean {
  const header = req.get('authorization') ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/**
 * The endpoints of whoever runs the gateway: liveness and readiness for the orchestrator, metrics for
 * Prometheus, and a landing page at `/`. Mounted before the rate limits and the buyer pages: a probe
 * every few seconds is neither abuse nor a buyer, and is not logged.
 */
export function operationsRoutes(options: OperationsOptions): Router {
  const router = Router();
  const base = options.publicUrl.replace(/\/+$/, '');
  const links = {
    api: `${base}/api/v1`,
    jwks: `${base}/.well-known/jwks.json`,
    health: `${base}/healthz`,
    readiness: `${base}/readyz`,
    metrics: `${base}/metrics`,
  };

  // Alive: the process serves HTTP. Nothing else is asked, so an outage elsewhere never gets it restarted.
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Ready: it can serve payments now. A 503 names the part that is missing, for whoever reads the probe.
  router.get('/readyz', async (_req, res) => {
    const report = await readiness(options.readiness);
    const failing = Object.entries(report.checks).filter(([, state]) => state !== 'ok').map(([name]) => name);
    res.set('Cache-Control', 'no-store');
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'unavailable', ...(failing.length ? { failing } : {}), checks: report.checks });
  });

  router.get('/metrics', async (req, res) => {
    if (options.metricsToken !== undefined && !bearerMatches(req, options.metricsToken)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"').status(401).type('text/plain').send('A bearer token is required.\n');
      return;
    }
    const text = await options.metrics.render();
    res.set('Cache-Control', 'no-store').type(options.metrics.contentType).send(text);
  });

  router.get('/', (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.vary('Accept');
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ service: 'hpp-gateway', description: 'Hosted payment page gateway: buyers reach it through the checkout links the merchant API hands out.', docs: DOCS, links });
      return;
    }
    renderPage(options.views, res, 'home.njk', 'en', { links, docs: DOCS });
  });

  return router;
}
