import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { ConfigError, loadConfig, parseDuration } from '../../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('runs the demo with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.env).to.equal('development');
    expect(config.connectors.native).to.equal(undefined);
    expect(config.redisUrl).to.equal(undefined);
    expect(config.paymentTtlMs).to.equal(30 * 60_000);
    expect(config.publicUrl).to.equal('http://localhost:3000');
  });

  it('asks the bank about a payment pending 10 minutes unless RECONCILE_AFTER says otherwise', () => {
    expect(loadConfig({}).reconcileAfterMs).to.equal(10 * 60_000);
    expect(loadConfig({ RECONCILE_AFTER: '90s' }).reconcileAfterMs).to.equal(90_000);
    expect(problemsOf({ RECONCILE_AFTER: 'later' }).join('\n')).to.match(/RECONCILE_AFTER must be a duration/);
  });

  it('treats empty values (copied from .env.example) as unset', () => {
    expect(loadConfig({ BANK_ID: '', REDIS_URL: '', PAYMENT_TTL: '' }).connectors.native).to.equal(undefined);
  });

  it('reports every bad value on its own line', () => {
    const problems = problemsOf({ PORT: 'eighty', PAYMENT_TTL: 'soon', REDIS_URL: 'localhost:6379', SIGNING_ALG: 'HS256', PUBLIC_URL: 'not a url' });
    expect(problems).to.have.length(5);
    expect(problems.join('\n')).to.match(/PORT/).and.match(/PAYMENT_TTL/).and.match(/REDIS_URL/).and.match(/SIGNING_ALG/).and.match(/PUBLIC_URL/);
  });

  it('refuses production without Redis, secrets, keys or a bank, naming each', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    const text = problems.join('\n');
    for (const name of ['REDIS_URL', 'MERCHANT_API_KEYS', 'SESSION_SECRET', 'PUBLIC_URL', 'GATEWAY_KEYS_FILE', 'BANK_ID']) expect(text).to.contain(name);
  });

  /** Everything production requires, so a test can change one thing and see one problem. */
  const PRODUCTION: Record<string, string> = {
    NODE_ENV: 'production',
    REDIS_URL: 'redis://redis.internal:6379',
    MERCHANT_API_KEYS: 'sk_live_0123456789ab',
    SESSION_SECRET: 'x'.repeat(40),
    PUBLIC_URL: 'https://pay.example',
    GATEWAY_KEYS_FILE: 'k.json',
    BANK_ID: 'b',
    BANK_MERCHANT_ID: 'm',
    BANK_PAYMENT_URL: 'https://bank.example/pay',
    BANK_JWKS_URL: 'https://bank.example/jwks',
    SMTP_URL: 'smtp://mail.internal:587',
    MAIL_FROM: '"Shop payments" <payments@pay.example>',
  };

  it('accepts a complete production configuration', () => {
    expect(problemsOf(PRODUCTION)).to.deep.equal([]);
  });

  it('refuses production without a real MAIL_FROM while emails are sent, naming it; none is needed when no email is sent', () => {
    for (const from of ['', 'payments@localhost', '"Payments" <payments@localhost>']) {
      expect(problemsOf({ ...PRODUCTION, MAIL_FROM: from })).to.deep.equal([
        'MAIL_FROM: required in production while emails are sent (buyer receipts, MERCHANT_EMAIL): an address of your domain, e.g. "Shop payments" <payments@shop.example>, not @localhost',
      ]);
    }
    expect(problemsOf({ ...PRODUCTION, MAIL_FROM: '', BUYER_RECEIPTS: 'off' })).to.deep.equal([]);
  });

  it('defaults MAIL_FROM to localhost in development only; elsewhere to the host of PUBLIC_URL', () => {
    expect(loadConfig({}).notifications.mailFrom).to.equal('"Payments" <payments@localhost>');
    expect(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://pay.shop.example' }).notifications.mailFrom).to.equal('"Payments" <payments@pay.shop.example>');
    expect(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://pay.shop.example', MAIL_FROM: 'a@b.example' }).notifications.mailFrom).to.equal('a@b.example');
  });

  it('reads the merchant time zone (validated with Intl), Reply-To and the shop contact', () => {
    expect(loadConfig({}).merchantTimeZone).to.equal('UTC');
    const config = loadConfig({ MERCHANT_TIME_ZONE: 'Europe/Paris', MAIL_REPLY_TO: 'support@shop.example', SHOP_CONTACT_EMAIL: 'hello@shop.example' });
    expect(config.merchantTimeZone).to.equal('Europe/Paris');
    expect(config.notifications.mailReplyTo).to.equal('support@shop.example');
    expect(config.notifications.shopContactEmail).to.equal('hello@shop.example');
    expect(problemsOf({ MERCHANT_TIME_ZONE: 'Europe/Parys', MAIL_REPLY_TO: 'nobody', SHOP_CONTACT_EMAIL: 'x@' })).to.deep.equal([
      'MAIL_REPLY_TO: MAIL_REPLY_TO must be an email address',
      'SHOP_CONTACT_EMAIL: SHOP_CONTACT_EMAIL must be an email address',
      'MERCHANT_TIME_ZONE: MERCHANT_TIME_ZONE must be a time zone such as Europe/Paris or UTC (an IANA name)',
    ]);
  });

  it('refuses the development API key and every sk_test_ key in production, without printing the key', () => {
    for (const keys of ['sk_test_demo', 'sk_live_0123456789ab,sk_test_0123456789ab']) {
      const problems = problemsOf({ ...PRODUCTION, MERCHANT_API_KEYS: keys });
      expect(problems, keys).to.have.length(1);
      expect(problems[0]).to.match(/^MERCHANT_API_KEYS: sk_test_… keys are test keys/);
      expect(problems[0]).to.not.contain('0123456789ab');
    }
    expect(loadConfig({ MERCHANT_API_KEYS: 'sk_test_0123456789ab' }).apiKeys, 'development keeps them').to.deep.equal(['sk_test_0123456789ab']);
  });

  it('refuses a plain-http PUBLIC_URL in production, behind a TLS proxy too', () => {
    for (const extra of [{}, { TRUST_PROXY: '1' }] as Record<string, string>[]) {
      expect(problemsOf({ ...PRODUCTION, PUBLIC_URL: 'http://pay.example', ...extra })).to.deep.equal(["PUBLIC_URL: must be https in production (behind a TLS-terminating proxy, the proxy's https URL)"]);
    }
    expect(loadConfig({ PUBLIC_URL: 'http://192.0.2.2:4100' }).publicUrl, 'development allows http').to.equal('http://192.0.2.2:4100');
  });

  it('refuses the file mailer in production while any email would be sent; BUYER_RECEIPTS=off without MERCHANT_EMAIL sends none', () => {
    const noSmtp = { ...PRODUCTION, SMTP_URL: '' };
    for (const extra of [{}, { BUYER_RECEIPTS: 'off', MERCHANT_EMAIL: 'orders@shop.example' }, { MERCHANT_EMAIL: 'orders@shop.example' }] as Record<string, string>[]) {
      const problems = problemsOf({ ...noSmtp, ...extra });
      expect(problems, JSON.stringify(extra)).to.have.length(1);
      expect(problems[0]).to.match(/^SMTP_URL: required in production/).and.contain('BUYER_RECEIPTS=off');
    }
    const silent = loadConfig({ ...noSmtp, BUYER_RECEIPTS: 'off' });
    expect(silent.notifications.buyerReceipts).to.equal(false);
    expect(loadConfig(PRODUCTION).notifications.buyerReceipts).to.equal(true);
    expect(problemsOf({ BUYER_RECEIPTS: 'no' })).to.deep.equal(['BUYER_RECEIPTS: BUYER_RECEIPTS must be on or off']);
  });

  it('refuses a half-configured bank and short API keys', () => {
    const text = problemsOf({ BANK_ID: 'b', MERCHANT_API_KEYS: 'short' }).join('\n');
    expect(text).to.contain('BANK_MERCHANT_ID').and.contain('BANK_PAYMENT_URL').and.contain('BANK_JWKS_URL').and.contain('at least 12');
  });

  it('keeps only origins in the return URL allow-list', () => {
    expect(loadConfig({ RETURN_URL_ALLOWLIST: 'https://shop.example/path, http://localhost:3002' }).returnUrlAllowlist).to.deep.equal(['https://shop.example', 'http://localhost:3002']);
    expect(problemsOf({ RETURN_URL_ALLOWLIST: 'shop.example' })[0]).to.contain('RETURN_URL_ALLOWLIST');
  });

  it('reads durations', () => {
    expect(parseDuration('30m')).to.equal(1_800_000);
    expect(parseDuration('90')).to.equal(90_000);
    expect(parseDuration('2h')).to.equal(7_200_000);
    expect(parseDuration('1.5h')).to.equal(null);
  });

  /** Starts the gateway process with only `env` (and PATH); resolves with its exit code and stderr. */
  async function startGatewayProcess(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stderr };
  }

  it('the gateway process exits non-zero with one line per problem in production without Redis', async function () {
    this.timeout(30_000);
    const { code, stderr } = await startGatewayProcess({ ...PRODUCTION, REDIS_URL: '' });
    expect(code).to.equal(1);
    expect(stderr).to.match(/REDIS_URL: required in production/);
    expect(stderr.trim().split('\n')).to.have.length(2);
  });

  it('the gateway process refuses to start in production with the development key, an http PUBLIC_URL and no SMTP server', async function () {
    this.timeout(30_000);
    const { code, stderr } = await startGatewayProcess({ ...PRODUCTION, MERCHANT_API_KEYS: 'sk_test_demo', PUBLIC_URL: 'http://pay.example', SMTP_URL: '' });
    expect(code).to.equal(1);
    const lines = stderr.trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[0]).to.equal('Invalid configuration:');
    expect(lines.slice(1).map((line) => /^ {2}- ([A-Z_]+):/.exec(line)?.[1])).to.deep.equal(['MERCHANT_API_KEYS', 'PUBLIC_URL', 'SMTP_URL']);
  });

  describe('WEB_CONCURRENCY and Redis Sentinel', () => {
    it('runs one process by default and n on Redis; refuses n > 1 on the in-process store', () => {
      expect(loadConfig({}).webConcurrency).to.equal(1);
      expect(loadConfig({ WEB_CONCURRENCY: '4', REDIS_URL: 'redis://127.0.0.1:6379' }).webConcurrency).to.equal(4);
      expect(problemsOf({ WEB_CONCURRENCY: '2' }).join('\n')).to.match(/WEB_CONCURRENCY: more than one process needs Redis/);
      for (const bad of ['0', 'two', '1.5', '65']) expect(problemsOf({ WEB_CONCURRENCY: bad, REDIS_URL: 'redis://127.0.0.1:6379' }).join('\n'), bad).to.match(/WEB_CONCURRENCY must be a whole number/);
      expect(loadConfig({}).shutdownTimeoutMs).to.equal(10_000);
      expect(problemsOf({ SHUTDOWN_TIMEOUT: 'soon' }).join('\n')).to.match(/SHUTDOWN_TIMEOUT/);
    });

    it('reads the sentinels, the master name and the passwords', () => {
      const config = loadConfig({ REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.2:26380,[::1]:26381', REDIS_SENTINEL_MASTER: 'gateway', REDIS_SENTINEL_PASSWORD: 's3cret', REDIS_PASSWORD: 'p4ss', WEB_CONCURRENCY: '2' });
      expect(config.redisUrl).to.equal(undefined);
      expect(config.redisSentinel).to.deep.equal({
        sentinels: [{ host: 'sentinel-a', port: 26379 }, { host: '10.0.0.2', port: 26380 }, { host: '::1', port: 26381 }],
        masterName: 'gateway',
        sentinelPassword: 's3cret',
        password: 'p4ss',
      });
    });

    it('refuses a half or contradictory Sentinel setting, one line each', () => {
      expect(problemsOf({ REDIS_SENTINELS: 'a:26379' }).join('\n')).to.match(/REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS/);
      expect(problemsOf({ REDIS_SENTINEL_MASTER: 'gateway' }).join('\n')).to.match(/REDIS_SENTINEL_MASTER: needs REDIS_SENTINELS/);
      expect(problemsOf({ REDIS_SENTINEL_PASSWORD: 'x' }).join('\n')).to.match(/REDIS_SENTINEL_PASSWORD: needs REDIS_SENTINELS/);
      expect(problemsOf({ REDIS_PASSWORD: 'x', REDIS_URL: 'redis://127.0.0.1:6379' }).join('\n')).to.match(/REDIS_PASSWORD: used with REDIS_SENTINELS only/);
      expect(problemsOf({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'gateway', REDIS_URL: 'redis://127.0.0.1:6379' }).join('\n')).to.match(/REDIS_URL and REDIS_SENTINELS: set one of them/);
      const bad = problemsOf({ REDIS_SENTINELS: 'a:26379,b,c:0,d:99999', REDIS_SENTINEL_MASTER: 'gateway' });
      expect(bad).to.deep.equal(['REDIS_SENTINELS: "b" is not host:port', 'REDIS_SENTINELS: "c:0" is not host:port', 'REDIS_SENTINELS: "d:99999" is not host:port']);
      expect(problemsOf({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'no spaces' }).join('\n')).to.match(/REDIS_SENTINEL_MASTER must be/);
    });

    it('reads REDIS_MIN_REPLICAS_ACK (0 to 10, default 0) and REDIS_REPLICAS_ACK_TIMEOUT (default 500ms)', () => {
      expect(loadConfig({}).redisReplicaAck).to.deep.equal({ replicas: 0, timeoutMs: 500 });
      expect(loadConfig({ REDIS_MIN_REPLICAS_ACK: '1', REDIS_REPLICAS_ACK_TIMEOUT: '2s' }).redisReplicaAck).to.deep.equal({ replicas: 1, timeoutMs: 2000 });
      expect(loadConfig({ REDIS_MIN_REPLICAS_ACK: '10' }).redisReplicaAck.replicas).to.equal(10);
      for (const bad of ['-1', 'one', '1.5', '11']) expect(problemsOf({ REDIS_MIN_REPLICAS_ACK: bad }).join('\n'), bad).to.match(/REDIS_MIN_REPLICAS_ACK must be a whole number of replicas from 0 to 10/);
      for (const bad of ['0', 'soon', '-5ms']) expect(problemsOf({ REDIS_REPLICAS_ACK_TIMEOUT: bad }).join('\n'), bad).to.match(/REDIS_REPLICAS_ACK_TIMEOUT must be a duration/);
    });

    it('reads TLS to the sentinels (REDIS_SENTINEL_TLS) and to the primary they name (REDIS_TLS)', () => {
      const config = loadConfig({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'gateway', REDIS_SENTINEL_TLS: 'true', REDIS_TLS: 'true' });
      expect(config.redisSentinel).to.deep.equal({ sentinels: [{ host: 'a', port: 26379 }], masterName: 'gateway', sentinelTls: true, tls: true });
      expect(loadConfig({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'gateway', REDIS_SENTINEL_TLS: 'false' }).redisSentinel).not.to.have.property('sentinelTls');
      expect(problemsOf({ REDIS_SENTINEL_TLS: 'true' }).join('\n')).to.match(/REDIS_SENTINEL_TLS: needs REDIS_SENTINELS/);
      expect(problemsOf({ REDIS_TLS: 'true', REDIS_URL: 'redis://127.0.0.1:6379' }).join('\n')).to.match(/REDIS_TLS: used with REDIS_SENTINELS or REDIS_CLUSTER_NODES \(with REDIS_URL, TLS is the rediss:\/\/ scheme\)/);
      expect(problemsOf({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'gateway', REDIS_TLS: 'yes' }).join('\n')).to.match(/REDIS_TLS must be true or false/);
    });

    it('reads the Cluster seed nodes (REDIS_CLUSTER_NODES), with REDIS_PASSWORD and REDIS_TLS', () => {
      const config = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001', REDIS_PASSWORD: 'p4ss', REDIS_TLS: 'true', WEB_CONCURRENCY: '2' });
      expect(config.redisUrl).to.equal(undefined);
      expect(config.redisSentinel).to.equal(undefined);
      expect(config.redisCluster).to.deep.equal({ nodes: [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }], password: 'p4ss', tls: true });
      expect(problemsOf({ NODE_ENV: 'production', REDIS_CLUSTER_NODES: 'a:7000' }).join('\n')).not.to.match(/REDIS_URL/);
    });

    it('takes REDIS_MIN_REPLICAS_ACK with REDIS_CLUSTER_NODES (WAIT goes to the primary of the store\'s slot)', () => {
      expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_MIN_REPLICAS_ACK: '1' })).to.deep.equal([]);
      const config = loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_MIN_REPLICAS_ACK: '1', REDIS_REPLICAS_ACK_TIMEOUT: '300ms' });
      expect(config.redisCluster).to.deep.equal({ nodes: [{ host: 'a', port: 7000 }] });
      expect(config.redisReplicaAck).to.deep.equal({ replicas: 1, timeoutMs: 300 });
    });

    it('refuses a contradictory Cluster setting, one line each', () => {
      expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://127.0.0.1:6379' }).join('\n')).to.match(/REDIS_URL and REDIS_CLUSTER_NODES: set one of them/);
      expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'g' }).join('\n')).to.match(/REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them/);
      expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000,b,c:0' })).to.deep.equal(['REDIS_CLUSTER_NODES: "b" is not host:port', 'REDIS_CLUSTER_NODES: "c:0" is not host:port']);
    });

    it('takes Sentinel as the Redis production needs', () => {
      const text = problemsOf({ NODE_ENV: 'production', REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'gateway' }).join('\n');
      expect(text).not.to.match(/REDIS_URL/);
    });
  });
});
