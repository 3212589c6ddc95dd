import { specSignature } from '../../connectors/lyra/lyra-bank.js';
import { SYSTEMPAY_FORM_API_EXAMPLE, SYSTEMPAY_V2_SHA1_EXAMPLE } from '../../connectors/lyra/published-vectors.js';

/**
 * Lyra's signature as these tests compute it from the form API documentation (test/connectors/lyra/
 * lyra-bank.ts), sharing no code with the sandbox bank or the gateway.
 */
export { specSignature };

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
export const PUBLISHED_EXAMPLES = [SYSTEMPAY_FORM_API_EXAMPLE, SYSTEMPAY_V2_SHA1_EXAMPLE];
