import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JSONWebKeySet, JWK } from 'jose';
import { generateSigningJwk } from '../../src/keys/keystore.js';
import { BANK_ID, BANK_PAY_URL, FakeBank, MERCHANT_ID } from '../connectors/native/fake-bank.js';

/**
 * Gateways and delivery workers as real operating-system processes (node + tsx on src/main.ts or
 * src/worker.ts), for tests about crashes and about several instances sharing one Redis. Everything
 * here is bounded in time and listens on loopback only.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const OUTPUT_LIMIT = 200_000;

/** One spawned process, with its output kept for diagnostics. */
export class ChildHandle {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stdout = '';
  private stderr = '';

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.stdout = (this.stdout + chunk).slice(-OUTPUT_LIMIT);
    });
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-OUTPUT_LIMIT);
    });
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Standard output so far (JSON log lines for the gateway and the worker). */
  get out(): string {
    return this.stdout;
  }

  get err(): string {
    return this.stderr;
  }

  describe(): string {
    const status = this.running ? 'running' : `exited (code ${this.child.exitCode}, signal ${this.child.signalCode})`;
    return `--- ${this.name} (pid ${this.pid}, ${status}) ---\nstdout:\n${this.stdout.slice(-6000) || '(none)'}\nstderr:\n${this.stderr.slice(-6000) || '(none)'}`;
  }

  /** Sends the signal and waits (bounded) for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const gone = await Promise.race([this.exited.then(() => true), delay(timeoutMs).then(() => false)]);
    if (!gone && this.running) {
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, delay(timeoutMs)]);
    }
  }
}

/** Every process a test starts, so afterEach can kill them all and print their output on failure. */
export class ProcessGroup {
  readonly handles: ChildHandle[] = [];

  /**
   * Starts `node --import tsx <script>` in the repository, with exactly `env` (plus PATH and the
   * temp dir variables, nothing else inherited: no NODE_OPTIONS, no stray REDIS_URL).
   */
  start(name: string, script: string, env: Record<string, string>): ChildHandle {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: { ...inheritedBasics(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const handle = new ChildHandle(name, child);
    this.handles.push(handle);
    return handle;
  }

  describe(): string {
    return this.handles.map((h) => h.describe()).join('\n');
  }

  async killAll(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.kill('SIGKILL')));
    this.handles.length = 0;
  }
}

function inheritedBasics(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` until it returns something other than undefined/false, or throws after `timeoutMs`
 * with `what` and the last error seen. `abortIf` ends the wait early (a child that died).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | null },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abort = options.abortIf?.();
    if (abort) throw new Error(`${what}: gave up, ${abort}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not within ${options.timeoutMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await delay(options.intervalMs ?? 50);
  }
}

export { freePort } from './free-port.js';

/** Waits until the gateway answers its JWKS, failing at once if the process has exited. */
export async function waitForGateway(handle: ChildHandle, baseUrl: string, timeoutMs = 20_000): Promise<JSONWebKeySet> {
  return waitFor(
    `${handle.name} answering ${baseUrl}/.well-known/jwks.json`,
    async () => {
      const res = await fetch(`${baseUrl}/.well-known/jwks.json`, { signal: AbortSignal.timeout(1000) });
      if (res.status !== 200) return undefined;
      return (await res.json()) as JSONWebKeySet;
    },
    { timeoutMs, intervalMs: 100, abortIf: () => (handle.running ? null : `${handle.name} exited\n${handle.describe()}`) },
  );
}

/** Waits until a JSON log line on the child's stdout has this `msg`. */
export async function waitForLog(handle: ChildHandle, msg: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(`${handle.name} logging "${msg}"`, () => logLines(handle).some((l) => l.msg === msg), {
    timeoutMs,
    intervalMs: 100,
    abortIf: () => (handle.running ? null : `${handle.name} exited\n${handle.describe()}`),
  });
}

/** The child's stdout read as pino JSON lines (other lines skipped). */
export function logLines(handle: ChildHandle): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const line of handle.out.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the output limit
    }
  }
  return lines;
}

/** Files a gateway or worker process reads at start: its signing keys, the bank's public keys, a mail folder. */
export interface GatewayFiles {
  dir: string;
  keysFile: string;
  bankJwksFile: string;
  mailDir: string;
  bank: FakeBank;
  /** The public half of the gateway keys, as the JWKS endpoint serves it. */
  gatewayPublicJwks: JSONWebKeySet;
  remove(): Promise<void>;
}

export async function gatewayFiles(): Promise<GatewayFiles> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hpp-process-'));
  const signing = await generateSigningJwk('EdDSA');
  const keysFile = path.join(dir, 'gateway-keys.json');
  await writeFile(keysFile, JSON.stringify({ keys: [signing] }), { mode: 0o600 });
  const bank = await FakeBank.create();
  const bankJwksFile = path.join(dir, 'bank-jwks.json');
  await writeFile(bankJwksFile, JSON.stringify({ keys: [bank.key.publicJwk] }));
  const { d: _private, ...publicJwk } = signing as JWK & { d?: string };
  return {
    dir,
    keysFile,
    bankJwksFile,
    mailDir: path.join(dir, 'mail'),
    bank,
    gatewayPublicJwks: { keys: [publicJwk] },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export const PROCESS_API_KEY = 'sk_test_process_key_0001';
export const PROCESS_WEBHOOK_SECRET = 'whsec_process_test_secret_0001';

/** The environment of a gateway process on the test Redis, with the fake bank behind it. */
export function gatewayEnv(options: {
  port: number;
  redisUrl: string;
  prefix: string;
  files: GatewayFiles;
  webhookUrl: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: String(options.port),
    PUBLIC_URL: `http://127.0.0.1:${options.port}`,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    GATEWAY_KEYS_FILE: options.files.keysFile,
    BANK_ID,
    BANK_MERCHANT_ID: MERCHANT_ID,
    BANK_PAYMENT_URL: BANK_PAY_URL,
    BANK_JWKS_FILE: options.files.bankJwksFile,
    MERCHANT_API_KEYS: PROCESS_API_KEY,
    MERCHANT_WEBHOOK_URL: options.webhookUrl,
    MERCHANT_WEBHOOK_SECRET: PROCESS_WEBHOOK_SECRET,
    MAIL_OUTBOX_DIR: options.files.mailDir,
    LOG_LEVEL: 'warn',
    ...options.extra,
  };
}

/** A webhook request as the receiver got it: raw body bytes and headers. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  receivedAt: number;
}

/** An HTTP server on 127.0.0.1 with a port of its own; close() also drops open connections. */
export interface LocalServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function listenLocal(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => resolve(Buffer.concat(chunks)));
  });
}

/** A JSON request to a gateway process, bounded in time. */
export async function apiRequest(baseUrl: string, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${baseUrl}${urlPath}`, {
    method,
    headers: { Authorization: `Bearer ${PROCESS_API_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}
