import { Writable } from 'node:stream';
import { expect } from 'chai';
import nock from 'nock';
import request from 'supertest';
import { bankHttp } from '../../src/connectors/bank-http.js';
import { createLogger, prettyLogs } from '../../src/logger.js';
import { sendWebhook } from '../../src/notify/webhook-sender.js';
import { localIsoTime, prettyLine } from '../../src/pretty-log.js';
import { runWithRequestId } from '../../src/request-context.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/;
const lines = (logs: string[], from: number) => logs.slice(from).flatMap((c) => c.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('request ids', () => {
  let gw: TestGateway;
  beforeEach(async () => (gw = await testGateway()));
  afterEach(async () => {
    nock.cleanAll();
    await gw.close();
  });

  it('accepts a well-formed X-Request-Id and answers it', async () => {
    const res = await request(gw.app).get('/healthz').set('X-Request-Id', 'shop-42.abc_DEF');
    expect(res.headers['x-request-id']).to.equal('shop-42.abc_DEF');
  });

  it('makes one, different per request, when none is sent or the one sent is malformed', async () => {
    const made = await Promise.all(['', 'has space', 'x'.repeat(129), 'new\u00e9'].map((sent) => request(gw.app).get('/healthz').set(sent ? { 'X-Request-Id': sent } : {})));
    const ids = made.map((res) => res.headers['x-request-id'] as string);
    for (const id of ids) expect(id).to.match(WELL_FORMED).and.match(/^req_/);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('puts it in problem documents, before the standard members, and on the line the error is logged with its problem type', async () => {
    const from = gw.logs.length;
    const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).set('X-Request-Id', 'req-problem-1').send({ amount: -1 });
    expect(res.status).to.equal(400);
    expect(res.body.type).to.equal('https://hpp-gateway.dev/problems/validation_failed');
    expect(res.body.requestId).to.equal('req-problem-1');
    const keys = Object.keys(res.body);
    expect(keys.indexOf('requestId')).to.be.lessThan(keys.indexOf('type'));
    expect(keys.slice(-4)).to.deep.equal(['type', 'title', 'status', 'detail']);
    expect(lines(gw.logs, from)).to.deep.include({ level: 30, time: lines(gw.logs, from)[0]!.time, service: 'hpp-gateway', requestId: 'req-problem-1', problem: 'validation_failed', status: 400, path: '/payments', msg: 'API request refused' });
    const unknown = await request(gw.app).get('/api/v1/nothing').set('Authorization', `Bearer ${API_KEY}`);
    expect(unknown.body.requestId).to.equal(unknown.headers['x-request-id']);
  });

  it('is on every log line of the request (after its body was parsed too), once, with ISO times', async () => {
    const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
    const token = await gw.bank.sign({ ref: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1', auth_code: 'A1', card: { brand: 'visa', last4: '4242' } });
    const from = gw.logs.length;
    await request(gw.app).post('/bank/native/notify').set('X-Request-Id', 'req-notify-7').type('form').send({ response: token }).expect(200);
    const written = lines(gw.logs, from);
    expect(written.map((l) => l.msg)).to.include('bank notification');
    for (const line of written) {
      expect(line.requestId).to.equal('req-notify-7');
      expect(line.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const raw = gw.logs.slice(from).join('');
    expect(raw.match(/"requestId"/g)!.length).to.equal(written.length);
    // A line about a payment carries the merchant's reference.
    expect(written.find((l) => l.msg === 'bank notification')).to.include({ reference: created.body.reference });
  });

  it('goes on the calls to banks made for the request (the connectors’ HTTP client)', async () => {
    const bank = nock('https://api.bank.example').matchHeader('x-request-id', 'req-bank-1').get('/v1/status').reply(200, { ok: true });
    await runWithRequestId('req-bank-1', () => bankHttp.get('https://api.bank.example/v1/status'));
    expect(bank.isDone()).to.equal(true);
    // Outside any request, none is sent.
    const plain = nock('https://api.bank.example', { badheaders: ['x-request-id'] }).get('/v1/status').reply(200, {});
    await bankHttp.get('https://api.bank.example/v1/status');
    expect(plain.isDone()).to.equal(true);
  });

  it('goes on webhooks: the id of the request running, else a fresh one per try', async () => {
    const seen: string[] = [];
    nock('https://merchant.example')
      .post('/hooks')
      .times(3)
      .reply(function () {
        seen.push(String(this.req.headers['x-request-id']));
        return [204, ''];
      });
    await sendWebhook('https://merchant.example/hooks', '{}', {}, { timeoutMs: 2000 });
    await sendWebhook('https://merchant.example/hooks', '{}', {}, { timeoutMs: 2000 });
    await runWithRequestId('req-redeliver-1', () => sendWebhook('https://merchant.example/hooks', '{}', {}, { timeoutMs: 2000 }));
    expect(seen[0]).to.match(/^req_/);
    expect(seen[1]).to.match(/^req_/).and.not.equal(seen[0]);
    expect(seen[2]).to.equal('req-redeliver-1');
  });
});

describe('log format', () => {
  it('is JSON with ISO times when the output is not a terminal, readable lines on one or with LOG_FORMAT=pretty', () => {
    expect(prettyLogs('auto', false)).to.equal(false);
    expect(prettyLogs('auto', true)).to.equal(true);
    expect(prettyLogs('pretty', false)).to.equal(true);
    expect(prettyLogs('json', true)).to.equal(false);
    const written: string[] = [];
    createLogger('info', new Writable({ write: (c: Buffer, _e, done) => (written.push(c.toString()), done()) }), { format: 'pretty' }).info({ a: 1 }, 'hello');
    // A destination given (a test's, a collector's) is always written JSON.
    expect(JSON.parse(written[0]!)).to.include({ msg: 'hello', a: 1 });
  });

  it('writes one readable line per entry: local ISO time with its offset, level, message, then each field once', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: '2025-03-01T09:15:02.123Z', service: 'hpp-gateway', requestId: 'req_1', connector: 'native', reason: 'bad signature', msg: 'bank notification refused' }));
    const time = localIsoTime(new Date('2025-03-01T09:15:02.123Z'));
    expect(time).to.match(/^2025-03-01T\d\d:\d\d:02\.123[+-]\d\d:\d\d$/);
    expect(new Date(time).toISOString()).to.equal('2025-03-01T09:15:02.123Z');
    expect(line).to.equal(`${time} WARN  bank notification refused  requestId=req_1 connector=native reason="bad signature"`);
    expect(prettyLine('not json')).to.equal('not json');
  });
});
