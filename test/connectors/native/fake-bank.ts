import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { NativeConnector } from '../../../src/connectors/native/native-connector.js';
import { RESPONSE_TYP, type ResponseTransaction } from '../../../src/protocols/native.js';
import type { GatewayKeystore } from '../../../src/keys/keystore.js';

export const BANK_ID = 'test-bank';
export const MERCHANT_ID = 'test-merchant';
export const BANK_PAY_URL = 'https://bank.example/pay';

export interface BankKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function bankKey(): Promise<BankKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' } };
}

export interface ResponseOptions {
  key?: BankKey;
  iss?: string;
  aud?: string;
  typ?: string;
  kid?: string;
  iat?: number;
  exp?: number;
  jti?: string;
}

/**
 * A bank of our own for tests that craft bank messages by hand: its key verifies through a local JWKS,
 * so every field of a response (and every way of getting it wrong) is under the test's control.
 */
export class FakeBank {
  constructor(readonly key: BankKey) {}

  static async create(): Promise<FakeBank> {
    return new FakeBank(await bankKey());
  }

  connector(keystore: GatewayKeystore, clock?: () => Date): NativeConnector {
    return new NativeConnector({
      bankId: BANK_ID,
      merchantId: MERCHANT_ID,
      paymentUrl: BANK_PAY_URL,
      bankKeys: createLocalJWKSet({ keys: [this.key.publicJwk] }),
      keystore,
      ...(clock ? { clock } : {}),
    });
  }

  async sign(txn: ResponseTransaction, options: ResponseOptions = {}): Promise<string> {
    const key = options.key ?? this.key;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ txn: { ...txn } })
      .setProtectedHeader({ alg: 'EdDSA', kid: options.kid ?? key.kid, typ: options.typ ?? RESPONSE_TYP })
      .setIssuer(options.iss ?? BANK_ID)
      .setAudience(options.aud ?? MERCHANT_ID)
      .setIssuedAt(options.iat ?? now)
      .setExpirationTime(options.exp ?? now + 300)
      .setJti(options.jti ?? randomUUID())
      .sign(key.privateKey);
  }
}
