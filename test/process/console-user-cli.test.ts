import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { verifyPassword } from '../../src/service/console/password-hash.js';
import { RedisConsoleUserStore } from '../../src/store/redis-console-user-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `hpp-gateway console-user …` as a real process (through the package's command), with `stdin` piped in. */
function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'console-user', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('hpp-gateway console-user (a real process, password on standard input)', function () {
  // Each run starts node with tsx (seconds each on a loaded machine); the second test runs four.
  this.timeout(180_000);
  let redis: Redis;
  let env: Record<string, string>;
  let users: RedisConsoleUserStore;

  beforeEach(async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    redis = new Redis(url);
    users = new RedisConsoleUserStore(redis, prefix);
    env = { REDIS_URL: url, REDIS_PREFIX: prefix };
  });
  afterEach(() => redis.quit());

  it('adds, lists, resets the password of and removes a user on the gateway\'s Redis; never prints the password', async () => {
    const added = await cli(['add', 'Ops@Shop.example', '--role', 'operator'], env, 'a long first password\n');
    expect(added.stderr).to.equal('');
    expect(added.code).to.equal(0);
    expect(added.stdout).to.equal('added ops@shop.example (operator)\n');
    const stored = (await users.get('ops@shop.example'))!;
    expect(stored.role).to.equal('operator');
    expect(await verifyPassword('a long first password', stored.passwordHash)).to.equal(true);

    const listed = await cli(['list'], env);
    expect(listed.stdout).to.match(/^ops@shop\.example\toperator\tpassword only\t\d{4}-/);

    const reset = await cli(['reset-password', 'ops@shop.example'], env, 'a long second password\r\n');
    expect(reset.code).to.equal(0);
    const after = (await users.get('ops@shop.example'))!;
    expect(await verifyPassword('a long second password', after.passwordHash)).to.equal(true);
    expect(after.sessionGeneration).to.equal(stored.sessionGeneration + 1);

    const removed = await cli(['remove', 'ops@shop.example'], env);
    expect(removed.code).to.equal(0);
    expect(await users.get('ops@shop.example')).to.equal(null);
    for (const run of [added, listed, reset, removed]) expect(run.stdout + run.stderr).to.not.contain('password\n').and.not.contain('a long');
  });

  it('refuses a short password, a duplicate, an unknown role and a missing Redis with a clear message and a non-zero exit', async () => {
    const short = await cli(['add', 'a@shop.example', '--role', 'viewer'], env, 'short\n');
    expect(short.code).to.equal(1);
    expect(short.stderr).to.contain('The password must be at least 12 characters long.');
    expect(await users.get('a@shop.example')).to.equal(null);

    expect((await cli(['add', 'a@shop.example', '--role', 'viewer'], env, 'a long enough password\n')).code).to.equal(0);
    const twice = await cli(['add', 'a@shop.example', '--role', 'admin'], env, 'a long enough password\n');
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.contain('A console user a@shop.example already exists.');

    const role = await cli(['add', 'b@shop.example', '--role', 'owner'], env, 'a long enough password\n');
    expect(role.code).to.equal(1);
    expect(role.stderr).to.contain('--role viewer|operator|admin');

    const memory = await cli(['list'], {});
    expect(memory.code).to.equal(1);
    expect(memory.stderr).to.contain('set REDIS_URL');
  });
});
