import { setTimeout as delay } from 'node:timers/promises';
import type { RequestHandler } from 'express';
import { computeMac, fieldsSeal, macMatches } from '../../src/protocols/monetico/mac.js';
import { CAPTURE_FIELDS, CAPTURE_SCRIPT, formatOperationReply, RECREDIT_FIELDS, RECREDIT_SCRIPT } from '../../src/protocols/monetico/operations.js';
import { MONETICO_VERSION } from '../../src/protocols/monetico/protocol.js';
import { usableKey } from '../../src/protocols/monetico/usable-key.js';
import { MoneticoDesk, type MoneticoOperation, type MoneticoServerName } from '../operations/monetico-desk.js';
import { moneticoMerchant, type MoneticoMerchant } from '../protocols/monetico.js';
import type { BankContext } from '../protocols/sandbox-protocol.js';
import { PaymentRequestRefusal } from '../request-refusal.js';

export interface MoneticoOperationRoute {
  path: string;
  handler: RequestHandler;
}

/**
 * A request the bank cannot read as the merchant's own (unknown TPE, bad MAC, a field Monetico does
 * not define). Monetico publishes no code for it; the sandbox answers `cdr=-1`, which is neither the
 * capture's success (1) nor the recredit's (0).
 */
const NOT_AUTHENTICATED = '-1';

function stringFields(body: unknown, allowed: ReadonlySet<string>): Record<string, string> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string' || !allowed.has(name)) return undefined;
    fields[name] = value;
  }
  return fields;
}

function authenticated(ctx: BankContext, fields: Readonly<Record<string, string>>): MoneticoMerchant | undefined {
  const mac = fields.MAC;
  if (!mac || !fields.TPE || fields.version !== MONETICO_VERSION) return undefined;
  let merchant: MoneticoMerchant;
  try {
    merchant = moneticoMerchant(ctx, fields.TPE);
  } catch (err) {
    if (err instanceof PaymentRequestRefusal) return undefined;
    throw err;
  }
  // Operations are sealed the current kit's way whatever the terminal's payment form uses.
  const seal = fieldsSeal(Object.entries(fields).map(([name, value]) => ({ name, value: Buffer.from(value, 'utf8') })));
  return macMatches(computeMac(usableKey(merchant.registration.monetico.key), seal), mac) ? merchant : undefined;
}

function route(ctx: BankContext, desk: MoneticoDesk, operation: MoneticoOperation, server: MoneticoServerName): RequestHandler {
  const allowed = operation === 'capture' ? CAPTURE_FIELDS : RECREDIT_FIELDS;
  return async (req, res) => {
    const fields = stringFields(req.body, allowed);
    const merchant = fields ? authenticated(ctx, fields) : undefined;
    res.type('text/plain');
    if (!fields || !merchant) {
      ctx.logger.warn({ protocol: 'monetico', operation }, 'operation request refused');
      return void res.send(formatOperationReply([['version', '1.0'], ['reference', fields?.reference ?? ''], ['cdr', NOT_AUTHENTICATED], ['lib', 'commande non authentifiee']]));
    }
    const answer = desk.run(operation, server, merchant, fields, ctx.now());
    ctx.logger.info({ protocol: 'monetico', merchantId: merchant.merchantId, operation, ref: fields.reference, ...(answer.delivery !== 'now' ? { delivery: answer.delivery } : {}) }, 'operation answered');
    // What a load balancer in front of a slow bank answers: the operation was done, its answer lost.
    if (answer.delivery === 'timeout') return void res.status(504).end();
    if (answer.delivery === 'late') await delay(ctx.operationLateAnswerMs);
    res.send(answer.reply);
  };
}

/** capture_paiement.cgi and recredit_paiement.cgi beside each server's paiement.cgi. */
export function moneticoOperationRoutes(ctx: BankContext): MoneticoOperationRoute[] {
  const desk = new MoneticoDesk(ctx.book);
  const routes: MoneticoOperationRoute[] = [];
  for (const server of ['production', 'test'] as const) {
    const base = server === 'test' ? '/monetico/test/' : '/monetico/';
    routes.push({ path: `${base}${CAPTURE_SCRIPT}`, handler: route(ctx, desk, 'capture', server) });
    routes.push({ path: `${base}${RECREDIT_SCRIPT}`, handler: route(ctx, desk, 'recredit', server) });
  }
  return routes;
}
