import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import type { GatewayConfig } from '../../src/config.js';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { createLogger } from '../../src/logger.js';
import { notificationChannels } from '../../src/notify/notifications.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { testGateway } from '../support/gateway.js';

/** The gateway's warn lines, parsed from its pino output. */
function warnings(logs: string[]): string[] {
  return logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40).map((entry) => entry.msg);
}

describe('notification settings', () => {
  /** The outbox targets of the channels a configuration asks for. */
  async function outboxTargets(config: GatewayConfig): Promise<string[]> {
    const { targets, mailer } = notificationChannels(config, { keystore: await GatewayKeystore.ephemeral(), logger: createLogger('silent'), checkoutUrl: (id) => `https://gw.example/checkout/${id}` });
    mailer.close();
    return targets;
  }

  it('queues buyer receipts only while BUYER_RECEIPTS is on', async () => {
    expect(await outboxTargets(loadConfig({}))).to.deep.equal(['email:buyer']);
    expect(await outboxTargets(loadConfig({ BUYER_RECEIPTS: 'off' }))).to.deep.equal([]);
    expect(await outboxTargets(loadConfig({ BUYER_RECEIPTS: 'off', MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks', MERCHANT_EMAIL: 'orders@shop.example' }))).to.deep.equal(['webhook:0', 'email:merchant']);
  });

  it('builds the store for the targets of the channels, and refuses at start a store queueing for others', async () => {
    let given: string[] | undefined;
    const built = await testGateway({
      env: { MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks', DELIVERY_WORKER: 'off' },
      store: (outboxTargets) => {
        given = outboxTargets;
        return new MemoryPaymentStore({ outboxTargets });
      },
    });
    await built.close();
    expect(given).to.deep.equal(['webhook:0', 'email:buyer']);
    expect(built.app.gateway.store.outbox.targets).to.deep.equal(['webhook:0', 'email:buyer']);

    const refused = await testGateway({ env: { DELIVERY_WORKER: 'off' }, store: () => new MemoryPaymentStore({ outboxTargets: ['webhook:0'] }) }).then(
      (gw) => gw.close().then(() => null),
      (err: Error) => err,
    );
    expect(refused?.message).to.equal("the store queues events for [webhook:0] but the notification channels are [email:buyer]: build the store with the channels' targets");
  });

  it('warns once at start when neither a webhook nor a merchant email tells the merchant of payments', async () => {
    const silent = await testGateway();
    try {
      const lines = warnings(silent.logs).filter((msg) => msg.includes('the merchant is told of no payment'));
      expect(lines).to.deep.equal(['the merchant is told of no payment: neither MERCHANT_WEBHOOK_URL nor MERCHANT_EMAIL is set (only GET /api/v1/events shows what happened)']);
    } finally {
      await silent.close();
    }
    for (const env of [{ MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks' }, { MERCHANT_EMAIL: 'orders@shop.example' }] as Record<string, string>[]) {
      const told = await testGateway({ env: { ...env, DELIVERY_WORKER: 'off' } });
      try {
        expect(warnings(told.logs).join('\n'), JSON.stringify(env)).to.not.contain('told of no payment');
      } finally {
        await told.close();
      }
    }
  });
});
