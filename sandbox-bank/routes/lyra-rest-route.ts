import { setTimeout as delay } from 'node:timers/promises';
import express, { type RequestHandler } from 'express';
import { LYRA_ERROR, LYRA_REST_SERVICES, lyraBasicAuthorizationMatches, lyraBasicShopId, type LyraRestService } from '../../src/protocols/lyra/rest-api.js';
import type { RegisteredMerchant } from '../merchants.js';
import { lyraError, type LyraRestDesk, type LyraRestOutcome } from '../protocols/lyra-rest-desk.js';
import type { BankContext } from '../protocols/sandbox-protocol.js';

/** A REST request is a small JSON object. */
export const lyraRestBody: RequestHandler = express.json({ limit: '16kb' });

function send(res: express.Response, service: string, outcome: LyraRestOutcome, status = 200): void {
  res.status(status).json({ webService: service, version: 'V4', applicationVersion: 'sandbox', status: outcome.status, answer: outcome.answer, ticket: null, serverDateTime: new Date().toISOString(), applicationProvider: 'SANDBOX', _type: 'V4/WebService/Response' });
}

/**
 * POST /lyra/api-payment/V4/:group/:name: Lyra's REST API V4 with Basic auth `shopId:REST password`
 * (checked in constant time). Test amounts and merchant knobs (operations/test-behaviour.ts) make an
 * operation refuse, time out once (done, answered 504) or answer late.
 */
export function lyraRestRoute(ctx: BankContext, desk: LyraRestDesk): RequestHandler {
  return async (req, res) => {
    const service = `${req.params.group}/${req.params.name}`;
    if (!(LYRA_REST_SERVICES as readonly string[]).includes(service)) return send(res, service, lyraError(LYRA_ERROR.INPUT_VALIDATION_ERROR, 'unknown web service'), 404);
    const header = req.headers.authorization;
    const shopId = lyraBasicShopId(header);
    const merchant: RegisteredMerchant | undefined = [...ctx.merchants.values()].find((m) => m.registration.lyra?.siteId === shopId && m.registration.lyra?.restPassword !== undefined);
    const credentials = merchant?.registration.lyra;
    if (!merchant || !credentials?.restPassword || !lyraBasicAuthorizationMatches(header, credentials.siteId, credentials.restPassword)) {
      ctx.logger.warn({ protocol: 'lyra-rest', service }, 'REST request with wrong credentials refused');
      return send(res, service, lyraError(LYRA_ERROR.AUTHENTICATION_FAILED, 'invalid credentials'), 401);
    }
    const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const outcome = desk.run(merchant, service as LyraRestService, body, ctx.now());
    ctx.logger.info({ protocol: 'lyra-rest', merchantId: merchant.merchantId, service, status: outcome.status, ...(outcome.status === 'ERROR' ? { errorCode: outcome.answer.errorCode } : {}), ...(outcome.delivery !== 'now' ? { delivery: outcome.delivery } : {}) }, 'REST request answered');
    if (outcome.delivery === 'timeout') return void res.status(504).end();
    if (outcome.delivery === 'late') await delay(ctx.operationLateAnswerMs);
    send(res, service, outcome);
  };
}
