import { ConfigError, loadConfigOrExit } from './config.js';
import { webhookAgent } from './http/tls.js';
import { GatewayKeystore } from './keys/keystore.js';
import { createLogger } from './logger.js';
import { gatewayUrls } from './http/gateway-urls.js';
import { createNotifications, notificationChannels } from './notify/notifications.js';
import { createPaymentStore } from './store/create-store.js';
import { redisTargetOf } from './store/redis-connection.js';

/**
 * `npm run worker`: a delivery worker in its own process. Any number may run beside the gateways on
 * one Redis (set DELIVERY_WORKER=off on the gateways to leave the work to them). It signs webhooks
 * with the same key file as the gateway, so merchants verify them with the same JWKS.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const problems: string[] = [];
  if (!redisTargetOf(config)) problems.push('REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES): a separate worker needs the shared Redis store (the in-process store lives inside the gateway)');
  if (!process.env.PUBLIC_URL) problems.push('PUBLIC_URL: a separate worker needs the gateway\'s public URL for the checkout links in webhooks');
  if (!config.keysFile) problems.push('GATEWAY_KEYS_FILE: a separate worker must sign webhooks with the gateway\'s own keys');
  if (problems.length) {
    console.error(new ConfigError(problems).message);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, undefined, { format: config.logFormat, service: 'delivery-worker' });
  const keystore = await GatewayKeystore.fromFile(config.keysFile!);
  const httpsAgent = await webhookAgent(config);
  const channels = notificationChannels(config, { keystore, logger, checkoutUrl: gatewayUrls(config.publicUrl).checkout, ...(httpsAgent ? { httpsAgent } : {}) });
  const store = createPaymentStore({ redis: redisTargetOf(config)!, prefix: config.redisPrefix, outboxTargets: channels.targets, auditTargets: channels.auditTargets, eventTargets: channels.eventTargets, logger, replicaAck: config.redisReplicaAck });
  const notifications = createNotifications(config, { channels, store, logger });
  notifications.worker.start();
  logger.info({ targets: channels.targets }, 'delivery worker running');
  const stop = async () => {
    await notifications.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`the delivery worker could not start: ${err.message}`);
  process.exit(1);
});
