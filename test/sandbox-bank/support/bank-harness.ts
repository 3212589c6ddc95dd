import { expect } from 'chai';
import request from 'supertest';
import { createSandboxBank, type SandboxBank } from '../../../sandbox-bank/app.js';
import type { RequestTransaction } from '../../../src/protocols/native.js';
import { CapturingLogger } from './capturing-logger.js';
import { FakeGateway } from './fake-gateway.js';
import { signPaymentRequest, type RequestTokenInput } from './payment-request-token.js';

export const BANK_ID = 'sandbox-bank';
export const MERCHANT_ID = 'merchant-42';
export const BANK_PUBLIC_URL = 'http://bank.test';

export interface OpenedTransaction {
  bankTxnId: string;
  /** `/pay/<bankTxnId>` on the bank. */
  cardPagePath: string;
  txn: RequestTransaction;
}

/** A sandbox bank wired to a fake gateway on a real port, with a logger the test can read. */
export class BankHarness {
  readonly gateway: FakeGateway;
  readonly bank: SandboxBank;
  readonly logger: CapturingLogger;

  private constructor(gateway: FakeGateway, bank: SandboxBank, logger: CapturingLogger) {
    this.gateway = gateway;
    this.bank = bank;
    this.logger = logger;
  }

  static async start(options: { retryDelaysMs?: number[] } = {}): Promise<BankHarness> {
    const gateway = await FakeGateway.start();
    const logger = new CapturingLogger();
    const bank = await createSandboxBank({
      bankId: BANK_ID,
      publicUrl: BANK_PUBLIC_URL,
      merchants: [{ merchantId: MERCHANT_ID, jwksUrl: gateway.jwksUrl, displayName: 'Demo Shop' }],
      notificationRetryDelaysMs: options.retryDelaysMs ?? [50, 50, 50],
      logger,
    });
    return new BankHarness(gateway, bank, logger);
  }

  /** A request signed by the registered gateway key, valid unless the test overrides something. */
  signRequest(overrides: Partial<RequestTokenInput> = {}) {
    return signPaymentRequest({
      key: this.gateway.key.privateKey,
      kid: this.gateway.key.kid,
      iss: MERCHANT_ID,
      aud: BANK_ID,
      returnUrl: this.gateway.returnUrl,
      notifyUrl: this.gateway.notifyUrl,
      ...overrides,
    });
  }

  postRequest(token: string) {
    return request(this.bank.app).post('/pay').type('form').send({ request: token });
  }

  /** Sends a valid request and follows the bank to its card page. */
  async openTransaction(txn: Partial<RequestTransaction> = {}): Promise<OpenedTransaction> {
    const signed = await this.signRequest({ txn });
    const res = await this.postRequest(signed.token).expect(303);
    const location = new URL(res.headers.location as string);
    expect(location.origin).to.equal(BANK_PUBLIC_URL);
    const match = /^\/pay\/([A-Za-z0-9]+)$/.exec(location.pathname);
    expect(match, 'card page path').to.not.equal(null);
    return { bankTxnId: match![1]!, cardPagePath: location.pathname, txn: signed.txn };
  }

  submitCard(path: string, fields: Record<string, string>) {
    return request(this.bank.app).post(path).type('form').send(fields);
  }

  async close(): Promise<void> {
    await this.bank.close();
    await this.gateway.close();
  }
}
