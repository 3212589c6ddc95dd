import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { freePort } from './free-port.js';

/**
 * One throw-away redis-server for the whole mocha run: started on first use on a free port, with
 * persistence off, and stopped by the root hook in hooks.ts (or, failing that, when the process exits).
 * Tests isolate themselves with a random key prefix rather than flushing a shared database.
 */

const BINARY = 'redis-server';
const READY_TIMEOUT_MS = 10_000;

let server: ChildProcess | null = null;
let starting: Promise<string | null> | null = null;
let noticeShown = false;

/** The URL of the test server, or null when redis-server is not installed. Starts it once. */
export function redisUrl(): Promise<string | null> {
  starting ??= start();
  return starting;
}

/**
 * For tests that need Redis. Without redis-server a CI run fails (a silent skip there would hide
 * the whole Redis suite); a local run skips with a notice.
 */
export async function requireRedis(ctx: Mocha.Context): Promise<string> {
  const url = await redisUrl();
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error(`${BINARY} is not installed, and CI=true: the Redis tests must run in CI. Install redis-server (apt-get install redis-server).`);
  }
  if (!noticeShown) {
    noticeShown = true;
    console.warn(`\n  !!! ${BINARY} not found on PATH: SKIPPING every Redis test. Install it to run them. !!!\n`);
  }
  return ctx.skip();
}

/** A fresh key prefix, so tests sharing the server never see each other's keys. */
export function randomPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

export async function stopRedis(): Promise<void> {
  const child = server;
  server = null;
  starting = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function start(): Promise<string | null> {
  // The port is free when we ask, but another process may take it before redis binds: retry.
  for (let tries = 0; tries < 3; tries += 1) {
    const port = await freePort();
    const child = spawn(BINARY, ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
      cwd: tmpdir(),
      stdio: 'ignore',
    });
    const spawned = await new Promise<boolean>((resolve, reject) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
    });
    if (!spawned) return null;
    server = child;
    process.once('exit', () => child.kill('SIGKILL'));
    if (await answersPing(port, child)) return `redis://127.0.0.1:${port}`;
    await stopRedis();
  }
  throw new Error(`${BINARY} did not answer PING after 3 starts`);
}

/**
 * Keeps the last lines a redis-server (or redis-sentinel) started with piped output prints, read as
 * it goes so the pipe never fills: the error when it does not come up can say why (a port taken, a
 * bad option).
 */
export function keepOutput(child: ChildProcess): () => string {
  let said = '';
  const keep = (chunk: Buffer) => void (said = (said + chunk.toString('utf8')).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => said.trim().split('\n').slice(-5).join(' | ');
}

/** Polls with a raw PING until the server answers, dies, or the timeout passes. */
export async function answersPing(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    if (await ping(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
