import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';

/** One notification as the gateway received it. */
export interface ReceivedNotification {
  contentType: string | undefined;
  body: string;
  /** The `response` form field. */
  token: string;
  receivedAt: number;
}

export interface GatewayKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newGatewayKey(): Promise<GatewayKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The gateway's side as the bank sees it, on a real ephemeral port: its JWKS at
 * /.well-known/jwks.json and a notification endpoint at /notify whose answers a test scripts.
 */
export class FakeGateway {
  readonly key: GatewayKey;
  readonly notifications: ReceivedNotification[] = [];
  jwksFetches = 0;
  /** Status codes for the next notifications, in order; 200 `{"status":"accepted"}` once empty. */
  private scripted: number[] = [];
  private readonly server: Server;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(key: GatewayKey) {
    this.key = key;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<FakeGateway> {
    const gateway = new FakeGateway(await newGatewayKey());
    await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
    return gateway;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get jwksUrl(): string {
    return `${this.origin}/.well-known/jwks.json`;
  }

  get notifyUrl(): string {
    return `${this.origin}/notify`;
  }

  get returnUrl(): string {
    return `${this.origin}/return`;
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.key.publicJwk] };
  }

  answerNextNotificationsWith(...statuses: number[]): void {
    this.scripted.push(...statuses);
  }

  /** Resolves once at least `count` notifications have arrived in total. */
  waitForNotifications(count: number, timeoutMs = 5000): Promise<void> {
    if (this.notifications.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.notifications.length} of ${count} notifications arrived`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  reset(): void {
    this.notifications.length = 0;
    this.scripted = [];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      this.jwksFetches++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.jwks()));
      return;
    }
    if (req.method === 'POST' && req.url === '/notify') {
      const body = await readBody(req);
      const token = new URLSearchParams(body).get('response') ?? '';
      this.notifications.push({ contentType: req.headers['content-type'], body, token, receivedAt: Date.now() });
      const status = this.scripted.shift() ?? 200;
      const answer = status === 200 ? { status: 'accepted' } : status === 400 ? { status: 'rejected', reason: 'test_rejection' } : { status: 'retry' };
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
      for (const waiter of this.waiters.filter((w) => this.notifications.length >= w.count)) waiter.resolve();
      this.waiters = this.waiters.filter((w) => this.notifications.length < w.count);
      return;
    }
    res.writeHead(404).end();
  }
}
