import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import request from 'supertest';
import { createSandboxBank, type SandboxBank, type OperationTestBehaviour } from '../../../sandbox-bank/app.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { FakeGateway } from '../support/fake-gateway.js';
import { newRef } from '../support/payment-request-token.js';

/**
 * The merchant's side of the native operations API, written from docs/protocol.md with jose alone:
 * the typ values, claim names and checks are spelt out here rather than imported from the shared
 * protocol file, so a drift in that file fails these tests instead of moving with them.
 */

export const BANK_ID = 'sandbox-bank';
export const MERCHANT_ID = 'merchant-42';
/** A second merchant on the same keys, with every test knob the bank offers. */
export const KNOB_MERCHANT_ID = 'merchant-knobs';
export const LATE_ANSWER_MS = 400;
export const REFUND_SETTLE_MS = 1000;
export const CAPTURE_WINDOW_SECONDS = 7 * 24 * 3600;
export const KNOBS: Partial<Record<'capture' | 'cancel' | 'refund' | 'status', OperationTestBehaviour>> = {
  capture: 'unsupported',
  cancel: 'decline',
  refund: 'timeout_once',
  status: 'late',
};

export interface Answer {
  httpStatus: number;
  contentType: string;
  /** The verified claims of a signed answer. */
  claims?: JWTPayload & Record<string, any>;
  /** The parsed body of an unsigned refusal. */
  refusal?: { error: string; field?: string };
  raw: string;
}

export interface OperationTokenInput {
  iss?: string;
  aud?: string;
  typ?: string;
  iat?: number;
  exp?: number;
  jti?: string;
  alg?: string;
}

export class OperationsBench {
  readonly gateway: FakeGateway;
  readonly bank: SandboxBank;
  readonly logger: CapturingLogger;
  /** Added to the real time on the bank's clock and in the tokens: moves both past a capture window. */
  clockOffsetMs = 0;
  private readonly server: Server;

  private constructor(gateway: FakeGateway, bank: SandboxBank, logger: CapturingLogger, server: Server) {
    this.gateway = gateway;
    this.bank = bank;
    this.logger = logger;
    this.server = server;
  }

  static async start(): Promise<OperationsBench> {
    const gateway = await FakeGateway.start();
    const logger = new CapturingLogger();
    let bench: OperationsBench | undefined;
    const bank = await createSandboxBank({
      bankId: BANK_ID,
      publicUrl: 'http://bank.test',
      merchants: [
        { merchantId: MERCHANT_ID, jwksUrl: gateway.jwksUrl },
        { merchantId: KNOB_MERCHANT_ID, jwksUrl: gateway.jwksUrl, operations: KNOBS },
      ],
      notificationRetryDelaysMs: [50],
      logger,
      clock: () => new Date(Date.now() + (bench?.clockOffsetMs ?? 0)),
      operationLateAnswerMs: LATE_ANSWER_MS,
      refundSettleMs: REFUND_SETTLE_MS,
    });
    const server = bank.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    bench = new OperationsBench(gateway, bank, logger, server);
    return bench;
  }

