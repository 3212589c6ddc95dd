import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { base64url, CompactSign, type CryptoKey, type JSONWebKeySet } from 'jose';
import nock from 'nock';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { verifyWebhook, WebhookVerificationError, type VerifiedWebhook, type VerifyWebhookInput } from '../../src/notify/verify-webhook.js';
import { webhookBody } from '../../src/notify/webhook-payload.js';
import { signWebhookHmac, signWebhookJws, WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER, WEBHOOK_JWS_TYP } from '../../src/notify/webhook-signature.js';
import { CHECKOUT_URL, paidPayment, SECRET, succeededEvent } from './fixtures.js';

const SIGNED_AT = new Date('2025-03-01T10:02:01.000Z');
const T = Math.floor(SIGNED_AT.getTime() / 1000);

async function expectRefused(input: VerifyWebhookInput, code: WebhookVerificationError['code']): Promise<void> {
  try {
    await verifyWebhook(input);
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(WebhookVerificationError);
    expect((err as WebhookVerificationError).code, (err as Error).message).to.equal(code);
    return;
  }
  expect.fail(`accepted, expected ${code}`);
}

/** The event the fixtures' body carries, as a merchant reads it from the verified webhook. */
interface ReadEvent {
  id: string;
  type: string;
  createdAt: string;
  data: { payment: Record<string, unknown>; paymentVersion: number; attemptRef?: string };
}

/**
 * Verified by `verifiedBy`, and what comes back is the gateway's event, field by field: the id a merchant
 * deduplicates on, the type, the payment and its version, the attempt.
 */
function expectTheSucceededEvent(result: VerifiedWebhook, verifiedBy: VerifiedWebhook['verifiedBy']): void {
  const event = succeededEvent();
  const payment = paidPayment();
  expect(result.verifiedBy).to.equal(verifiedBy);
  const read = result.event as ReadEvent;
  expect(read).to.include({ id: event.id, type: 'payment.succeeded', createdAt: event.occurredAt });
  expect(read.data).to.include({ paymentVersion: event.paymentVersion, attemptRef: 'A2' });
  expect(read.data.payment).to.include({ id: payment.id, status: 'succeeded', amount: 2480, currency: 'EUR', reference: payment.reference, version: payment.version });
  expect(read.data.payment.checkoutUrl).to.equal(CHECKOUT_URL);
}

/** A JWS with any header, signed with any key: what a forger can make. */
async function forgedJws(body: string, header: Record<string, unknown>, key: CryptoKey | Uint8Array): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(body)).setProtectedHeader(header as never).sign(key);
  const [h, , s] = jws.split('.');
  return `${h}..${s}`;
}

