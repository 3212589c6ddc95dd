import { REQUEST_FIELD, RESPONSE_FIELD } from '../../src/protocols/native.js';
import { verifyPaymentRequest } from '../payment-request.js';
import { signResponse } from '../response-token.js';
import type { SandboxProtocol } from './sandbox-protocol.js';

/**
 * The gateway's native protocol (docs/protocol.md): a JWS request in the `request` field of a POST to
 * `/pay`, verified against the merchant's JWKS; JWS responses in a `response` field, each one signed
 * afresh (its own `jti`), by server notification and by browser return.
 */
export const nativeProtocol: SandboxProtocol = {
  name: 'native',
  requestPaths: ['/pay'],

  async readRequest(form, ctx) {
    const request = await verifyPaymentRequest(form[REQUEST_FIELD], { bankId: ctx.bankId, merchants: ctx.merchants, now: ctx.now() });
    return {
      merchant: request.merchant,
      ref: request.txn.ref,
      amount: request.txn.amount,
      currency: request.txn.currency,
      locale: request.txn.locale,
      description: request.txn.description,
      returnUrl: request.returnUrl,
      notifyUrl: request.notifyUrl,
      capture: request.capture,
    };
  },

  async notification(transaction, ctx) {
    const token = await signResponse(ctx.keys, ctx.bankId, transaction, ctx.now());
    return {
      url: transaction.notifyUrl,
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ [RESPONSE_FIELD]: token }).toString(),
    };
  },

  async returnForm(transaction, ctx) {
    const token = await signResponse(ctx.keys, ctx.bankId, transaction, ctx.now());
    return { url: transaction.returnUrl, method: 'POST', fields: { [RESPONSE_FIELD]: token } };
  },
};
