import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startDemo, type Demo } from '../../../demo/start-demo.js';
import { loadConfig } from '../../../src/config.js';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { createLogger } from '../../../src/logger.js';
import { LogCapture } from '../../support/stack.js';

describe('the demo\'s native connector reaches the sandbox bank\'s operations API (docs/protocol.md, section 11)', function () {
  this.timeout(30_000);
  let demo: Demo;
  let mailDir: string;

  before(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-demo-ops-mail-'));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', MAIL_OUTBOX_DIR: mailDir });
    demo = await startDemo(config, createLogger('info', new LogCapture()), { host: '127.0.0.1', bankPort: 0, shopPort: 0 });
  });
  after(async () => {
    await demo?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('offers capture, void, refund and status, and a signed status query round-trips through the bank', async () => {
    const operations = demo.gateway.gateway.connectors.get('native').operations;
    expect(operations?.capabilities).to.include({ manualCapture: true, captureWindowMs: 7 * 24 * 3_600_000, capture: true, void: true, refund: true, status: true });
    const now = new Date().toISOString();
    const attempt: Attempt = { ref: 'DEMONEVERSENT1', connector: 'native', status: 'pending', createdAt: now, updatedAt: now };
    // The bank verified our signature with the demo gateway's JWKS and we verified its signed "unknown_transaction".
    expect(await operations!.status!({ payment: { attempts: [attempt] } as unknown as Payment, attempt })).to.equal(null);
  });
});
