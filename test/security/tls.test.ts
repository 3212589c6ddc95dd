import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import selfsigned from 'selfsigned';
import { createGateway, type GatewayApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createListener } from '../../src/http/tls.js';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { createLogger } from '../../src/logger.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { BANK_ID, BANK_PAY_URL, FakeBank, MERCHANT_ID } from '../connectors/native/fake-bank.js';

interface Pem {
  cert: string;
  key: string;
}

/** A throw-away PKI made in the test: a CA, a server certificate for 127.0.0.1, client certificates. */
async function pki(dir: string) {
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'Test Bank CA' }], { keySize: 2048, days: 2, extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true }] } as never);
  const issue = async (cn: string, opts: Record<string, unknown>, signer?: Pem): Promise<Pem> => {
    const made = await selfsigned.generate([{ name: 'commonName', value: cn }], { keySize: 2048, days: 2, ...(signer ? { ca: { key: signer.key, cert: signer.cert } } : {}), ...opts } as never);
    return { cert: made.cert, key: made.private };
  };
  const caPem = { cert: ca.cert, key: ca.private };
  const server = await issue('127.0.0.1', { extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }, { name: 'extKeyUsage', serverAuth: true }] }, caPem);
  const bankClient = await issue('sandbox bank', { extensions: [{ name: 'extKeyUsage', clientAuth: true }] }, caPem);
  const rogue = await issue('rogue', { extensions: [{ name: 'extKeyUsage', clientAuth: true }] });
  const files: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ca: caPem.cert, serverCert: server.cert, serverKey: server.key })) {
    files[name] = path.join(dir, `${name}.pem`);
    await writeFile(files[name]!, value);
  }
  return { ca: caPem, server, bankClient, rogue, files };
}

function post(url: string, body: string, ca: string, client?: Pem): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, ...(client ? { cert: client.cert, key: client.key } : {}), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('transport: HTTPS and mutual TLS', function () {
  this.timeout(30_000);
  let dir: string;
  let certs: Awaited<ReturnType<typeof pki>>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hpp-tls-'));
    certs = await pki(dir);
  });

  async function gatewayOverTls(extra: Record<string, string> = {}): Promise<{ app: GatewayApp; url: string; close(): Promise<void> }> {
    const config = loadConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: 'https://127.0.0.1',
      MERCHANT_API_KEYS: 'sk_test_tls_key_0001',
      BANK_ID,
      BANK_MERCHANT_ID: MERCHANT_ID,
      BANK_PAYMENT_URL: BANK_PAY_URL,
      BANK_JWKS_FILE: '/unused',
      TLS_CERT: certs.files.serverCert!,
      TLS_KEY: certs.files.serverKey!,
      LOG_LEVEL: 'silent',
      MAIL_OUTBOX_DIR: dir,
      ...extra,
    });
    const keystore = await GatewayKeystore.ephemeral();
    const bank = await FakeBank.create();
    const app = await createGateway(config, { store: (outboxTargets) => new MemoryPaymentStore({ outboxTargets }), keystore, connectors: [bank.connector(keystore)], logger: createLogger('silent'), expirySweepMs: 0, deliveryWorker: false });
    const server = await createListener(config, app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      app,
      url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      async close() {
        await app.gateway.close();
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it('serves HTTPS with TLS_CERT/TLS_KEY, with HSTS and upgrade-insecure-requests', async () => {
    const gw = await gatewayOverTls();
    try {
      const res = await new Promise<{ status: number; hsts: unknown; csp: unknown }>((resolve, reject) => {
        https.get(`${gw.url}/.well-known/jwks.json`, { ca: certs.ca.cert }, (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, hsts: r.headers['strict-transport-security'], csp: r.headers['content-security-policy'] });
        }).on('error', reject);
      });
      expect(res.status).to.equal(200);
      expect(res.hsts).to.match(/max-age=\d+/);
      expect(res.csp).to.contain('upgrade-insecure-requests');
    } finally {
      await gw.close();
    }
  });

  it('with BANK_CLIENT_CA, the notification endpoint requires the bank client certificate; buyer pages do not', async () => {
    const gw = await gatewayOverTls({ BANK_CLIENT_CA: certs.files.ca! });
    try {
      const withCert = await post(`${gw.url}/bank/native/notify`, 'response=x', certs.ca.cert, certs.bankClient);
      expect(withCert.status).to.equal(400); // reached the protocol: the token itself is refused
      const without = await post(`${gw.url}/bank/native/notify`, 'response=x', certs.ca.cert);
      expect(without.status).to.equal(403);
      const rogue = await post(`${gw.url}/bank/native/notify`, 'response=x', certs.ca.cert, certs.rogue);
      expect(rogue.status).to.equal(403);
      const buyer = await new Promise<number>((resolve, reject) => {
        https.get(`${gw.url}/checkout/pay_AAAAAAAAAAAAAAAAAAAAAA`, { ca: certs.ca.cert }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(buyer).to.equal(404);
    } finally {
      await gw.close();
    }
  });

  it('presents its client certificate to a webhook endpoint that requires one', async () => {
    const clientFiles = { cert: path.join(dir, 'wh-cert.pem'), key: path.join(dir, 'wh-key.pem') };
    await writeFile(clientFiles.cert, certs.bankClient.cert);
    await writeFile(clientFiles.key, certs.bankClient.key);
    const received: string[] = [];
    const endpoint = https.createServer({ cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      req.resume();
      received.push(req.headers['hpp-event-type'] as string);
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    const hook = `https://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hooks`;
    const run = async (extra: Record<string, string>) => {
      const config = loadConfig({ NODE_ENV: 'test', MERCHANT_API_KEYS: 'sk_test_tls_key_0001', BANK_ID, BANK_MERCHANT_ID: MERCHANT_ID, BANK_PAYMENT_URL: BANK_PAY_URL, BANK_JWKS_FILE: '/unused', MERCHANT_WEBHOOK_URL: hook, LOG_LEVEL: 'silent', MAIL_OUTBOX_DIR: dir, WEBHOOK_CA: certs.files.ca!, ...extra });
      const keystore = await GatewayKeystore.ephemeral();
      const bank = await FakeBank.create();
      const store = new MemoryPaymentStore({ outboxTargets: ['webhook:0', 'email:buyer'] });
      const app = await createGateway(config, { store: () => store, keystore, connectors: [bank.connector(keystore)], logger: createLogger('silent'), expirySweepMs: 0, deliveryWorker: false });
      await app.gateway.service.create({ amount: 100, currency: 'EUR', reference: `tls-${Math.random()}`.replace('.', ''), description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' });
      await app.gateway.notifications.worker.runOnce();
      const events = await store.outbox.listEventsWithDeliveries({ limit: 1 });
      await app.gateway.close();
      return events.items[0]!.deliveries.find((d) => d.target === 'webhook:0')!;
    };
    try {
      // The endpoint's CA is trusted in both runs: only the client certificate differs.
      const without = await run({});
      expect(without.state).to.equal('pending');
      expect(without.attempts[0]!.error).to.be.a('string');
      expect(received).to.deep.equal([]);
      const withCert = await run({ WEBHOOK_CLIENT_CERT: clientFiles.cert, WEBHOOK_CLIENT_KEY: clientFiles.key });
      expect(withCert.state).to.equal('delivered');
      expect(received).to.deep.equal(['payment.created']);
    } finally {
      endpoint.closeAllConnections();
      await new Promise((r) => endpoint.close(r));
    }
  });
});
