import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { DRAINED_ANSWER_BYTES, isDelivered, sendWebhook, WEBHOOK_USER_AGENT } from '../../src/notify/webhook-sender.js';

const MERCHANT = 'https://merchant.test';
const BODY = '{"id":"evt_1",  "type":"payment.succeeded","note":"é€ unchanged spacing"}';
const HEADERS = { 'Hpp-Signature': 't=1,v1=secret-looking-signature', 'Hpp-Signature-JWS': 'eyJhbGciOiJFZERTQSJ9..c2ln' };

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectNothingLeaked(error: string | undefined): void {
  expect(error ?? '').not.to.contain('secret-looking-signature');
  expect(error ?? '').not.to.contain('evt_1');
  expect(error ?? '').not.to.contain('merchant.test');
}

describe('sendWebhook', () => {
  beforeEach(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('POSTs the body byte for byte with the signature headers and records a 200', async () => {
    // A real server, so the bytes on the wire are what is compared (nock would hand over parsed JSON).
    let received: { method?: string; body?: Buffer; headers?: Record<string, unknown> } = {};
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received = { method: req.method, body: Buffer.concat(chunks), headers: req.headers };
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const record = await sendWebhook(`http://127.0.0.1:${port}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
      expect(record.status).to.equal(200);
      expect(record.error).to.equal(undefined);
      expect(isDelivered(record)).to.equal(true);
      expect(record.durationMs).to.be.a('number').and.at.least(0);
      expect(Date.parse(record.at)).to.be.closeTo(Date.now(), 5000);
      expect(received.method).to.equal('POST');
      expect(received.body!.equals(Buffer.from(BODY, 'utf8'))).to.equal(true);
      expect(received.headers).to.include({
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        'hpp-signature': HEADERS['Hpp-Signature'],
        'hpp-signature-jws': HEADERS['Hpp-Signature-JWS'],
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('with the real network stack (nock lifted: its interceptor hides connection reuse)', () => {
    before(() => nock.restore());
    after(() => nock.activate());

  it('keeps the connection for the next delivery to the same endpoint, and closes it after an oversized answer', async () => {
    let connections = 0;
    let oversized = false;
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (!oversized) return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        // More than the sender reads away: it must hang up rather than download it.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(Buffer.alloc(DRAINED_ANSWER_BYTES * 4, 0x61));
      });
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/hooks`;
      for (let i = 0; i < 3; i += 1) {
        expect((await sendWebhook(url, BODY, HEADERS, { timeoutMs: 2000 })).status).to.equal(200);
        // The body is read away after the record is made: give it a turn to go back to the pool.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(connections).to.equal(1);
      oversized = true;
      expect((await sendWebhook(url, BODY, HEADERS, { timeoutMs: 2000 })).status).to.equal(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      oversized = false;
      expect((await sendWebhook(url, BODY, HEADERS, { timeoutMs: 2000 })).status).to.equal(200);
      expect(connections).to.equal(2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('closes the connection of an answer whose body never ends, after the try\'s timeout', async () => {
    let closed = false;
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // The status and a first chunk, then nothing more, ever.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('partial');
        req.socket.on('close', () => (closed = true));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const record = await sendWebhook(`http://127.0.0.1:${port}/hooks`, BODY, HEADERS, { timeoutMs: 200 });
      // Its status came in time: the try is recorded as the endpoint answered it.
      expect(record.status).to.equal(200);
      expect(closed).to.equal(false);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(closed, 'the stalled answer\'s connection is closed').to.equal(true);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('tries once more on a new connection when a kept one was closed by the endpoint meanwhile', async () => {
    let requests = 0;
    const served = new WeakMap<object, number>();
    const server = createHttpServer((req, res) => {
      requests += 1;
      const onThisConnection = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, onThisConnection);
      // An endpoint that drops a kept connection at the moment it is used again (as one whose idle
      // timeout just ran out does): the request dies unanswered, with nothing read.
      if (onThisConnection > 1) return void req.socket.destroy();
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/hooks`;
      expect((await sendWebhook(url, BODY, HEADERS, { timeoutMs: 2000 })).status).to.equal(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const record = await sendWebhook(url, BODY, HEADERS, { timeoutMs: 2000 });
      expect(record.error).to.equal(undefined);
      expect(record.status).to.equal(200);
      expect(requests).to.equal(3);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  });

  it('records a 200 from a mocked endpoint', async () => {
    const scope = nock(MERCHANT).post('/hooks').matchHeader('content-type', 'application/json').reply(200, 'ok');
    const record = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(scope.isDone()).to.equal(true);
    expect(record).to.include({ status: 200 });
    expect(isDelivered(record)).to.equal(true);
  });

  it('counts any 2xx as delivered', async () => {
    nock(MERCHANT).post('/hooks').reply(204);
    const record = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(record).to.include({ status: 204 });
    expect(isDelivered(record)).to.equal(true);
  });

  it('records a 500 as a failed try, without throwing', async () => {
    nock(MERCHANT).post('/hooks').reply(500, 'boom with a long page');
    const record = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(record.status).to.equal(500);
    expect(isDelivered(record)).to.equal(false);
  });

  it('gives up at the timeout', async () => {
    nock(MERCHANT).post('/hooks').delay(5000).reply(200);
    const started = Date.now();
    const record = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 200 });
    expect(record.error).to.equal('timeout');
    expect(record.status).to.equal(undefined);
    expect(isDelivered(record)).to.equal(false);
    // Well before the reply would have come; loose bounds, so a busy machine does not fail it.
    expect(Date.now() - started).to.be.below(4000);
    expect(record.durationMs).to.be.within(150, 4000);
  });

  it('gives up at the timeout on a real server that accepts and never answers', async () => {
    const server = createHttpServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const record = await sendWebhook(`http://127.0.0.1:${port}/hooks`, BODY, HEADERS, { timeoutMs: 200 });
      expect(record.error).to.equal('timeout');
      expect(record.durationMs).to.be.within(150, 4000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('does not follow a redirect: a 302 is a failed try and the Location is never requested', async () => {
    nock(MERCHANT).post('/hooks').reply(302, '', { Location: 'https://elsewhere.test/collect' });
    const elsewhere = nock('https://elsewhere.test').post('/collect').reply(200).get('/collect').reply(200);
    const record = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(record.status).to.equal(302);
    expect(record.error).to.equal('redirect not followed');
    expect(isDelivered(record)).to.equal(false);
    expect(elsewhere.isDone()).to.equal(false);
    expect(elsewhere.pendingMocks()).to.have.length(2);
  });

  it('records a refused connection', async () => {
    const port = await closedPort();
    const record = await sendWebhook(`http://127.0.0.1:${port}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(record.error).to.equal('connection refused');
    expect(record.status).to.equal(undefined);
    expectNothingLeaked(record.error);
  });

  it('records an unknown host and other errors by code only', async () => {
    nock(MERCHANT).post('/hooks').replyWithError(Object.assign(new Error(`getaddrinfo ENOTFOUND merchant.test ${BODY}`), { code: 'ENOTFOUND' }));
    const record = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(record.error).to.equal('host not found');
    expectNothingLeaked(record.error);

    nock(MERCHANT).post('/hooks').replyWithError(new Error(`something odd with ${HEADERS['Hpp-Signature']}`));
    const odd = await sendWebhook(`${MERCHANT}/hooks`, BODY, HEADERS, { timeoutMs: 2000 });
    expect(odd.error).to.be.a('string');
    expectNothingLeaked(odd.error);
  });
});
