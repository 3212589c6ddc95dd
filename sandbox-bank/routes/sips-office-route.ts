import { setTimeout as delay } from 'node:timers/promises';
import express, { type RequestHandler } from 'express';
import { OFFICE_PATHS, officeSealMatches, sealOfficeDocument, OFFICE_RESPONSE_CODES, type OfficeFunction } from '../../src/protocols/sips/office.js';
import { KEY_VERSION_PATTERN, MERCHANT_ID_PATTERN } from '../../src/protocols/sips/protocol.js';
import type { RegisteredMerchant } from '../merchants.js';
import type { SipsOfficeDesk } from '../operations/sips-office-desk.js';
import type { BankContext } from '../protocols/sandbox-protocol.js';

/** Where the sandbox serves Sips Office JSON: SIPS_OFFICE_URL is `{sandbox}/sips/office/rs-services/v2/`. */
export const SIPS_OFFICE_ROUTE = '/sips/office/rs-services/v2/:service/:function';

/** An Office request is a few hundred bytes. */
export const sipsOfficeBody: RequestHandler = express.json({ limit: '16kb', type: 'application/json' });

const FUNCTIONS = new Map<string, OfficeFunction>(Object.entries(OFFICE_PATHS).map(([fn, path]) => [path, fn as OfficeFunction]));

function sipsMerchantOf(ctx: BankContext, sipsMerchantId: string): RegisteredMerchant | undefined {
  const found = [...ctx.merchants.values()].filter((m) => m.registration.sips?.merchantId === sipsMerchantId);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * POST /sips/office/rs-services/v2/{cashManagement/validate|cancel|refund, diagnostic/getTransactionData}:
 * the sandbox's Sips Office JSON. merchantId and keyVersion choose the key; the seal (HMAC-SHA-256
 * over the sorted values) is checked before anything else is read; the answer is sealed with the same
 * key. A request that cannot be authenticated gets an unsealed `responseCode` 34 (or 03 for an unknown
 * merchant), as nothing it says can be answered in kind.
 */
export function sipsOfficeRoute(ctx: BankContext, desk: SipsOfficeDesk): RequestHandler {
  return async (req, res) => {
    const fn = FUNCTIONS.get(`${String(req.params.service)}/${String(req.params.function)}`);
    if (!fn) return void res.status(404).json({ responseCode: OFFICE_RESPONSE_CODES.notSupported });
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return void res.status(400).json({ responseCode: OFFICE_RESPONSE_CODES.formatError });
    const request = body as Record<string, unknown>;

    const sipsMerchantId = String(request.merchantId ?? '');
    const merchant = MERCHANT_ID_PATTERN.test(sipsMerchantId) ? sipsMerchantOf(ctx, sipsMerchantId) : undefined;
    if (!merchant) return void res.json({ responseCode: '03' });
    const keyVersion = String(request.keyVersion ?? '');
    const keys = merchant.registration.sips?.keys ?? {};
    const key = KEY_VERSION_PATTERN.test(keyVersion) && Object.hasOwn(keys, keyVersion) ? keys[keyVersion] : undefined;
    if (key === undefined || !officeSealMatches(request, key)) {
      ctx.logger.warn({ protocol: 'sips', function: fn, refusal: key === undefined ? 'unknown_key_version' : 'bad_seal' }, 'operation request refused');
      return void res.json({ responseCode: OFFICE_RESPONSE_CODES.securityError });
    }

    const outcome = desk.run(merchant, fn, request, ctx.now());
    ctx.logger.info(
      { protocol: 'sips', merchantId: merchant.merchantId, function: fn, responseCode: outcome.fields.responseCode, ...(outcome.delivery !== 'now' ? { delivery: outcome.delivery } : {}) },
      'operation answered',
    );
    // What a load balancer in front of a slow bank answers: the operation was done, its answer lost.
    if (outcome.delivery === 'timeout') return void res.status(504).end();
    if (outcome.delivery === 'late') await delay(ctx.operationLateAnswerMs);
    res.json(sealOfficeDocument(outcome.fields, key));
  };
}