  get operationsUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/operations`;
  }

  nowSeconds(): number {
    return Math.floor((Date.now() + this.clockOffsetMs) / 1000);
  }

  /** Signs an operation request the way docs/protocol.md section 11 describes it. */
  async sign(op: Record<string, unknown>, input: OperationTokenInput = {}): Promise<{ token: string; jti: string }> {
    const iat = input.iat ?? this.nowSeconds();
    const jti = input.jti ?? randomUUID();
    const token = await new SignJWT({ op })
      .setProtectedHeader({ alg: input.alg ?? 'EdDSA', kid: this.gateway.key.kid, typ: input.typ ?? 'hpp-op+jwt' })
      .setIssuer(input.iss ?? MERCHANT_ID)
      .setAudience(input.aud ?? BANK_ID)
      .setIssuedAt(iat)
      .setExpirationTime(input.exp ?? iat + 120)
      .setJti(jti)
      .sign(this.gateway.key.privateKey);
    return { token, jti };
  }

  /** POSTs a body to /operations over real HTTP and reads the answer, verifying a signed one. */
  async post(body: string, options: { contentType?: string; timeoutMs?: number; expectReplyTo?: string; merchantId?: string } = {}): Promise<Answer> {
    const res = await fetch(this.operationsUrl, {
      method: 'POST',
      headers: { 'Content-Type': options.contentType ?? 'application/jwt' },
      body,
      ...(options.timeoutMs !== undefined ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
    });
    const raw = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const answer: Answer = { httpStatus: res.status, contentType, raw };
    if (contentType.startsWith('application/jwt')) {
      const { payload } = await jwtVerify(raw, createLocalJWKSet(this.bank.jwks()), {
        algorithms: ['EdDSA', 'ES256', 'PS256'],
        typ: 'hpp-opres+jwt',
        issuer: BANK_ID,
        audience: options.merchantId ?? MERCHANT_ID,
        requiredClaims: ['iat', 'exp', 'jti', 'in_reply_to'],
        currentDate: new Date(Date.now() + this.clockOffsetMs),
      });
      if (payload.exp! - payload.iat! !== 300) throw new Error('an answer lives 300 s');
      if (options.expectReplyTo !== undefined && payload.in_reply_to !== options.expectReplyTo) throw new Error('answer to another request');
      answer.claims = payload as Answer['claims'];
    } else if (contentType.startsWith('application/json')) {
      answer.refusal = JSON.parse(raw);
    }
    return answer;
  }

  /** Signs and sends one operation; the answer must be in reply to this very token. */
  async operate(op: Record<string, unknown>, input: OperationTokenInput & { timeoutMs?: number } = {}): Promise<Answer> {
    const { token, jti } = await this.sign(op, input);
    return this.post(token, { expectReplyTo: jti, ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}), ...(input.iss ? { merchantId: input.iss } : {}) });
  }

  /** Opens a transaction by a signed payment request; `pay` also authorises it with the Visa test card. */
  async transaction(options: { amount?: number; currency?: string; capture?: 'manual'; merchantId?: string; pay?: boolean } = {}) {
    const iat = this.nowSeconds();
    const txn = { ref: newRef(), amount: options.amount ?? 2480, currency: options.currency ?? 'EUR', description: 'Order 1042', locale: 'en' };
    const token = await new SignJWT({
      txn,
      return_url: this.gateway.returnUrl,
      notify_url: this.gateway.notifyUrl,
      ...(options.capture ? { capture: options.capture } : {}),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.gateway.key.kid, typ: 'hpp-req+jwt' })
      .setIssuer(options.merchantId ?? MERCHANT_ID)
      .setAudience(BANK_ID)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .setJti(randomUUID())
      .sign(this.gateway.key.privateKey);
    const opened = await request(this.bank.app).post('/pay').type('form').send({ request: token }).expect(303);
    const cardPagePath = new URL(opened.headers.location as string).pathname;
    const bankTxnId = cardPagePath.split('/').pop()!;
    let notification: JWTPayload | undefined;
    if (options.pay !== false) {
      const before = this.gateway.notifications.length;
      await request(this.bank.app)
        .post(cardPagePath)
        .type('form')
        .send({ cardNumber: '4242 4242 4242 4242', expiry: '12/39', cvc: '737', cardType: 'visa', action: 'pay' })
        .expect(200);
      await this.gateway.waitForNotifications(before + 1);
      notification = decodeJwt(this.gateway.notifications[before]!.token);
    }
    return { bankTxnId, ref: txn.ref, amount: txn.amount, currency: txn.currency, notification };
  }

  bankSide(bankTxnId: string) {
    return this.bank.transactions().find((t) => t.bankTxnId === bankTxnId)!;
  }

  backOffice() {
    return request(this.bank.app).get('/back-office');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await this.bank.close();
    await this.gateway.close();
  }
}

let opCounter = 0;
/** A fresh op_id, as a merchant would choose one. */
export function newOpId(): string {
  opCounter += 1;
  return `op_${Date.now().toString(36)}_${opCounter}`;
}
