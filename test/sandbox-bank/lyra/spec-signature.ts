import { createHash, createHmac } from 'node:crypto';

/**
 * Lyra's signature written for these tests from the form API documentation, sharing no code with the
 * sandbox bank or the gateway: keep the fields whose name begins with `vads_`, sort them by name (byte
 * order of the ASCII names), write each value followed by `+`, then the key; HMAC-SHA-256 keyed with
 * the key and Base64, or (legacy) SHA-1 and hex.
 */
export function specSignature(fields: Record<string, string>, key: string, algorithm: 'HMAC-SHA-256' | 'SHA-1' = 'HMAC-SHA-256'): string {
  const names = Object.keys(fields).filter((name) => /^vads_/.test(name));
  names.sort((a, b) => Buffer.compare(Buffer.from(a, 'ascii'), Buffer.from(b, 'ascii')));
  const text = names.map((name) => fields[name] + '+').join('') + key;
  if (algorithm === 'SHA-1') return createHash('sha1').update(Buffer.from(text, 'utf8')).digest('hex');
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(text, 'utf8')).digest('base64');
}

/** A form with its `signature` field set by specSignature. */
export function signForm(fields: Record<string, string>, key: string, algorithm: 'HMAC-SHA-256' | 'SHA-1' = 'HMAC-SHA-256'): Record<string, string> {
  const { signature: _ignored, ...rest } = fields;
  return { ...rest, signature: specSignature(rest, key, algorithm) };
}

/** Whether a received message's signature is the spec's one over its `vads_` fields. */
export function signedBySpec(fields: Record<string, string>, key: string, algorithm: 'HMAC-SHA-256' | 'SHA-1' = 'HMAC-SHA-256'): boolean {
  return typeof fields.signature === 'string' && fields.signature === specSignature(fields, key, algorithm);
}

/** The published examples (Systempay form API documentation, HMAC-SHA-256; Systempay v2 documentation, SHA-1). */
export const PUBLISHED_EXAMPLES = [
  {
    algorithm: 'HMAC-SHA-256' as const,
    key: '1122334455667788',
    fields: {
      vads_action_mode: 'INTERACTIVE',
      vads_amount: '5124',
      vads_ctx_mode: 'TEST',
      vads_currency: '978',
      vads_page_action: 'PAYMENT',
      vads_payment_config: 'SINGLE',
      vads_site_id: '12345678',
      vads_trans_date: '20170129130025',
      vads_trans_id: '123456',
      vads_version: 'V2',
    },
    signature: 'ycA5Do5tNvsnKdc/eP1bj2xa19z9q3iWPy9/rpesfS0=',
  },
  {
    algorithm: 'SHA-1' as const,
    key: '1122334455667788',
    fields: {
      vads_version: 'V2',
      vads_page_action: 'PAYMENT',
      vads_action_mode: 'INTERACTIVE',
      vads_payment_config: 'SINGLE',
      vads_site_id: '12345678',
      vads_ctx_mode: 'TEST',
      vads_trans_id: '654321',
      vads_trans_date: '20090501193530',
      vads_amount: '1524',
      vads_currency: '978',
    },
    signature: '606b369759fac4f0864144c803c73676cbe470ff',
  },
];
