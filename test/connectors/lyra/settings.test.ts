import { Writable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { createGateway } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { lyraModule } from '../../../src/connectors/lyra/module.js';
import { LyraConnector } from '../../../src/connectors/lyra/lyra-connector.js';
import { readLyraSettings } from '../../../src/connectors/lyra/settings.js';
import { GatewayKeystore } from '../../../src/keys/keystore.js';
import { createLogger } from '../../../src/logger.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { PRODUCTION_KEY, SITE_ID, TEST_KEY } from './lyra-bank.js';

const dev = { production: false };
const prod = { production: true };

describe('Lyra settings (LYRA_*)', () => {
  it('is not configured when no LYRA_ variable is set', () => {
    expect(readLyraSettings({}, dev)).to.deep.equal({ problems: [] });
    expect(readLyraSettings({ BANK_ID: 'x' }, prod)).to.deep.equal({ problems: [] });
  });

  it('defaults to TEST, PayZen and HMAC-SHA-256', () => {
    expect(readLyraSettings({ LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY }, dev)).to.deep.equal({
      problems: [],
      settings: { siteId: SITE_ID, ctxMode: 'TEST', testKey: TEST_KEY, paymentUrl: 'https://secure.payzen.eu/vads-payment/', signatureAlgorithm: 'HMAC-SHA-256' },
    });
  });

  it('reads PRODUCTION, another payment URL and the legacy SHA-1', () => {
    const { settings, problems } = readLyraSettings(
      {
        LYRA_SITE_ID: SITE_ID,
        LYRA_TEST_KEY: TEST_KEY,
        LYRA_PRODUCTION_KEY: PRODUCTION_KEY,
        LYRA_CTX_MODE: 'PRODUCTION',
        LYRA_PAYMENT_URL: 'https://paiement.systempay.fr/vads-payment/',
        LYRA_SIGNATURE_ALGORITHM: 'SHA-1',
      },
      prod,
    );
    expect(problems).to.deep.equal([]);
    expect(settings).to.deep.equal({
      siteId: SITE_ID,
      ctxMode: 'PRODUCTION',
      testKey: TEST_KEY,
      productionKey: PRODUCTION_KEY,
      paymentUrl: 'https://paiement.systempay.fr/vads-payment/',
      signatureAlgorithm: 'SHA-1',
    });
  });

  it('allows production with LYRA_CTX_MODE=TEST (documented, not refused)', () => {
    const { settings, problems } = readLyraSettings({ LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY }, prod);
    expect(problems).to.deep.equal([]);
    expect(settings?.ctxMode).to.equal('TEST');
  });

  it('names each bad or missing value on its own line, and never echoes a key', () => {
    const { settings, problems } = readLyraSettings(
      { LYRA_SITE_ID: '1234', LYRA_CTX_MODE: 'LIVE', LYRA_TEST_KEY: 'has space', LYRA_PAYMENT_URL: 'payzen', LYRA_SIGNATURE_ALGORITHM: 'MD5' },
      dev,
    );
    expect(settings).to.equal(undefined);
    expect(problems).to.have.length(5);
    const text = problems.join('\n');
    expect(text).to.contain('LYRA_SITE_ID').and.contain('LYRA_CTX_MODE').and.contain('LYRA_TEST_KEY').and.contain('LYRA_PAYMENT_URL').and.contain('LYRA_SIGNATURE_ALGORITHM');
    expect(text).not.to.contain('has space');
  });

  it('requires the key of the configured context and the site id', () => {
    expect(readLyraSettings({ LYRA_TEST_KEY: TEST_KEY }, dev).problems).to.deep.equal(['LYRA_SITE_ID: required when Lyra is configured']);
    expect(readLyraSettings({ LYRA_SITE_ID: SITE_ID }, dev).problems).to.deep.equal(['LYRA_TEST_KEY: required when LYRA_CTX_MODE is TEST']);
    expect(readLyraSettings({ LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY, LYRA_CTX_MODE: 'PRODUCTION' }, prod).problems).to.deep.equal([
      'LYRA_PRODUCTION_KEY: required when LYRA_CTX_MODE is PRODUCTION',
    ]);
  });

  it('wants an https payment URL in production (http only for a local simulator)', () => {
    const env = { LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY, LYRA_PAYMENT_URL: 'http://localhost:3001/vads-payment/' };
    expect(readLyraSettings(env, dev).problems).to.deep.equal([]);
    expect(readLyraSettings(env, prod).problems).to.deep.equal(['LYRA_PAYMENT_URL: must be https in production']);
  });

  it('builds a connector with the key of the configured context only', async () => {
    const { settings } = readLyraSettings({ LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY, LYRA_PRODUCTION_KEY: PRODUCTION_KEY, LYRA_CTX_MODE: 'PRODUCTION' }, prod);
    const connector = await lyraModule.create(settings!, {
      keystore: await GatewayKeystore.ephemeral(),
      services: new MemoryPaymentStore(),
      logger: createLogger('silent'),
    });
    expect(connector).to.be.instanceOf(LyraConnector);
    expect(connector.name).to.equal('lyra');
    expect(connector.bankOrigin).to.equal('https://secure.payzen.eu');
  });

  it('is picked up by the gateway configuration and answers on /bank/lyra/notify', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LYRA_SITE_ID: SITE_ID, LYRA_TEST_KEY: TEST_KEY, LOG_LEVEL: 'silent' });
    expect(config.connectors.lyra).to.deep.include({ siteId: SITE_ID, ctxMode: 'TEST' });
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const app = await createGateway(config, { store: (outboxTargets) => new MemoryPaymentStore({ outboxTargets }), logger: createLogger('silent', sink), expirySweepMs: 0 });
    try {
      expect(app.gateway.connectors.has('lyra')).to.equal(true);
      const res = await request(app).post('/bank/lyra/notify').type('form').send({ vads_amount: '1' });
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^text\/plain/);
      expect(res.text).to.equal('KO missing_signature');
    } finally {
      await app.gateway.close();
    }
  });
});
