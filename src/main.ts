import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { createGateway } from './app.js';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { createDemoShop } from './demo-shop/app.js';
import { createLogger } from './logger.js';
import { createSandboxBank } from './sandbox-bank/app.js';

function listen(app: Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, () => resolve(server));
    server.once('error', reject);
  });
}

const DEMO_MERCHANT_ID = 'demo-merchant';
const SANDBOX_BANK_ID = 'sandbox-bank';

/**
 * `npm start`. With bank settings in the environment the gateway runs alone; without them it runs the
 * whole demo on one machine: the gateway, the sandbox bank and the demo shop, wired to each other.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: GatewayConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const closers: Array<() => Promise<void>> = [];

  if (config.bank) {
    const gateway = await createGateway(config, { logger });
    closers.push(() => gateway.gateway.close());
    await listen(gateway, config.port);
    logger.info({ url: config.publicUrl, store: gateway.gateway.store.kind }, 'gateway listening');
  } else {
    const bankUrl = `http://localhost:${config.sandboxBankPort}`;
    const shopUrl = `http://localhost:${config.demoShopPort}`;
    const demoConfig: GatewayConfig = {
      ...config,
      bank: { id: SANDBOX_BANK_ID, merchantId: DEMO_MERCHANT_ID, paymentUrl: `${bankUrl}/pay`, jwksUrl: `${bankUrl}/.well-known/jwks.json` },
      returnUrlAllowlist: [...new Set([...config.returnUrlAllowlist, shopUrl])],
    };
    const bank = await createSandboxBank({
      bankId: SANDBOX_BANK_ID,
      publicUrl: bankUrl,
      merchants: [{ merchantId: DEMO_MERCHANT_ID, jwksUrl: `${config.publicUrl}/.well-known/jwks.json` }],
      logger: logger.child({ service: 'sandbox-bank' }),
    });
    closers.push(() => bank.close());
    const gateway = await createGateway(demoConfig, { logger });
    closers.push(() => gateway.gateway.close());
    const shop = createDemoShop({ publicUrl: shopUrl, gatewayUrl: config.publicUrl, apiKey: config.apiKeys[0]!, logger: logger.child({ service: 'demo-shop' }) });
    await listen(bank.app, config.sandboxBankPort);
    await listen(gateway, config.port);
    await listen(shop, config.demoShopPort);
    logger.info({ gateway: config.publicUrl, bank: bankUrl, shop: shopUrl, store: gateway.gateway.store.kind }, 'demo running');
    console.log(`\n  Demo shop:     ${shopUrl}\n  Gateway:       ${config.publicUrl}\n  Sandbox bank:  ${bankUrl}\n\n  Pay with 4242 4242 4242 4242, any future expiry, any 3-digit code (more test cards in README.md).\n`);
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
