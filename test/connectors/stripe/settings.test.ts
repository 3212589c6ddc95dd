import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { CONNECTOR_MODULES, CONNECTOR_NAMES } from '../../../src/connectors/modules.js';
import { stripeModule } from '../../../src/connectors/stripe/module.js';
import { readStripeSettings } from '../../../src/connectors/stripe/settings.js';
import { fromStripeAmount, toStripeAmount } from '../../../src/connectors/stripe/amounts.js';
import { GatewayKeystore } from '../../../src/keys/keystore.js';
import { createLogger } from '../../../src/logger.js';
import { OLD_WEBHOOK_SECRET, SECRET_KEY, WEBHOOK_SECRET } from './fixtures.js';

const dev = { production: false };
const prod = { production: true };

describe('Stripe settings (STRIPE_*)', () => {
  it('is not configured when no STRIPE_ variable is set', () => {
    expect(readStripeSettings({}, dev)).to.deep.equal({ problems: [] });
    expect(readStripeSettings({ BANK_ID: 'x' }, prod)).to.deep.equal({ problems: [] });
  });

  it('reads the key and webhook secret with the defaults', () => {
    expect(readStripeSettings({ STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }, prod)).to.deep.equal({
      problems: [],
      settings: {
        secretKey: SECRET_KEY,
        webhookSecrets: [WEBHOOK_SECRET],
        apiBase: 'https://api.stripe.com',
        checkoutOrigin: 'https://checkout.stripe.com',
        paymentMethodTypes: ['card'],
      },
    });
  });

  it('reads several webhook secrets (rotation), payment methods, an API base and a Checkout custom domain', () => {
    const { settings, problems } = readStripeSettings(
      {
        STRIPE_SECRET_KEY: 'rk_live_51Restricted000000000000',
        STRIPE_WEBHOOK_SECRET: ` ${WEBHOOK_SECRET} , ${OLD_WEBHOOK_SECRET},${WEBHOOK_SECRET}`,
        STRIPE_PAYMENT_METHOD_TYPES: 'card, sepa_debit, bancontact',
        STRIPE_API_BASE: 'http://localhost:12111/',
        STRIPE_CHECKOUT_ORIGIN: 'https://pay.shop.example',
      },
      dev,
    );
    expect(problems).to.deep.equal([]);
    expect(settings).to.deep.equal({
      secretKey: 'rk_live_51Restricted000000000000',
      webhookSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
      apiBase: 'http://localhost:12111',
      checkoutOrigin: 'https://pay.shop.example',
      paymentMethodTypes: ['card', 'sepa_debit', 'bancontact'],
    });
  });

  it('says what is wrong, one line per variable, and never echoes a key', () => {
    const publishable = 'pk_live_51ThisIsPublishable000000';
    const { settings, problems } = readStripeSettings(
      {
        STRIPE_SECRET_KEY: publishable,
        STRIPE_WEBHOOK_SECRET: 'whsec_ok_but_short,not-a-secret-value-123456',
        STRIPE_PAYMENT_METHOD_TYPES: 'card,Not A Type',
        STRIPE_API_BASE: 'http://localhost:12111',
        STRIPE_CHECKOUT_ORIGIN: 'https://pay.shop.example/path',
      },
      prod,
    );
    expect(settings).to.equal(undefined);
    expect(problems.join('\n')).not.to.contain(publishable).and.not.to.contain('not-a-secret-value-123456').and.not.to.contain('whsec_ok');
    expect(problems.map((p) => p.split(':')[0])).to.deep.equal([
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'STRIPE_WEBHOOK_SECRET',
      'STRIPE_API_BASE',
      'STRIPE_CHECKOUT_ORIGIN',
      'STRIPE_PAYMENT_METHOD_TYPES',
    ]);
    expect(problems[0]).to.contain('publishable');
    expect(problems[3]).to.contain('https');
  });

  it('requires both the secret key and a webhook secret once any STRIPE_ variable is set', () => {
    expect(readStripeSettings({ STRIPE_SECRET_KEY: SECRET_KEY }, dev).problems).to.deep.equal(['STRIPE_WEBHOOK_SECRET: required when Stripe is configured']);
    expect(readStripeSettings({ STRIPE_PAYMENT_METHOD_TYPES: 'card' }, dev).problems).to.have.length(2);
  });

  it('is a registered module: loadConfig reads its settings and the module builds the connector', async () => {
    expect(CONNECTOR_MODULES.stripe).to.equal(stripeModule);
    expect(CONNECTOR_NAMES).to.include('stripe');
    const config = loadConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: 'http://gateway.test',
      MERCHANT_API_KEYS: 'sk_test_api_key_0001',
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      BANK_CONNECTOR: 'stripe',
    });
    expect(config.defaultConnector).to.equal('stripe');
    const connector = await stripeModule.create(config.connectors.stripe as never, {
      keystore: await GatewayKeystore.ephemeral(),
      logger: createLogger('silent'),
      services: { nextSequence: async () => 1 },
    });
    expect(connector.name).to.equal('stripe');
    expect(connector.bankOrigin).to.equal('https://checkout.stripe.com');
    // The key is kept out of sight: not an enumerable property, not in JSON, not in inspection.
    expect(JSON.stringify(connector)).not.to.contain(SECRET_KEY);
    const { inspect } = await import('node:util');
    expect(inspect(connector, { depth: 10 })).not.to.contain(SECRET_KEY);
  });
});

describe('Stripe amounts (our ISO minor units ↔ Stripe units)', () => {
  it('matches ISO for two-decimal, zero-decimal and three-decimal currencies', () => {
    expect(toStripeAmount(2480, 'EUR')).to.equal(2480);
    expect(toStripeAmount(1500, 'JPY')).to.equal(1500);
    expect(toStripeAmount(990, 'KRW')).to.equal(990);
    expect(toStripeAmount(5120, 'KWD')).to.equal(5120);
    expect(fromStripeAmount(1500, 'JPY')).to.equal(1500);
  });

  it('handles Stripe special cases: ISK in hundredths, MGA in whole ariary, three-decimal amounts ending in 0', () => {
    expect(toStripeAmount(500, 'ISK')).to.equal(50000);
    expect(fromStripeAmount(50000, 'ISK')).to.equal(500);
    expect(fromStripeAmount(50050, 'ISK')).to.equal(500.5);
    expect(toStripeAmount(1000, 'MGA')).to.equal(10);
    expect(toStripeAmount(1050, 'MGA')).to.equal(null);
    expect(fromStripeAmount(10, 'MGA')).to.equal(1000);
    expect(toStripeAmount(5125, 'KWD')).to.equal(null);
  });

  it('refuses what is not an amount, and leaves unknown currencies to the currency check', () => {
    expect(toStripeAmount(-1, 'EUR')).to.equal(null);
    expect(toStripeAmount(1.5, 'EUR')).to.equal(null);
    expect(fromStripeAmount(123, 'ZZZ')).to.equal(123);
  });
});
