import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { loadBankKeys } from '../../../src/connectors/native/bank-keys.js';
import { NativeConnector } from '../../../src/connectors/native/native-connector.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { BANK_ID, BANK_PAY_URL, bankKey, MERCHANT_ID } from './fake-bank.js';

/** The bank's JWKS fetched over HTTP: an outage gives a retryable answer, never an unverified acceptance. */
describe("the bank's remote keys", () => {
  let server: Server;
  let fetches = 0;
  let up = false;
  let gw: TestGateway;
  let paymentId: string;
  let attemptRef: string;

  beforeEach(async () => {
    fetches = 0;
    up = false;
    server = createServer((_req, res) => {
      fetches += 1;
      if (!up) return res.writeHead(500).end('oops');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [gw.bank.key.publicJwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const bankKeys = await loadBankKeys({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
    gw = await testGateway({ connectors: (keystore) => [new NativeConnector({ bankId: BANK_ID, merchantId: MERCHANT_ID, paymentUrl: BANK_PAY_URL, keystore, bankKeys })] });
    paymentId = (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body.id;
    attemptRef = (await gw.app.gateway.service.startAttempt(paymentId, 'native')).attempt!.ref;
  });
  afterEach(async () => {
    await gw.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const txn = () => ({ ref: attemptRef, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: 'BT-9' });
  const notify = (token: string) => request(gw.app).post('/bank/native/notify').type('form').send({ response: token });

  it('answers 503 (retry) while the JWKS cannot be fetched, changes nothing, and accepts once it can', async () => {
    const res = await notify(await gw.bank.sign(txn()));
    expect(res.status).to.equal(503);
    expect(res.body).to.deep.equal({ status: 'retry' });
    const page = await request(gw.app).post('/bank/native/return').type('form').send({ response: await gw.bank.sign(txn()) });
    expect(page.status).to.equal(503);
    expect(page.text).to.contain('cannot reach the bank');
    expect((await gw.app.gateway.store.getPayment(paymentId))!.status).to.equal('pending');

    up = true;
    const ok = await notify(await gw.bank.sign(txn()));
    expect(ok.status).to.equal(200);
    expect((await gw.app.gateway.store.getPayment(paymentId))!.status).to.equal('succeeded');
  });

  it('does not refetch the JWKS for every unknown kid (cool-down): forged kids cannot make us hammer the bank', async () => {
    up = true;
    expect((await notify(await gw.bank.sign(txn()))).status).to.equal(200);
    const before = fetches;
    const stranger = await bankKey();
    for (let i = 0; i < 10; i += 1) {
      const res = await notify(await gw.bank.sign(txn(), { key: stranger }));
      expect(res.status).to.equal(400);
      expect(res.body.reason).to.equal('unknown_key');
    }
    expect(fetches - before).to.be.at.most(1);
  });
});
