import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, importJWK, type CryptoKey, type JWK } from 'jose';
import { NativeConnector } from '../../../src/connectors/native/native-connector.js';
import type { OperationTarget } from '../../../src/connectors/bank-operations.js';
import type { BankOutcome } from '../../../src/core/bank-outcome.js';
import type { Attempt, CaptureMode, Payment } from '../../../src/core/payment.js';
import { generateSigningJwk, GatewayKeystore } from '../../../src/keys/keystore.js';
import { createSandboxBank, type OperationTestBehaviour, type SandboxBank } from '../../../sandbox-bank/app.js';
import { CapturingLogger } from '../../sandbox-bank/support/capturing-logger.js';

export const BANK_ID = 'sandbox-bank';
export const MERCHANT_ID = 'native-ops-merchant';
/** The same gateway keys, registered with test knobs on status queries. */
export const STATUS_TIMEOUT_MERCHANT_ID = 'native-ops-status-timeout';
export const LATE_ANSWER_MS = 900;
/** A connector built to give up a try well before a late answer comes. */
export const SHORT_TIMEOUT_MS = 300;
/** Otherwise generous, so a loaded machine never turns an answer into a timeout. */
const TIMEOUT_MS = 5000;
export const CAPTURE_WINDOW_MS = 7 * 24 * 3_600_000;
const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** What a scripted operations endpoint answers one request with, given the request's token. */
export type ScriptedAnswer = (requestToken: string) => Promise<{ status: number; contentType?: string; body: string }>;

/**
 * The gateway's native connector against the real sandbox bank, every party on a loopback port: the
 * gateway's JWKS and notification endpoint, the bank, and an operations endpoint whose answers a test
 * scripts (for answers the bank would never give). The bank signs with a key the test holds, so a
 * scripted answer can be signed by the bank's own key and still be wrong in one way only.
 */
export class OperationsBench {
  readonly keystore: GatewayKeystore;
  readonly bank: SandboxBank;
  readonly bankLogger = new CapturingLogger();
  readonly bankKey: { kid: string; privateKey: CryptoKey };
  /** The request tokens the scripted endpoint received. */
  readonly scriptedRequests: string[] = [];
  script: ScriptedAnswer = async () => ({ status: 503, body: '' });
  private readonly servers: Server[];
  readonly gatewayUrl: string;
  readonly bankUrl: string;
  readonly scriptedUrl: string;

  private constructor(init: {
    keystore: GatewayKeystore;
    bank: SandboxBank;
    bankLogger: CapturingLogger;
    bankKey: { kid: string; privateKey: CryptoKey };
    servers: Server[];
    gatewayUrl: string;
    bankUrl: string;
    scriptedUrl: string;
  }) {
    this.keystore = init.keystore;
    this.bank = init.bank;
    this.bankLogger = init.bankLogger;
    this.bankKey = init.bankKey;
    this.servers = init.servers;
    this.gatewayUrl = init.gatewayUrl;
    this.bankUrl = init.bankUrl;
    this.scriptedUrl = init.scriptedUrl;
  }

