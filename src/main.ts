import type { Server } from 'node:http';
import type { Express } from 'express';
import { createGateway } from './app.js';
import { loadConfigOrExit, type GatewayConfig } from './config.js';
import { createListener } from './http/tls.js';
import { createLogger } from './logger.js';
import { startDemo } from './demo.js';

async function listen(config: GatewayConfig, app: Express): Promise<Server> {
  const server = await createListener(config, app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve(server));
  });
}

/**
 * `npm start`. With any bank's settings in the environment the gateway runs alone; without them it runs the
 * whole demo on one machine: the gateway, the sandbox bank and the demo shop, wired to each other.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const closers: Array<() => Promise<void>> = [];

  if (Object.keys(config.connectors).length > 0) {
    const gateway = await createGateway(config, { logger });
    closers.push(() => gateway.gateway.close());
    await listen(config, gateway);
    logger.info({ url: config.publicUrl, store: gateway.gateway.store.kind }, 'gateway listening');
  } else {
    const demo = await startDemo(config, logger);
    closers.push(() => demo.close());
    logger.info({ gateway: demo.gatewayUrl, bank: demo.bankUrl, shop: demo.shopUrl, store: demo.gateway.gateway.store.kind }, 'demo running');
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
