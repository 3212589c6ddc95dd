import { setTimeout as delay } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  MAX_OPERATION_TOKEN_LENGTH,
  OPERATION_CONTENT_TYPE,
  OPERATION_REFUSAL_CONTENT_TYPE,
  type OperationRequestRefusalBody,
} from '../../src/protocols/native-operations.js';
import { OperationRequestRefusal } from '../operations/operation-request-refusal.js';
import { verifyOperationRequest, type VerifiedOperationRequest } from '../operations/operation-request.js';
import { signOperationResult } from '../operations/operation-result-token.js';
import type { BankContext } from '../protocols/sandbox-protocol.js';

function sendRefusal(res: express.Response, refusal: OperationRequestRefusal): void {
  const body: OperationRequestRefusalBody = { error: refusal.code, ...(refusal.field ? { field: refusal.field } : {}) };
  res.status(refusal.status).type(OPERATION_REFUSAL_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The token as the body, and nothing else: a body of another type is never parsed. */
export const operationBody: RequestHandler = express.text({ type: OPERATION_CONTENT_TYPE, limit: MAX_OPERATION_TOKEN_LENGTH + 1024 });

/** A body over the limit or unreadable is answered in the API's own refusal format, not as a page. */
export const operationBodyErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.too.large') return sendRefusal(res, new OperationRequestRefusal('request_too_large'));
  if (typeof type === 'string' && type.startsWith('entity.')) return sendRefusal(res, new OperationRequestRefusal('malformed_request'));
  next(err);
};

/**
 * POST /operations: the native operations API (docs/protocol.md, section 11). The token is verified
 * and its jti remembered, the operation runs in one synchronous step, and the signed answer goes back,
 * unless a test setting makes it time out once or come late (the operation is done either way).
 */
export function operationsRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    if (!req.is(OPERATION_CONTENT_TYPE)) return sendRefusal(res, new OperationRequestRefusal('unsupported_media_type'));
    const token = typeof req.body === 'string' ? req.body.trim() : '';
    let request: VerifiedOperationRequest;
    try {
      request = await verifyOperationRequest(token, { bankId: ctx.bankId, merchants: ctx.merchants, now: ctx.now() });
      if (!ctx.seenOperationTokens.remember(request.merchant.merchantId, request.jti, request.exp, ctx.now())) throw new OperationRequestRefusal('replayed');
    } catch (err) {
      if (!(err instanceof OperationRequestRefusal)) throw err;
      const log = err.status >= 500 ? ctx.logger.error.bind(ctx.logger) : ctx.logger.warn.bind(ctx.logger);
      log({ protocol: 'native', refusal: err.code, field: err.field }, 'operation request refused');
      return sendRefusal(res, err);
    }

    const { merchant, op } = request;
    const outcome = ctx.operations.run(merchant, op, ctx.now());
    ctx.logger.info(
      {
        protocol: 'native',
        merchantId: merchant.merchantId,
        type: op.type,
        ...(op.op_id !== undefined ? { opId: op.op_id } : {}),
        ...(outcome.body.txn ? { bankTxnId: outcome.body.txn.bank_txn_id } : {}),
        ...(outcome.body.op ? { opStatus: outcome.body.op.status } : {}),
        ...(outcome.body.error ? { error: outcome.body.error } : {}),
        httpStatus: outcome.httpStatus,
        ...(outcome.delivery !== 'now' ? { delivery: outcome.delivery } : {}),
      },
      'operation answered',
    );
    // What a load balancer in front of a slow bank answers: the operation was done, its answer lost.
    if (outcome.delivery === 'timeout') return void res.status(504).end();
    if (outcome.delivery === 'late') await delay(ctx.operationLateAnswerMs);
    const answer = await signOperationResult(ctx.keys, ctx.bankId, { merchantId: merchant.merchantId, inReplyTo: request.jti }, outcome.body, ctx.now());
    res.status(outcome.httpStatus).type(OPERATION_CONTENT_TYPE).send(answer);
  };
}