  static async start(): Promise<OperationsBench> {
    const keystore = await GatewayKeystore.ephemeral();
    const gateway = await listen((req, res) => {
      if (req.method === 'GET' && req.url === '/.well-known/jwks.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keystore.publicJwks()));
      void readBody(req).then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}'));
    });
    let bench: OperationsBench | undefined;
    const scripted = await listen((req, res) => {
      void readBody(req).then(async (token) => {
        bench!.scriptedRequests.push(token);
        const answer = await bench!.script(token);
        res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {}).end(answer.body);
      });
    });
    const bankJwk: JWK = await generateSigningJwk('EdDSA');
    const bankLogger = new CapturingLogger();
    const bankServer = createServer();
    await new Promise<void>((resolve) => bankServer.listen(0, '127.0.0.1', resolve));
    const bankUrl = `http://127.0.0.1:${(bankServer.address() as AddressInfo).port}`;
    const jwksUrl = `${gateway.url}/.well-known/jwks.json`;
    const knobs: Partial<Record<'status', OperationTestBehaviour>> = { status: 'timeout_once' };
    const bank = await createSandboxBank({
      bankId: BANK_ID,
      publicUrl: bankUrl,
      merchants: [
        { merchantId: MERCHANT_ID, jwksUrl },
        { merchantId: STATUS_TIMEOUT_MERCHANT_ID, jwksUrl, operations: knobs },
      ],
      signingKeys: [bankJwk],
      notificationRetryDelaysMs: [50],
      logger: bankLogger,
      operationLateAnswerMs: LATE_ANSWER_MS,
      refundSettleMs: 200,
    });
    bankServer.on('request', bank.app);
    bench = new OperationsBench({
      keystore,
      bank,
      bankLogger,
      bankKey: { kid: bankJwk.kid!, privateKey: (await importJWK(bankJwk, 'EdDSA')) as CryptoKey },
      servers: [gateway.server, scripted.server, bankServer],
      gatewayUrl: gateway.url,
      bankUrl,
      scriptedUrl: `${scripted.url}/operations`,
    });
    return bench;
  }

  /** The connector as the native module builds it; `operationsUrl: null` leaves the operations out. */
  connector(options: { merchantId?: string; operationsUrl?: string | null; keystore?: GatewayKeystore; timeoutMs?: number } = {}): NativeConnector {
    const operationsUrl = options.operationsUrl === undefined ? `${this.bankUrl}/operations` : options.operationsUrl;
    return new NativeConnector({
      bankId: BANK_ID,
      merchantId: options.merchantId ?? MERCHANT_ID,
      paymentUrl: `${this.bankUrl}/pay`,
      bankKeys: createLocalJWKSet(this.bank.jwks()),
      keystore: options.keystore ?? this.keystore,
      ...(operationsUrl !== null ? { operations: { operationsUrl, captureWindowMs: CAPTURE_WINDOW_MS, timeoutMs: options.timeoutMs ?? TIMEOUT_MS } } : {}),
    });
  }

  /**
   * A payment paid at the bank's card page over HTTP, as a buyer would: the connector's signed
   * request, the bank's 303 to its card page, the Visa test card, and the bank's browser return,
   * verified by the connector. The attempt carries the bank's id, as the gateway records it.
   */
  async paidPayment(options: { connector?: NativeConnector; amount?: number; capture?: CaptureMode; currency?: string } = {}): Promise<{ target: (operationId: string) => OperationTarget; outcome: BankOutcome; payment: Payment; attempt: Attempt; requestToken: string }> {
    const connector = options.connector ?? this.connector();
    const now = new Date().toISOString();
    const attempt: Attempt = { ref: randomBytes(12).toString('hex').toUpperCase(), connector: 'native', status: 'pending', createdAt: now, updatedAt: now };
    const payment: Payment = {
      id: `pay_${randomBytes(8).toString('hex')}`,
      version: 2,
      status: 'pending',
      amount: options.amount ?? 5000,
      currency: options.currency ?? 'EUR',
      reference: `order-${randomBytes(4).toString('hex')}`,
      description: 'A T-shirt',
      customer: null,
      returnUrl: null,
      metadata: {},
      connector: 'native',
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      attempts: [attempt],
      anomalies: [],
      ...(options.capture ? { capture: options.capture } : {}),
    };
    const form = await connector.buildRequest({ payment, attempt, locale: 'en', returnUrl: `${this.gatewayUrl}/return`, notifyUrl: `${this.gatewayUrl}/notify` });
    const opened = await fetch(form.url, { method: 'POST', body: new URLSearchParams(form.fields), redirect: 'manual' });
    if (opened.status !== 303) throw new Error(`the bank refused the request: ${opened.status} ${await opened.text()}`);
    const cardPage = opened.headers.get('location')!;
    const decided = await fetch(cardPage, {
      method: 'POST',
      body: new URLSearchParams({ cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa', action: 'pay' }),
    });
    const page = await decided.text();
    const token = /name="response" value="([^"]+)"/.exec(page)?.[1];
    if (!token) throw new Error(`no return form on the bank's page (${decided.status})`);
    const verified = await connector.verifyReturn({ method: 'POST', fields: { response: token }, rawBody: Buffer.from(`response=${token}`), headers: {} });
    const paidAttempt: Attempt = { ...attempt, status: 'authorised', bankTransactionId: verified.outcome.bankTransactionId! };
    const paid: Payment = { ...payment, attempts: [paidAttempt] };
    return {
      outcome: verified.outcome,
      payment: paid,
      attempt: paidAttempt,
      requestToken: form.fields.request!,
      target: (operationId) => ({ payment: paid, attempt: paidAttempt, operationId }),
    };
  }

  bankSide(bankTxnId: string) {
    const found = this.bank.transactions().find((t) => t.bankTxnId === bankTxnId);
    if (!found) throw new Error(`the bank has no transaction ${bankTxnId}`);
    return found;
  }

  async close(): Promise<void> {
    await this.bank.close();
    for (const server of this.servers) await close(server);
  }
}

let opCounter = 0;
/** A fresh operation id, of the shape the gateway gives. */
export function newOperationId(): string {
  opCounter += 1;
  return `op_${randomBytes(6).toString('hex')}_${opCounter}`;
}