describe('verifyWebhook', () => {
  const body = webhookBody(succeededEvent(), paidPayment(), CHECKOUT_URL);
  let keystore: GatewayKeystore;
  let jwks: JSONWebKeySet;
  let jws: string;
  let hmac: string;

  before(async () => {
    keystore = await GatewayKeystore.ephemeral('EdDSA');
    jwks = keystore.publicJwks();
    jws = await signWebhookJws(body, keystore, SIGNED_AT);
    hmac = signWebhookHmac(body, [SECRET], T);
  });

  describe('accepts what the gateway signs', () => {
    it('by HMAC, then parses the body', async () => {
      const result = await verifyWebhook({ body, headers: { 'hpp-signature': hmac }, secret: SECRET, now: SIGNED_AT });
      expectTheSucceededEvent(result, 'hmac');
      expect(result.event).to.deep.equal(JSON.parse(body));
    });

    it('by JWS against the public JWKS', async () => {
      const result = await verifyWebhook({ body, headers: { 'hpp-signature-jws': jws }, jwks, now: SIGNED_AT });
      expectTheSucceededEvent(result, 'jws');
      expect(result.event).to.deep.equal(JSON.parse(body));
    });

    it('with ES256 and PS256 keys too, and refuses those signatures over another body or under another key', async () => {
      const keystores = { ES256: await GatewayKeystore.ephemeral('ES256'), PS256: await GatewayKeystore.ephemeral('PS256') };
      for (const [alg, other] of Object.entries(keystores)) {
        const signature = await signWebhookJws(body, other, SIGNED_AT);
        const result = await verifyWebhook({ body, headers: { [WEBHOOK_JWS_HEADER]: signature }, jwks: other.publicJwks(), now: SIGNED_AT });
        expectTheSucceededEvent(result, 'jws');
        await expectRefused({ body: body.replace('"amount":2480', '"amount":1'), headers: { [WEBHOOK_JWS_HEADER]: signature }, jwks: other.publicJwks(), now: SIGNED_AT }, 'bad_signature');
        const elsewhere = alg === 'ES256' ? keystores.PS256 : keystores.ES256;
        await expectRefused({ body, headers: { [WEBHOOK_JWS_HEADER]: signature }, jwks: elsewhere.publicJwks(), now: SIGNED_AT }, 'bad_signature');
      }
    });

    it('from a raw Buffer body and headers in any case', async () => {
      const raw = Buffer.from(body, 'utf8');
      expectTheSucceededEvent(await verifyWebhook({ body: raw, headers: { [WEBHOOK_HMAC_HEADER]: hmac }, secret: SECRET, now: SIGNED_AT }), 'hmac');
      expectTheSucceededEvent(await verifyWebhook({ body: raw, headers: { 'HPP-SIGNATURE': hmac }, secret: SECRET, now: SIGNED_AT }), 'hmac');
      expectTheSucceededEvent(await verifyWebhook({ body: raw, headers: { 'hPp-SiGnAtUrE-jWs': jws }, jwks, now: SIGNED_AT }), 'jws');
      // The Buffer is verified as it is, byte for byte.
      await expectRefused({ body: Buffer.concat([raw, Buffer.from(' ')]), headers: { 'HPP-SIGNATURE': hmac }, secret: SECRET, now: SIGNED_AT }, 'bad_signature');
    });

    it('within the tolerance either way', async () => {
      for (const offset of [-300, 300]) {
        const now = new Date(SIGNED_AT.getTime() + offset * 1000);
        expectTheSucceededEvent(await verifyWebhook({ body, headers: { 'hpp-signature': hmac }, secret: SECRET, now }), 'hmac');
        expectTheSucceededEvent(await verifyWebhook({ body, headers: { 'hpp-signature-jws': jws }, jwks, now }), 'jws');
      }
    });

    it('by either signature when both are configured, and by neither when neither verifies', async () => {
      const badHmac = signWebhookHmac(body, ['not-the-secret'], T);
      const other = await GatewayKeystore.ephemeral('EdDSA');
      const badJws = await signWebhookJws(body, other, SIGNED_AT);
      const both = (headers: Record<string, string>) => verifyWebhook({ body, headers, secret: SECRET, jwks, now: SIGNED_AT });
      expectTheSucceededEvent(await both({ 'hpp-signature': badHmac, 'hpp-signature-jws': jws }), 'jws');
      expectTheSucceededEvent(await both({ 'hpp-signature': hmac, 'hpp-signature-jws': badJws }), 'hmac');
      await expectRefused({ body, headers: { 'hpp-signature': badHmac, 'hpp-signature-jws': badJws }, secret: SECRET, jwks, now: SIGNED_AT }, 'bad_signature');
    });
  });

  describe('secret rotation', () => {
    const header = () => signWebhookHmac(body, ['new-secret', 'old-secret'], T);

    it('puts two v1 in the header, and either secret verifies', async () => {
      expect(header().match(/v1=/g)).to.have.length(2);
      for (const secret of ['new-secret', 'old-secret']) {
        const result = await verifyWebhook({ body, headers: { 'hpp-signature': header() }, secret, now: SIGNED_AT });
        expectTheSucceededEvent(result, 'hmac');
      }
    });

    it('lets a merchant hold both secrets while it rotates', async () => {
      const single = signWebhookHmac(body, ['old-secret'], T);
      const result = await verifyWebhook({ body, headers: { 'hpp-signature': single }, secret: ['new-secret', 'old-secret'], now: SIGNED_AT });
      expectTheSucceededEvent(result, 'hmac');
      await expectRefused({ body, headers: { 'hpp-signature': single }, secret: ['new-secret', 'third-secret'], now: SIGNED_AT }, 'bad_signature');
    });

    it('refuses a secret that is neither', async () => {
      await expectRefused({ body, headers: { 'hpp-signature': header() }, secret: 'third-secret', now: SIGNED_AT }, 'bad_signature');
    });
  });

  describe('refuses', () => {
    const tampered = () => body.replace('"amount":2480', '"amount":1');

    it('a tampered body', async () => {
      expect(tampered()).not.to.equal(body);
      await expectRefused({ body: tampered(), headers: { 'hpp-signature': hmac }, secret: SECRET, now: SIGNED_AT }, 'bad_signature');
      await expectRefused({ body: tampered(), headers: { 'hpp-signature-jws': jws }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('a body that was re-serialised (a space added)', async () => {
      const reformatted = JSON.stringify(JSON.parse(body), null, 1);
      await expectRefused({ body: reformatted, headers: { 'hpp-signature': hmac }, secret: SECRET, now: SIGNED_AT }, 'bad_signature');
      await expectRefused({ body: reformatted, headers: { 'hpp-signature-jws': jws }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('a stale timestamp (a replay), even with a good signature', async () => {
      const later = new Date(SIGNED_AT.getTime() + 301_000);
      await expectRefused({ body, headers: { 'hpp-signature': hmac }, secret: SECRET, now: later }, 'stale_timestamp');
      await expectRefused({ body, headers: { 'hpp-signature-jws': jws }, jwks, now: later }, 'stale_timestamp');
      const earlier = new Date(SIGNED_AT.getTime() - 301_000);
      await expectRefused({ body, headers: { 'hpp-signature': hmac }, secret: SECRET, now: earlier }, 'stale_timestamp');
      await expectRefused({ body, headers: { 'hpp-signature-jws': jws }, jwks, now: earlier }, 'stale_timestamp');
    });

    it('a stale timestamp with a narrower tolerance', async () => {
      const later = new Date(SIGNED_AT.getTime() + 61_000);
      await expectRefused({ body, headers: { 'hpp-signature': hmac }, secret: SECRET, now: later, toleranceSeconds: 60 }, 'stale_timestamp');
    });

    it('a changed timestamp', async () => {
      const moved = hmac.replace(`t=${T}`, `t=${T + 1}`);
      await expectRefused({ body, headers: { 'hpp-signature': moved }, secret: SECRET, now: SIGNED_AT }, 'bad_signature');
    });

    it('a wrong secret', async () => {
      await expectRefused({ body, headers: { 'hpp-signature': hmac }, secret: 'whsec_wrong', now: SIGNED_AT }, 'bad_signature');
    });

    it('a key that is not in the JWKS', async () => {
      const other = await GatewayKeystore.ephemeral('EdDSA');
      const signature = await signWebhookJws(body, other, SIGNED_AT);
      await expectRefused({ body, headers: { 'hpp-signature-jws': signature }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('another key claiming our kid', async () => {
      const other = await GatewayKeystore.ephemeral('EdDSA');
      const header = { alg: 'EdDSA', kid: keystore.signingKey.kid, typ: WEBHOOK_JWS_TYP, iat: T };
      const signature = await forgedJws(body, header, other.signingKey.key);
      await expectRefused({ body, headers: { 'hpp-signature-jws': signature }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('a missing header', async () => {
      await expectRefused({ body, headers: {}, secret: SECRET, now: SIGNED_AT }, 'missing_signature');
      await expectRefused({ body, headers: { 'hpp-signature': hmac }, jwks, now: SIGNED_AT }, 'missing_signature');
      await expectRefused({ body, headers: { 'hpp-signature-jws': jws }, secret: SECRET, now: SIGNED_AT }, 'missing_signature');
    });

    it('alg none', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', kid: keystore.signingKey.kid, typ: WEBHOOK_JWS_TYP, iat: T }));
      await expectRefused({ body, headers: { 'hpp-signature-jws': `${header}..` }, jwks, now: SIGNED_AT }, 'bad_signature');
      await expectRefused({ body, headers: { 'hpp-signature-jws': `${header}..AAAA` }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('HS256 keyed with the public key (algorithm confusion)', async () => {
      const header = { alg: 'HS256', kid: keystore.signingKey.kid, typ: WEBHOOK_JWS_TYP, iat: T };
      const publicKeyBytes = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
      const signature = await forgedJws(body, header, publicKeyBytes);
      await expectRefused({ body, headers: { 'hpp-signature-jws': signature }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('HS256 keyed with the webhook secret', async () => {
      const header = { alg: 'HS256', typ: WEBHOOK_JWS_TYP, iat: T };
      const signature = await forgedJws(body, header, new TextEncoder().encode(SECRET));
      await expectRefused({ body, headers: { 'hpp-signature-jws': signature }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('another typ, so no other token the gateway signs passes for a webhook', async () => {
      const header = { alg: 'EdDSA', kid: keystore.signingKey.kid, typ: 'hpp-req+jwt', iat: T };
      const signature = await forgedJws(body, header, keystore.signingKey.key);
      await expectRefused({ body, headers: { 'hpp-signature-jws': signature }, jwks, now: SIGNED_AT }, 'bad_signature');
    });

    it('a JWS without iat', async () => {
      const header = { alg: 'EdDSA', kid: keystore.signingKey.kid, typ: WEBHOOK_JWS_TYP };
      const signature = await forgedJws(body, header, keystore.signingKey.key);
      await expectRefused({ body, headers: { 'hpp-signature-jws': signature }, jwks, now: SIGNED_AT }, 'malformed');
    });

    it('malformed headers', async () => {
      const attached = jws.replace('..', `.${base64url.encode(body)}.`);
      await expectRefused({ body, headers: { 'hpp-signature-jws': attached }, jwks, now: SIGNED_AT }, 'malformed');
      await expectRefused({ body, headers: { 'hpp-signature-jws': 'not-a-jws' }, jwks, now: SIGNED_AT }, 'malformed');
      await expectRefused({ body, headers: { 'hpp-signature-jws': '!!!..sig' }, jwks, now: SIGNED_AT }, 'malformed');
      await expectRefused({ body, headers: { 'hpp-signature': 'v1=abc' }, secret: SECRET, now: SIGNED_AT }, 'malformed');
      await expectRefused({ body, headers: { 'hpp-signature': `t=${T}` }, secret: SECRET, now: SIGNED_AT }, 'bad_signature');
      await expectRefused({ body, headers: { 'hpp-signature': `t=${T},t=${T},v1=00` }, secret: SECRET, now: SIGNED_AT }, 'malformed');
      await expectRefused({ body, headers: { 'hpp-signature': [hmac, hmac] }, secret: SECRET, now: SIGNED_AT }, 'malformed');
    });

    it('a signed body that is not JSON, only after verifying it', async () => {
      const text = 'not json';
      await expectRefused({ body: text, headers: { 'hpp-signature': signWebhookHmac(text, [SECRET], T) }, secret: SECRET, now: SIGNED_AT }, 'malformed');
    });

    it('to run without a secret or a JWKS', async () => {
      let error: unknown;
      await verifyWebhook({ body, headers: { 'hpp-signature': hmac } }).catch((err) => (error = err));
      expect(error).to.be.instanceOf(TypeError);
    });
  });

  describe('with the JWKS URL', () => {
    const GATEWAY = 'https://gateway.verify.test';
    beforeEach(() => nock.disableNetConnect());
    afterEach(() => {
      nock.cleanAll();
      nock.enableNetConnect();
    });

    it('fetches the keys once and verifies', async () => {
      const scope = nock(GATEWAY).get('/.well-known/jwks.json').once().reply(200, jwks);
      const url = new URL(`${GATEWAY}/.well-known/jwks.json`);
      for (let i = 0; i < 3; i++) {
        const result = await verifyWebhook({ body, headers: { 'hpp-signature-jws': jws }, jwks: url, now: SIGNED_AT });
        expectTheSucceededEvent(result, 'jws');
      }
      expect(scope.isDone()).to.equal(true);
    });

    it('reports a JWKS it cannot fetch as an outage, not as a bad signature', async () => {
      nock('https://down.verify.test').get('/.well-known/jwks.json').reply(503);
      let error: unknown;
      await verifyWebhook({ body, headers: { 'hpp-signature-jws': jws }, jwks: new URL('https://down.verify.test/.well-known/jwks.json'), now: SIGNED_AT }).catch((err) => (error = err));
      expect(error).to.be.instanceOf(Error);
      expect(error).not.to.be.instanceOf(WebhookVerificationError);
    });
  });

  it('imports nothing from the gateway but the header constants', async () => {
    const source = await readFile(new URL('../../src/notify/verify-webhook.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((i) => i!.startsWith('.'))).to.deep.equal(['./webhook-headers.js']);
    const constants = await readFile(new URL('../../src/notify/webhook-headers.ts', import.meta.url), 'utf8');
    expect(constants).not.to.match(/^import /m);
  });
});
