import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startDemo } from '../../demo/start-demo.js';
import { ProcessGroup } from '../support/processes.js';
import { LogCapture } from '../support/stack.js';

async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A port taken by another program is told by the setting that chose it, for every port of the demo and the gateway. */
describe('a busy port names the setting to change', function () {
  this.timeout(30_000);
  let occupied: { server: Server; port: number };
  let mailDir: string;
  const processes = new ProcessGroup();

  beforeEach(async () => {
    occupied = await occupyPort();
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-busy-port-mail-'));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(processes.describe());
    await processes.killAll();
    await new Promise((done) => occupied.server.close(done));
    await rm(mailDir, { recursive: true, force: true });
  });

  for (const setting of ['PORT', 'SANDBOX_BANK_PORT', 'DEMO_SHOP_PORT'] as const) {
    it(`the demo: ${setting}=… is in use`, async () => {
      const port = occupied.port;
      const config = loadConfig({ NODE_ENV: 'test', PORT: setting === 'PORT' ? String(port) : '0', LOG_LEVEL: 'silent', MAIL_OUTBOX_DIR: mailDir });
      const options = { host: '127.0.0.1', bankPort: setting === 'SANDBOX_BANK_PORT' ? port : 0, shopPort: setting === 'DEMO_SHOP_PORT' ? port : 0 };
      const error = await startDemo(config, createLogger('silent', new LogCapture()), options).then(
        () => null,
        (err: Error) => err,
      );
      expect(error?.message).to.equal(`${setting}=${port} is in use: another program listens on it; stop it or set ${setting} to a free port`);
    });
  }

  it('the gateway alone (`npm start` with a bank configured): PORT=… is in use, exit code 1', async () => {
    const gateway = processes.start('gateway', 'src/main.ts', {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(occupied.port),
      LOG_LEVEL: 'warn',
      MAIL_OUTBOX_DIR: mailDir,
      BANK_ID: 'bank',
      BANK_MERCHANT_ID: 'merchant',
      BANK_PAYMENT_URL: 'http://127.0.0.1:9/pay',
      BANK_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    });
    const { code } = await gateway.exited;
    expect(code).to.equal(1);
    expect(gateway.err).to.contain(`the gateway could not start: PORT=${occupied.port} is in use: another program listens on it; stop it or set PORT to a free port`);
  });

  it('the demo process (`npm start`): DEMO_SHOP_PORT=… is in use, exit code 1', async () => {
    const demo = processes.start('demo', 'src/main.ts', { NODE_ENV: 'development', PORT: '0', SANDBOX_BANK_PORT: '0', DEMO_SHOP_PORT: String(occupied.port), LOG_LEVEL: 'warn', MAIL_OUTBOX_DIR: mailDir });
    const { code } = await demo.exited;
    expect(code).to.equal(1);
    expect(demo.err).to.contain(`the gateway could not start: DEMO_SHOP_PORT=${occupied.port} is in use`);
  });
});
