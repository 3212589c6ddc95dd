import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { helmetFor, securityHeaders } from '../../src/http/middleware/security-headers.js';

const FORM_TARGETS = ['https://bank.example'];

function app(middlewares: RequestHandler[]): express.Express {
  const a = express();
  a.set('trust proxy', 'loopback');
  a.use(...middlewares);
  a.get('/', (_req, res) => res.type('text').send(String(res.locals.cspNonce)));
  return a;
}

/** The headers a response carries that neither app sets by itself (Express's own are left out). */
function securityHeadersOf(res: request.Response): Record<string, string> {
  const { date: _d, connection: _c, 'content-length': _l, 'content-type': _t, etag: _e, 'x-powered-by': _p, ...rest } = res.headers as Record<string, string>;
  return rest;
}

/** The headers kept from helmet are exactly what helmet itself sends, with each response's own nonce. */
describe('security headers', () => {
  for (const overTls of [false, true]) {
    it(`equal helmet's own on every response ${overTls ? 'over TLS (trusted proxy)' : 'over plain http'}, with a fresh nonce each time`, async () => {
      const ours = app(securityHeaders(FORM_TARGETS));
      const seen = new Set<string>();
      for (let i = 0; i < 3; i += 1) {
        const got = await request(ours).get('/').set(overTls ? { 'X-Forwarded-Proto': 'https' } : {});
        const nonce = got.text;
        expect(nonce).to.match(/^[A-Za-z0-9+/]{22}==$/);
        seen.add(nonce);
        const reference = app([
          (_req, res, next) => {
            res.locals.cspNonce = nonce;
            next();
          },
          helmetFor(FORM_TARGETS, overTls),
        ]);
        const expected = await request(reference).get('/').set(overTls ? { 'X-Forwarded-Proto': 'https' } : {});
        expect(securityHeadersOf(got)).to.deep.equal(securityHeadersOf(expected));
        expect(got.headers['content-security-policy']).to.contain(`'nonce-${nonce}'`);
        expect(Boolean(got.headers['strict-transport-security'])).to.equal(overTls);
      }
      expect(seen.size).to.equal(3);
    });
  }
});
