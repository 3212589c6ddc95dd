import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import selfsigned from 'selfsigned';
import request from 'supertest';
import { createSandboxBank, type SandboxBank } from '../../sandbox-bank/app.js';
import { createSecurityHeaders } from '../../sandbox-bank/security-headers.js';
import { CapturingLogger } from './support/capturing-logger.js';

/** The sandbox bank as deployed behind https, reached over plain http and over TLS. */
describe('sandbox bank: HSTS and upgrade-insecure-requests only over TLS', function () {
  this.timeout(30_000);
  let bank: SandboxBank;

  before(async () => {
    bank = await createSandboxBank({ publicUrl: 'https://bank.example', merchants: [{ merchantId: 'm', jwksUrl: 'https://gateway.example/.well-known/jwks.json' }], logger: new CapturingLogger() });
  });
  after(() => bank.close());

  it('over plain http sends neither, even with an https public URL or a forged X-Forwarded-Proto', async () => {
    for (const forwarded of [undefined, 'https']) {
      const req = request(bank.app).get('/');
      const res = await (forwarded ? req.set('X-Forwarded-Proto', forwarded) : req);
      expect(res.status).to.equal(200);
      expect(res.headers['strict-transport-security'], String(forwarded)).to.equal(undefined);
      expect(res.headers['content-security-policy'], String(forwarded)).to.not.contain('upgrade-insecure-requests');
    }
  });

  it('over TLS sends both', async () => {
    const cert = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, days: 1, extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] } as never);
    const server = https.createServer({ cert: cert.cert, key: cert.private }, bank.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        https.get(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`, { ca: cert.cert }, (res) => {
          res.resume();
          resolve(res.headers);
        }).on('error', reject);
      });
      expect(headers['strict-transport-security']).to.match(/max-age=\d+/);
      expect(headers['content-security-policy']).to.contain('upgrade-insecure-requests');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the page that posts back to the merchant keeps the rule (its CSP is rewritten per response)', async () => {
    const security = createSecurityHeaders('https://bank.example');
    const app = express();
    // Stands in for a TLS connection: req.secure is true when a trusted proxy says https.
    app.set('trust proxy', true);
    app.use(security.middleware);
    app.get('/back', (req, res) => {
      security.allowFormSubmissionTo(req, res, 'https://gateway.example/bank/native/return');
      res.send('ok');
    });
    const overTls = await request(app).get('/back').set('X-Forwarded-Proto', 'https');
    expect(overTls.headers['content-security-policy']).to.contain('https://gateway.example').and.contain('upgrade-insecure-requests');
    expect(overTls.headers['strict-transport-security']).to.match(/max-age=\d+/);
    const plain = await request(app).get('/back');
    expect(plain.headers['content-security-policy']).to.contain('https://gateway.example').and.not.contain('upgrade-insecure-requests');
    expect(plain.headers['strict-transport-security']).to.equal(undefined);
  });
});
