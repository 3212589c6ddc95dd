import { randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { REQUEST_TYP, type RequestTransaction } from '../../../src/protocols/native.js';

let counter = 0;

/** A fresh attempt reference, [A-Za-z0-9] only like the gateway's. */
export function newRef(): string {
  counter += 1;
  return `T${Date.now().toString(36)}${counter}`.toUpperCase();
}

export interface RequestTokenInput {
  key: CryptoKey;
  kid: string;
  iss: string;
  aud: string;
  returnUrl: string;
  notifyUrl: string;
  txn?: Partial<RequestTransaction>;
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** Seconds since the epoch; default iat + 300. */
  exp?: number;
  typ?: string;
}

/** Signs a payment request exactly as the gateway does (docs/protocol.md), with the fields a test wants to break. */
export async function signPaymentRequest(input: RequestTokenInput): Promise<{ token: string; txn: RequestTransaction }> {
  const iat = input.iat ?? Math.floor(Date.now() / 1000);
  const txn: RequestTransaction = {
    ref: newRef(),
    amount: 2480,
    currency: 'EUR',
    description: 'Order 1042',
    locale: 'en',
    ...input.txn,
  };
  const token = await new SignJWT({ txn, return_url: input.returnUrl, notify_url: input.notifyUrl })
    .setProtectedHeader({ alg: 'EdDSA', kid: input.kid, typ: input.typ ?? REQUEST_TYP })
    .setIssuer(input.iss)
    .setAudience(input.aud)
    .setIssuedAt(iat)
    .setExpirationTime(input.exp ?? iat + 300)
    .setJti(randomUUID())
    .sign(input.key);
  return { token, txn };
}

/** An unsecured token (`alg: none`, empty signature) that only a careless verifier accepts. */
export function unsignedPaymentRequest(claims: Record<string, unknown>, kid: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', kid, typ: REQUEST_TYP })}.${encode(claims)}.`;
}
