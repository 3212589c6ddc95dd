import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { base64url, compactVerify, createLocalJWKSet, decodeProtectedHeader, flattenedVerify } from 'jose';
import { ALLOWED_ALGORITHMS } from '../../src/protocols/native.js';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { WEBHOOK_JWS_ALGORITHMS } from '../../src/notify/webhook-headers.js';
import { signWebhookHmac, signWebhookJws, WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER, WEBHOOK_JWS_TYP } from '../../src/notify/webhook-signature.js';
import { webhookBody } from '../../src/notify/webhook-payload.js';
import { CHECKOUT_URL, paidPayment, SECRET, succeededEvent } from './fixtures.js';

describe('webhook signatures', () => {
  const body = webhookBody(succeededEvent(), paidPayment(), CHECKOUT_URL);

  it('names the headers', () => {
    expect(WEBHOOK_JWS_HEADER).to.equal('Hpp-Signature-JWS');
    expect(WEBHOOK_HMAC_HEADER).to.equal('Hpp-Signature');
    expect([...WEBHOOK_JWS_ALGORITHMS]).to.deep.equal([...ALLOWED_ALGORITHMS]);
  });

  for (const alg of ALLOWED_ALGORITHMS) {
    it(`signs a detached JWS (${alg}) that verifies against the public JWKS`, async () => {
      const keystore = await GatewayKeystore.ephemeral(alg);
      const now = new Date('2025-03-01T10:02:01.000Z');
      const jws = await signWebhookJws(body, keystore, now);
      const [protectedPart, payloadPart, signature] = jws.split('.');
      expect(payloadPart).to.equal('');
      expect(decodeProtectedHeader(jws)).to.deep.equal({ alg, kid: keystore.signingKey.kid, typ: WEBHOOK_JWS_TYP, iat: 1740823321 });

      const keys = createLocalJWKSet(keystore.publicJwks());
      const flat = await flattenedVerify({ protected: protectedPart!, payload: base64url.encode(body), signature: signature! }, keys, { algorithms: [alg] });
      expect(new TextDecoder().decode(flat.payload)).to.equal(body);
      const compact = await compactVerify(`${protectedPart}.${base64url.encode(body)}.${signature}`, keys, { algorithms: [alg] });
      expect(compact.protectedHeader.typ).to.equal(WEBHOOK_JWS_TYP);

      const tampered = body.replace('"amount":2480', '"amount":1');
      let refused = false;
      await flattenedVerify({ protected: protectedPart!, payload: base64url.encode(tampered), signature: signature! }, keys, { algorithms: [alg] }).catch(() => (refused = true));
      expect(refused).to.equal(true);
    });
  }

  it('signs an HMAC over "<t>.<body>" that the secret reproduces', () => {
    const header = signWebhookHmac(body, [SECRET], 1740823321);
    const expected = createHmac('sha256', SECRET).update(`1740823321.${body}`).digest('hex');
    expect(header).to.equal(`t=1740823321,v1=${expected}`);
  });

  it('gives one v1 per secret during a rotation, in the order given', () => {
    const header = signWebhookHmac(body, ['new-secret', 'old-secret'], 1740823321);
    const v1 = header.split(',').filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));
    expect(v1).to.deep.equal([
      createHmac('sha256', 'new-secret').update(`1740823321.${body}`).digest('hex'),
      createHmac('sha256', 'old-secret').update(`1740823321.${body}`).digest('hex'),
    ]);
  });

  it('signs non-ASCII bodies as UTF-8', () => {
    const text = '{"reference":"commande-é€"}';
    const header = signWebhookHmac(text, [SECRET], 1);
    expect(header).to.equal(`t=1,v1=${createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from('1.'), Buffer.from(text, 'utf8')])).digest('hex')}`);
  });

  it('refuses to sign without a secret or with a bad timestamp', () => {
    expect(() => signWebhookHmac(body, [], 1)).to.throw();
    expect(() => signWebhookHmac(body, [''], 1)).to.throw();
    expect(() => signWebhookHmac(body, [SECRET], 1.5)).to.throw(RangeError);
  });
});
