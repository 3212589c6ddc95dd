import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One server return as the merchant's "interface retour" received it. */
export interface ReceivedServerReturn {
  contentType: string | undefined;
  body: string;
  fields: Record<string, string>;
}

/** An answer to one server return: HTTP status and plain-text body. */
export interface ScriptedAnswer {
  status: number;
  body: string;
}

export const CDR_OK = 'version=2\ncdr=0\n';
export const CDR_NOT_OK = 'version=2\ncdr=1\n';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The merchant's side of Monetico as the sandbox bank sees it, on a real ephemeral port: POST
 * /interface-retour records each server return and answers as scripted (`version=2\ncdr=0\n` with
 * 200 once the script is empty); the return URLs only need to exist as addresses.
 */
export class FakeInterfaceRetour {
  readonly received: ReceivedServerReturn[] = [];
  private scripted: ScriptedAnswer[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<FakeInterfaceRetour> {
    const fake = new FakeInterfaceRetour();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get url(): string {
    return `${this.origin}/interface-retour`;
  }

  answerNextWith(...answers: ScriptedAnswer[]): void {
    this.scripted.push(...answers);
  }

  /** Resolves once at least `count` server returns have arrived in total. */
  waitFor(count: number, timeoutMs = 5000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.received.length} of ${count} server returns arrived`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  reset(): void {
    this.received.length = 0;
    this.scripted = [];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/interface-retour') {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    this.received.push({ contentType: req.headers['content-type'], body, fields: Object.fromEntries(new URLSearchParams(body)) });
    const answer = this.scripted.shift() ?? { status: 200, body: CDR_OK };
    res.writeHead(answer.status, { 'Content-Type': 'text/plain' }).end(answer.body);
    for (const waiter of this.waiters.filter((w) => this.received.length >= w.count)) waiter.resolve();
    this.waiters = this.waiters.filter((w) => this.received.length < w.count);
  }
}
