import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/logger.js';

describe('logs', () => {
  function capture() {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }));
    return { logger, text: () => lines.join('') };
  }

  it('mask card-like numbers in messages and in any field, at any depth', () => {
    const { logger, text } = capture();
    logger.info({ note: 'card 4242 4242 4242 4242', nested: { list: ['5555555555554444'] } }, 'paid with 378282246310005');
    const out = text();
    expect(out).not.to.match(/4242 4242 4242 4242|5555555555554444|378282246310005/);
    expect(out).to.contain('[card …4242]').and.contain('[card …4444]').and.contain('[card …0005]');
  });

  it('redact secrets and tokens by field name', () => {
    const { logger, text } = capture();
    logger.info({ authorization: 'Bearer sk_live_abcdef', token: 'eyJhbGciOi.x.y', req: { headers: { cookie: 'hpp.sid=s%3Aabc' } } }, 'request');
    const out = text();
    expect(out).not.to.contain('sk_live_abcdef').and.not.to.contain('eyJhbGciOi').and.not.to.contain('hpp.sid=');
  });
});
