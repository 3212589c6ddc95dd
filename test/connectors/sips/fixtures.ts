import { webcrypto } from 'node:crypto';
import type { IncomingBankMessage } from '../../../src/connectors/bank-connector.js';
import type { SipsSettings } from '../../../src/connectors/sips/settings.js';

/**
 * Seal computations written for the tests with WebCrypto, independently of src/connectors/sips/seal.ts
 * (which uses node:crypto's streaming API): what our code sends must match what a peer computes.
 */
export async function independentHmacSeal(data: string, key: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await webcrypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await webcrypto.subtle.sign('HMAC', cryptoKey, encoder.encode(data));
  return Buffer.from(mac).toString('hex');
}

export async function independentLegacySeal(data: string, key: string): Promise<string> {
  const digest = await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(data + key));
  return Buffer.from(digest).toString('hex');
}

export const MERCHANT_ID = '011223344550000';
export const KEY_1 = 'sandbox_key_version_1_0123456789abcdef';
export const KEY_2 = 'sandbox_key_version_2_fedcba9876543210';

export function sipsSettings(overrides: Partial<SipsSettings> = {}): SipsSettings {
  return {
    merchantId: MERCHANT_ID,
    secretKeys: { '1': KEY_1, '2': KEY_2 },
    keyVersion: '2',
    paymentUrl: 'https://payment-webinit.simu.sips-services.com/paymentInit',
    interfaceVersion: 'HP_2.20',
    legacySeal: false,
    encodeBase64: false,
    captureDays: 7,
    ...overrides,
  } as SipsSettings;
}

/** The Data of a typical response: an authorised Visa payment of 24.80 EUR. */
export function responseFields(overrides: Record<string, string | undefined> = {}): Array<[string, string]> {
  const base: Record<string, string | undefined> = {
    amount: '2480',
    currencyCode: '978',
    merchantId: MERCHANT_ID,
    transactionReference: 'AREF234567ABCDEFGHIJKLMNOPQ',
    keyVersion: '1',
    responseCode: '00',
    acquirerResponseCode: '00',
    authorisationId: '123456',
    maskedPan: '4242##########4242',
    paymentMeanBrand: 'VISA',
    paymentMeanType: 'CARD',
    transactionDateTime: '2026-11-23T10:00:00+01:00',
    orderChannel: 'INTERNET',
    ...overrides,
  };
  return Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined);
}

export function dataOf(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${k}=${v}`).join('|');
}

/** A response as Sips posts it, sealed (independently) with `key`. */
export async function sealedResponse(
  data: string,
  key: string,
  options: { encode?: 'base64' | 'base64url'; legacy?: boolean; seal?: string } = {},
): Promise<Record<string, string>> {
  const posted = options.encode ? Buffer.from(data, 'utf8').toString(options.encode) : data;
  const seal = options.seal ?? (options.legacy ? await independentLegacySeal(posted, key) : await independentHmacSeal(posted, key));
  return { Data: posted, Seal: seal, InterfaceVersion: 'HP_2.20', ...(options.encode ? { Encode: options.encode } : {}) };
}

export function message(fields: Record<string, string>): IncomingBankMessage {
  const rawBody = Buffer.from(new URLSearchParams(fields).toString());
  return { method: 'POST', fields, rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}
