import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import { Redis } from 'ioredis';
import { ChildHandle, freePort, REPO_ROOT, waitForGateway } from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

const run = promisify(execFile);
const API_KEY = 'sk_live_packaging_test_0001';

/** A command in `cwd` with only the basics of this environment (no NODE_OPTIONS, no tsx loader). */
function sh(cwd: string, file: string, args: string[], env: Record<string, string> = {}) {
  return run(file, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 });
}

/**
 * What a merchant does with the package: `npm pack` it, install the tarball in an empty folder without
 * dev dependencies, start it with production settings against a real Redis, and use its exports. No
 * TypeScript tooling is there to help.
 */
describe('packaging: the packed tarball installs without dev dependencies and runs in production', function () {
  this.timeout(300_000);
  let redisUrl: string;
  let work: string;
  let app: string;
  let gateway: ChildHandle | undefined;
  const prefix = randomPrefix();

  before(async function () {
    redisUrl = await requireRedis(this);
    work = await mkdtemp(path.join(tmpdir(), 'hpp-pack-'));
    app = path.join(work, 'app');
    const { stdout } = await sh(REPO_ROOT, 'npm', ['pack', '--silent', '--pack-destination', work]);
    const tarball = path.join(work, stdout.trim().split('\n').pop()!);
    await sh(work, 'mkdir', ['app']);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'a-shop', private: true, type: 'module' }));
    await sh(app, 'npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
  });

  after(async () => {
    await gateway?.kill('SIGKILL');
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the built gateway, its templates, Lua scripts and docs, and nothing of the tests, the sandbox bank or the demo', async () => {
    const installed = path.join(app, 'node_modules', 'hpp-gateway');
    const top = (await readdir(installed)).sort();
    expect(top).to.include.members(['dist', 'views', 'lua', 'docs', 'README.md', 'package.json']);
    expect(top).to.not.include.members(['src', 'test', 'sandbox-bank', 'demo', 'bench', 'scripts']);
    expect(existsSync(path.join(installed, 'dist', 'cli.js'))).to.equal(true);
    expect(existsSync(path.join(installed, 'lua', 'commit-payment.lua'))).to.equal(true);
    expect(existsSync(path.join(installed, 'lua', 'include', 'paging.lua'))).to.equal(true);
    expect(existsSync(path.join(installed, 'docs', 'openapi.yaml'))).to.equal(true);
    expect(existsSync(path.join(app, 'node_modules', 'typescript')), 'no dev dependency installed').to.equal(false);
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).to.equal(false);
  });

  it('hpp-gateway --help and keys --help print their usage and exit 0', async () => {
    const bin = path.join(app, 'node_modules', '.bin', 'hpp-gateway');
    expect((await sh(app, bin, ['--help'])).stdout).to.match(/^usage: hpp-gateway <command>/).and.include('start').and.include('worker').and.include('keys');
    expect((await sh(app, bin, ['keys', '--help'])).stdout).to.match(/^usage: hpp-gateway keys/);
  });

  it('starts with production settings on Redis; a payment is created and read back over the API', async () => {
    const bin = path.join(app, 'node_modules', '.bin', 'hpp-gateway');
    await sh(app, bin, ['keys', '--file=keys/gateway.private.json']);
    const bank = await generateKeyPair('EdDSA', { extractable: true });
    await writeFile(path.join(app, 'bank-jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(bank.publicKey)), kid: 'bank-1', alg: 'EdDSA', use: 'sig' }] }));
    const port = await freePort();
    const child = spawn(bin, ['start'], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: 'https://pay.shop.example',
        MERCHANT_NAME: 'A Shop',
        MERCHANT_API_KEYS: API_KEY,
        SESSION_SECRET: 'a-production-session-secret-of-40-chars!!',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        GATEWAY_KEYS_FILE: 'keys/gateway.private.json',
        BANK_ID: 'bank.example',
        BANK_MERCHANT_ID: 'shop-42',
        BANK_PAYMENT_URL: 'https://bank.example/pay',
        BANK_JWKS_FILE: 'bank-jwks.json',
        RETURN_URL_ALLOWLIST: 'https://shop.example',
        MERCHANT_WEBHOOK_URL: 'https://shop.example/webhooks',
        MERCHANT_WEBHOOK_SECRET: 'whsec_packaging_test_secret',
        BUYER_RECEIPTS: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway = new ChildHandle('packed gateway', child);
    const base = `http://127.0.0.1:${port}`;
    await waitForGateway(gateway, base, 30_000);
    const headers = { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${base}/api/v1/payments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: 2480, currency: 'EUR', reference: 'order-pack-1', returnUrl: 'https://shop.example/orders/1' }),
    });
    const body = (await created.json()) as { id: string; status: string; checkoutUrl: string };
    expect(created.status, JSON.stringify(body)).to.equal(201);
    expect(body.checkoutUrl).to.equal(`https://pay.shop.example/checkout/${body.id}`);
    const read = await fetch(`${base}/api/v1/payments/${body.id}`, { headers });
    expect(read.status).to.equal(200);
    expect(await read.json()).to.include({ id: body.id, status: 'created', amount: 2480, currency: 'EUR', reference: 'order-pack-1' });
    // The API's description ships in docs/ and is served from the installed package, without a key.
    const description = await fetch(`${base}/api/v1/openapi.json`);
    expect(description.status).to.equal(200);
    expect(description.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(((await description.json()) as { openapi: string; paths: object }).paths).to.have.property('/payments/{paymentId}/refunds');
    const redis = new Redis(redisUrl);
    try {
      expect((await redis.keys(`${prefix}*`)).length, 'the payment is in Redis, under the configured prefix').to.be.greaterThan(0);
    } finally {
      await redis.quit();
    }
  });

  it("import('hpp-gateway/verify-webhook') and import('hpp-gateway') resolve in the shop's folder", async () => {
    const script = [
      "const { verifyWebhook, WebhookVerificationError } = await import('hpp-gateway/verify-webhook');",
      "const { createGateway, loadConfig } = await import('hpp-gateway');",
      "console.log([typeof verifyWebhook, typeof WebhookVerificationError, typeof createGateway, typeof loadConfig].join(' '));",
    ].join('\n');
    const { stdout } = await sh(app, process.execPath, ['--input-type=module', '-e', script]);
    expect(stdout.trim()).to.equal('function function function function');
  });
});
