import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/processes.js';
import { shellBlocks, type ShellBlock } from './readme-blocks.js';

const README = path.join(REPO_ROOT, 'README.md');

/** Ports nobody listens on now, for the demo's three listeners. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const server = createServer();
      server.listen(0, () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

function basicEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return env;
}

/** Runs a README block as pasted into bash (stopping at the first failing command). */
function runBlock(block: ShellBlock, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', block.code], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The README's shell blocks are run as pasted, against the demo started the README's way (`npm start`),
 * so the README cannot drift from what the code does. Each `sh` block is marked `run` or `skip (why)`:
 * a new block without a mark fails here, so none is left untested unnoticed. The shell is given the
 * demo's ports as PORT and DEMO_SHOP_PORT, the settings the README's examples read.
 */
describe('README: every shell snippet runs as pasted', function () {
  this.timeout(120_000);
  const blocks = shellBlocks(README);
  let demo: ChildProcess | undefined;
  let demoOutput = '';
  let mailDir: string;
  let env: Record<string, string>;
  let gatewayPort: number;
  let shopPort: number;

  before(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-readme-mail-'));
    const [gw, bank, shop] = await freePorts(3);
    gatewayPort = gw!;
    shopPort = shop!;
    env = { ...basicEnv(), PORT: String(gw), SANDBOX_BANK_PORT: String(bank), DEMO_SHOP_PORT: String(shop) };
    // detached: npm, its shell and node form one process group, stopped together in after().
    demo = spawn('npm', ['start'], { cwd: REPO_ROOT, env: { ...env, NODE_ENV: 'development', LOG_LEVEL: 'warn', MAIL_OUTBOX_DIR: mailDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    demo.stdout!.on('data', (c: Buffer) => (demoOutput += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (demoOutput += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!demoOutput.includes('Demo shop:')) {
      if (demo.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not start the demo:\n${demoOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (demo?.pid !== undefined && demo.exitCode === null) {
      const exited = new Promise((r) => demo!.once('exit', r));
      process.kill(-demo.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (demo.exitCode === null) process.kill(-demo.pid, 'SIGKILL');
    }
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('marks every shell block of the README run or skip (with the reason)', () => {
    expect(blocks.length).to.be.greaterThan(0);
    for (const block of blocks) {
      expect(block.mark.kind, `README.md:${block.line} has no <!-- readme-test: run --> or <!-- readme-test: skip (why) --> above it`).not.to.equal('unmarked');
      if (block.mark.kind === 'skip') expect(block.mark.reason, `README.md:${block.line}: say why it is skipped`).to.have.length.greaterThan(10);
    }
    expect(blocks.filter((b) => b.mark.kind === 'run').map((b) => b.code).join('\n')).to.contain('curl').and.contain('npm run keys -- --help');
  });

  it('npm start prints the demo shop at DEMO_SHOP_PORT', () => {
    expect(demoOutput).to.contain(`Demo shop:     http://localhost:${shopPort}`);
    expect(demoOutput).to.contain(`Gateway:       http://localhost:${gatewayPort}`);
  });

  for (const block of blocks.filter((b) => b.mark.kind === 'run')) {
    it(`README.md:${block.line}: ${block.code.split('\n')[0]!.slice(0, 60)}`, async () => {
      const { code, stdout, stderr } = await runBlock(block, env);
      expect(code, `exit code of README.md:${block.line}\nstdout:\n${stdout}\nstderr:\n${stderr}\ndemo:\n${demoOutput.slice(-3000)}`).to.equal(0);
      if (block.code.includes('curl') && block.code.includes('/api/v1/payments')) {
        const payment = JSON.parse(stdout) as { id: string; checkoutUrl: string; returnUrl: string; reference: string };
        expect(payment.id).to.match(/^pay_/);
        expect(payment.checkoutUrl).to.equal(`http://localhost:${gatewayPort}/checkout/${payment.id}`);
        expect(payment.returnUrl).to.equal(`http://localhost:${shopPort}/orders/order-1042`);
      }
      if (block.code.includes('--help')) expect(stdout).to.match(/^usage: hpp-gateway keys/m);
    });
  }
});
