import type { Server } from 'node:http';
import type { Express } from 'express';
import { createGateway } from './app.js';
import { loadConfigOrExit, type GatewayConfig } from './config.js';
import { createListener } from './http/tls.js';
import { createLogger, type Logger } from './logger.js';

/**
 * The demo (sandbox bank and demo shop) is not part of the gateway: it lives beside it in a source
 * checkout and is loaded only when no bank is configured. The specifier is a variable so that the
 * gateway's build neither follows nor ships it.
 */
const DEMO_MODULE = '../demo/start-demo.js';

interface DemoModule {
  startDemo(config: GatewayConfig, logger: Logger, options: object): Promise<{ gatewayUrl: string; bankUrl: string; shopUrl: string; close(): Promise<void> }>;
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

async function listen(config: GatewayConfig, app: Express): Promise<Server> {
  const server = await createListener(config, app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve(server));
  });
}

/**
 * `hpp-gateway start` (`npm start` in a source checkout). With any bank's settings in the environment the gateway runs alone; without them
 * (a source checkout, development) it runs the whole demo on one machine: the gateway, the sandbox bank
 * and the demo shop, wired to each other.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, undefined, { format: config.logFormat });
  const closers: Array<() => Promise<void>> = [];

  if (Object.keys(config.connectors).length > 0) {
    const gateway = await createGateway(config, { logger });
    closers.push(() => gateway.gateway.close());
    await listen(config, gateway);
    logger.info({ url: config.publicUrl, store: gateway.gateway.store.kind }, 'gateway listening');
  } else {
    const { startDemo, demoOptionsFromEnv } = await loadDemo();
    const demo = await startDemo(config, logger, demoOptionsFromEnv(process.env));
    closers.push(() => demo.close());
    logger.info({ gateway: demo.gatewayUrl, bank: demo.bankUrl, shop: demo.shopUrl }, 'demo running');
    console.log(`\n  Demo shop:     ${demo.shopUrl}\n  Gateway:       ${demo.gatewayUrl}\n  Sandbox bank:  ${demo.bankUrl}\n\n  Pay with 4242 4242 4242 4242, any future expiry, any 3-digit code (more test cards in README.md).\n`);
  }

  const stop = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`the gateway could not start: ${err.message}`);
  process.exit(1);
});
