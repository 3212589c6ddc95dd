import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createGateway } from '../../../src/app.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { moneticoModule } from '../../../src/connectors/monetico/module.js';
import { MoneticoConnector } from '../../../src/connectors/monetico/monetico-connector.js';
import { readMoneticoSettings } from '../../../src/connectors/monetico/settings.js';
import { GatewayKeystore } from '../../../src/keys/keystore.js';
import { createLogger } from '../../../src/logger.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { KIT_DEMO_KEY, LIVE_SERVER_URL, TEST_COMPANY, TEST_SERVER_URL, TEST_TPE } from './monetico-bank.js';

const minimal = { MONETICO_TPE: TEST_TPE, MONETICO_KEY: KIT_DEMO_KEY, MONETICO_COMPANY: TEST_COMPANY, MONETICO_PAYMENT_URL: TEST_SERVER_URL };

describe('Monetico settings (MONETICO_*)', () => {
  it('is not configured when no MONETICO_ variable is set', () => {
    expect(readMoneticoSettings({}, false)).to.deep.equal({ problems: [] });
    expect(readMoneticoSettings({ BANK_ID: 'x' }, true)).to.deep.equal({ problems: [] });
  });

  it('defaults to the current kit (fields method) and version 3.0', () => {
    expect(readMoneticoSettings(minimal, true)).to.deep.equal({
      problems: [],
      settings: { tpe: TEST_TPE, key: KIT_DEMO_KEY, company: TEST_COMPANY, paymentUrl: TEST_SERVER_URL, macMethod: 'fields', version: '3.0', capture: 'automatic' },
    });
  });

  it('reads the positional method and a merchant email', () => {
    const { settings } = readMoneticoSettings({ ...minimal, MONETICO_MAC_METHOD: 'positional', MONETICO_VERSION: '3.0', MONETICO_MERCHANT_EMAIL: 'shop@example.com', MONETICO_PAYMENT_URL: LIVE_SERVER_URL }, true);
    expect(settings).to.include({ macMethod: 'positional', merchantEmail: 'shop@example.com', paymentUrl: LIVE_SERVER_URL });
  });

  it('names every bad or missing value, never echoing the key', () => {
    const key = `${'9'.repeat(38)}ZZ`;
    const { settings, problems } = readMoneticoSettings(
      { MONETICO_TPE: 'x y', MONETICO_KEY: key, MONETICO_PAYMENT_URL: 'http://p.monetico-services.com/paiement.cgi', MONETICO_MAC_METHOD: 'sha256', MONETICO_VERSION: '4.0', MONETICO_MERCHANT_EMAIL: 'nope' },
      true,
    );
    expect(settings).to.equal(undefined);
    expect(problems.map((p) => p.split(':')[0])).to.deep.equal([
      'MONETICO_TPE',
      'MONETICO_KEY',
      'MONETICO_COMPANY',
      'MONETICO_PAYMENT_URL',
      'MONETICO_MAC_METHOD',
      'MONETICO_VERSION',
      'MONETICO_MERCHANT_EMAIL',
    ]);
    expect(problems.join('\n')).not.to.contain(key);
    expect(readMoneticoSettings({ MONETICO_TPE: TEST_TPE }, false).problems.map((p) => p.split(':')[0])).to.deep.equal(['MONETICO_KEY', 'MONETICO_COMPANY', 'MONETICO_PAYMENT_URL']);
  });

  it('operations: MONETICO_OPERATIONS_URL defaults to the payment server outside production, is off in production unless set, and MONETICO_CAPTURE says the terminal contract', () => {
    expect(readMoneticoSettings(minimal, false).settings).to.include({ operationsUrl: 'https://p.monetico-services.com/test/', capture: 'automatic' });
    expect(readMoneticoSettings(minimal, true).settings).to.not.have.property('operationsUrl');
    expect(readMoneticoSettings({ ...minimal, MONETICO_OPERATIONS_URL: 'https://payment-api.e-i.com/test', MONETICO_CAPTURE: 'manual' }, true).settings).to.include({
      operationsUrl: 'https://payment-api.e-i.com/test/',
      capture: 'manual',
    });
    const names = (env: Record<string, string>, production: boolean) => readMoneticoSettings({ ...minimal, ...env }, production).problems.map((p) => p.split(':')[0]);
    expect(names({ MONETICO_CAPTURE: 'deferred' }, false)).to.deep.equal(['MONETICO_CAPTURE']);
    expect(names({ MONETICO_CAPTURE: 'manual' }, true)).to.deep.equal(['MONETICO_CAPTURE']);
    expect(names({ MONETICO_OPERATIONS_URL: 'http://p.monetico-services.com/' }, true)).to.deep.equal(['MONETICO_OPERATIONS_URL']);
    expect(names({ MONETICO_OPERATIONS_URL: 'not a url' }, false)).to.deep.equal(['MONETICO_OPERATIONS_URL']);
    expect(names({ MONETICO_OPERATIONS_URL: 'https://p.monetico-services.com/test/?x=1' }, false)).to.deep.equal(['MONETICO_OPERATIONS_URL']);
  });

  it('is read by the gateway configuration and builds the connector (module "monetico")', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...minimal, LOG_LEVEL: 'silent' });
    expect(config.connectors.monetico).to.include({ tpe: TEST_TPE, macMethod: 'fields' });
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const app = await createGateway(config, { store: (outboxTargets) => new MemoryPaymentStore({ outboxTargets }), keystore: await GatewayKeystore.ephemeral(), logger: createLogger('silent', sink), expirySweepMs: 0 });
    try {
      expect(app.gateway.connectors.defaultName).to.equal('monetico');
      expect(app.gateway.connectors.get('monetico')).to.be.instanceOf(MoneticoConnector);
      expect(app.gateway.connectors.bankOrigins()).to.include('https://p.monetico-services.com');
    } finally {
      await app.gateway.close();
    }
    expect(moneticoModule.name).to.equal('monetico');
    expect(() => loadConfig({ NODE_ENV: 'test', ...minimal, MONETICO_KEY: 'short' })).to.throw(ConfigError, /MONETICO_KEY/);
  });
});
