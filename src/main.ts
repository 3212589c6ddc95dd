import cluster from 'node:cluster';
import type { Express } from 'express';
import { createGateway } from './app.js';
import { loadConfigOrExit, type GatewayConfig } from './config.js';
import { BACKGROUND_ROLE_ENV, runClusterPrimary } from './cluster-primary.js';
import { gracefulClose, type CloseServer } from './http/close-server.js';
import { listenFailure } from './http/port-in-use.js';
import { createListener } from './http/tls.js';
import { createLogger, type Logger } from './logger.js';

/**
 * The demo (sandbox bank and demo shop) is not part of the gateway: it lives beside it in a source
 * checkout and is loaded only when no bank is configured. The specifier is a variable so that the
 * gateway's build neither follows nor ships it.
 */
const DEMO_MODULE = '../demo/start-demo.js';

interface DemoModule {
  startDemo(config: GatewayConfig, logger: Logger, options: object): Promise<{ gatewayUrl: string; bankUrl: string; shopUrl: string; consoleAdmin: { url: string; email: string; password: string }; close(): Promise<void> }>;
  demoOptionsFromEnv(env: Record<string, string | undefined>): object;
}

async function loadDemo(): Promise<DemoModule> {
  try {
    return (await import(DEMO_MODULE)) as DemoModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error('no bank is configured (docs/connectors.md lists each connector\'s settings); the demo with the sandbox bank runs only from a source checkout, with `npm start`');
  }
}

async function listen(config: GatewayConfig, app: Express): Promise<CloseServer> {
  const server = await createListener(config, app);
  const close = gracefulClose(server);
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(listenFailure(err, 'PORT', config.port)));
    server.listen(config.port, config.host, () => resolve(close));
  });
}

/**
 * `hpp-gateway start` (`npm start` in a source checkout). With any bank's settings in the environment the gateway runs alone; without them
 * (a source checkout, development) it runs the whole demo on one machine: the gateway, the sandbox bank
 * and the demo shop, wired to each other.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // Lines of several processes share one output: each process's carry its pid.
  const baseLogger = createLogger(config.logLevel, undefined, { format: config.logFormat });
  const logger = cluster.isWorker ? baseLogger.child({ pid: process.pid }) : baseLogger;
  const closers: Array<() => Promise<void>> = [];
  const standalone = Object.keys(config.connectors).length > 0;

  if (config.webConcurrency > 1 && cluster.isPrimary) {
    if (!standalone) throw new Error('WEB_CONCURRENCY: the demo runs in one process (its sandbox bank and shop are in memory); configure a bank to run several gateway processes');
    // The primary's own bound comes after the processes': each gets its shutdown time, then margin.
    runClusterPrimary({ processes: config.webConcurrency, stopTimeoutMs: config.shutdownTimeoutMs + 5_000, logger });
    return;
  }

  if (standalone) {
    // Of several processes, one runs the delivery worker, the expiry sweeper and the reconciliation job (src/cluster-primary.ts).
    const background = !cluster.isWorker || process.env[BACKGROUND_ROLE_ENV] === 'on';
    const gateway = await createGateway(config, { logger, ...(background ? {} : { deliveryWorker: false, expirySweepMs: 0, reconcileMs: 0 }) });
    const closeServer = await listen(config, gateway);
    // First stop accepting and finish the requests in flight, then the background tasks and Redis.
    closers.push(() => gateway.gateway.close());
    closers.push(() => closeServer(config.shutdownTimeoutMs));
    if (cluster.isWorker) logger.info({ background }, 'gateway process ready');
    logger.info({ url: config.publicUrl, store: gateway.gateway.store.kind }, 'gateway listening');
  } else {
    const { startDemo, demoOptionsFromEnv } = await loadDemo();
    const demo = await startDemo(config, logger, demoOptionsFromEnv(process.env));
    closers.push(() => demo.close());
    logger.info({ gateway: demo.gatewayUrl, bank: demo.bankUrl, shop: demo.shopUrl }, 'demo running');
    // The console password goes to the terminal only, never to the log lines above.
    const mail = config.notifications.smtpUrl ? 'sent through SMTP_URL' : `written to ${config.notifications.mailOutboxDir}/ (order-paid emails and buyers' receipts)`;
    console.log(`\n  Demo shop:     ${demo.shopUrl}\n  Gateway:       ${demo.gatewayUrl}\n  Sandbox bank:  ${demo.bankUrl}\n  Console:       ${demo.consoleAdmin.url}  (${demo.consoleAdmin.email} / ${demo.consoleAdmin.password})\n  Emails:        ${mail}\n\n  Pay with 4242 4242 4242 4242, any future expiry, any 3-digit code (more test cards in README.md).\n`);
  }

  let stopping = false;
  const stop = async () => {
    // A second signal (Ctrl-C reaches the primary and its processes alike) must not cut the first short.
    if (stopping) return;
    stopping = true;
    for (const close of closers.reverse()) await close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`the gateway could not start: ${err.message}`);
  process.exit(1);
});
