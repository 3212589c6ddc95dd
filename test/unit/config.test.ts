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

  it('the gateway process exits non-zero with one line per problem in production without Redis', async function () {
    this.timeout(30_000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', MERCHANT_API_KEYS: 'sk_live_0123456789ab', SESSION_SECRET: 'x'.repeat(40), PUBLIC_URL: 'https://pay.example', GATEWAY_KEYS_FILE: 'k.json', BANK_ID: 'b', BANK_MERCHANT_ID: 'm', BANK_PAYMENT_URL: 'https://bank.example/pay', BANK_JWKS_URL: 'https://bank.example/jwks' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(1);
    expect(stderr).to.match(/REDIS_URL: required in production/);
    expect(stderr.trim().split('\n')).to.have.length(2);
  });
});
