import { expect } from 'chai';
import { computeMac, fieldsSeal, macMatches, positionalRequestSeal } from '../../../src/protocols/monetico/mac.js';
import { isSecurityKey, usableKey, usableKeyHex } from '../../../src/protocols/monetico/usable-key.js';
import { ATTEMPT_REF, GATEWAY_NOTIFY_URL, GATEWAY_RETURN_URL, moneticoConnector, samplePayment } from './fixtures.js';
import { hmacSha1Hex, KIT_DEMO_KEY, specFieldsString, specKey, specPositionalRequest } from './monetico-bank.js';

/** Published worked examples (shared bank-vectors.json, protocol "monetico"), quoted as given. */
const PAYUM = {
  key: '123456',
  fields: {
    TPE: '123456',
    date: '17/03/2018:10:40:10',
    montant: '24.80EUR',
    reference: '100008783',
    'texte-libre': 'Commande 100008783',
    version: '3.0',
    lgue: 'FR',
    societe: 'foobar',
    mail: 'test@example.org',
  },
  signedString: '123456*17/03/2018:10:40:10*24.80EUR*100008783*Commande 100008783*3.0*FR*foobar*test@example.org**********',
  mac: 'e13096f4559dd4a2c2f581d44bef6cd482ddefa0',
};
const KIT_KEY = { key: '12345678901234567890123456789012345678P0', usableKeyHex: '1234567890123456789012345678901234567890' };

describe('Monetico seal', () => {
  describe('published vectors', () => {
    it('Monetico payment kit: the default demo key 12345678901234567890123456789012345678P0 derives to 1234567890123456789012345678901234567890', () => {
      expect(usableKeyHex(KIT_KEY.key)).to.equal(KIT_KEY.usableKeyHex);
      expect(usableKey(KIT_KEY.key).toString('hex')).to.equal(KIT_KEY.usableKeyHex);
      expect(isSecurityKey(KIT_KEY.key)).to.equal(true);
    });

    it('Payum Monetico gateway tests: legacy positional request seal (version 3.0) and its HMAC-SHA1 with key 123456 (derived bytes 12345600)', () => {
      expect(usableKeyHex(PAYUM.key)).to.equal('12345600');
      const sealed = positionalRequestSeal(PAYUM.fields);
      expect(sealed.toString('utf8')).to.equal(PAYUM.signedString);
      expect(computeMac(usableKey(PAYUM.key), sealed)).to.equal(PAYUM.mac);
      // The independent reading of the spec used by the other tests agrees with the source too.
      expect(specPositionalRequest(PAYUM.fields)).to.equal(PAYUM.signedString);
      expect(hmacSha1Hex(PAYUM.key, PAYUM.signedString)).to.equal(PAYUM.mac);
    });
  });

  describe('key derivation rule', () => {
    it('keeps a plain 40-hex key as it is', () => {
      expect(usableKeyHex('0123456789ABCDEF0123456789abcdef01234567')).to.equal('0123456789ABCDEF0123456789abcdef01234567');
    });

    it('maps G..P in the 39th character to 0..9 and a final M to 0', () => {
      expect(usableKeyHex(`${'A'.repeat(38)}G5`)).to.equal(`${'A'.repeat(38)}05`);
      expect(usableKeyHex(`${'A'.repeat(38)}PF`)).to.equal(`${'A'.repeat(38)}9F`);
      expect(usableKeyHex(`${'A'.repeat(38)}BM`)).to.equal(`${'A'.repeat(38)}B0`);
      expect(specKey(`${'A'.repeat(38)}BM`).toString('hex')).to.equal(`${'a'.repeat(38)}b0`);
    });

    it('refuses keys that do not derive to 20 bytes', () => {
      expect(isSecurityKey('zz'.repeat(20))).to.equal(false);
      expect(isSecurityKey(`${'A'.repeat(38)}ZZ`)).to.equal(false);
      expect(isSecurityKey('A'.repeat(39))).to.equal(false);
      expect(() => usableKey('not a key')).to.throw(TypeError);
    });
  });

  describe('fields method', () => {
    it('sorts by name in byte order (capitals first) and joins name=value with *', () => {
      const sealed = fieldsSeal(
        Object.entries({ version: '3.0', 'texte-libre': 'x', TPE: '1', url_retour_ok: 'u', url_retour_err: 'e', MAC: 'ignored', date: 'd' }).map(([name, value]) => ({ name, value: Buffer.from(value) })),
      );
      expect(sealed.toString()).to.equal('TPE=1*date=d*texte-libre=x*url_retour_err=e*url_retour_ok=u*version=3.0');
    });
  });

  describe('MAC comparison', () => {
    it('accepts either case and refuses anything that is not 40 hexadecimal digits', () => {
      const mac = PAYUM.mac;
      expect(macMatches(mac, mac.toUpperCase())).to.equal(true);
      expect(macMatches(mac, `${mac.slice(0, 39)}1`)).to.equal(false);
      expect(macMatches(mac, mac.slice(0, 38))).to.equal(false);
      expect(macMatches(mac, `${mac}00`)).to.equal(false);
      expect(macMatches(mac, '')).to.equal(false);
      expect(macMatches(mac, `${mac.slice(0, 39)}g`)).to.equal(false);
    });
  });

  describe('requests built by the connector, checked by an independent computation', () => {
    const clock = () => new Date('2026-03-17T09:40:10Z');

    it('current kit: every field sealed sorted by name, MAC over them with the derived key', async () => {
      const { payment, attempt } = samplePayment();
      const form = await moneticoConnector({ clock }).buildRequest({ payment, attempt, locale: 'fr', returnUrl: GATEWAY_RETURN_URL, notifyUrl: GATEWAY_NOTIFY_URL });
      expect(form.method).to.equal('POST');
      expect(form.url).to.equal('https://p.monetico-services.com/test/paiement.cgi');
      const f = form.fields;
      expect(Object.keys(f).sort()).to.deep.equal(
        ['MAC', 'TPE', 'contexte_commande', 'date', 'lgue', 'mail', 'montant', 'reference', 'societe', 'texte-libre', 'url_retour_err', 'url_retour_ok', 'version'].sort(),
      );
      expect(f).to.include({
        TPE: '1234567',
        date: '17/03/2026:10:40:10',
        montant: '24.80EUR',
        reference: ATTEMPT_REF,
        'texte-libre': 'order-1',
        mail: 'buyer@example.com',
        lgue: 'FR',
        societe: 'maboutique',
        version: '3.0',
      });
      expect(f.url_retour_ok).to.match(/^http:\/\/gateway\.test\/bank\/monetico\/return\?attempt=AMONETICOTESTATTEMPT2345672&amount=2480&currency=EUR&sig=[A-Za-z0-9_-]{43}$/);
      expect(f.url_retour_err).to.equal(f.url_retour_ok);
      expect(JSON.parse(Buffer.from(f.contexte_commande!, 'base64').toString('utf8'))).to.deep.equal({ billing: { email: 'buyer@example.com' } });
      expect(f.MAC).to.equal(hmacSha1Hex(KIT_DEMO_KEY, specFieldsString(f)));
      expect(f.MAC).to.match(/^[0-9a-f]{40}$/);
    });

    it('older kit: positional seal, a 12-character reference and the whole attempt reference in texte-libre', async () => {
      const { payment, attempt } = samplePayment({ customer: null });
      const form = await moneticoConnector({ clock, macMethod: 'positional', merchantEmail: 'shop@example.com' }).buildRequest({
        payment,
        attempt,
        locale: 'en',
        returnUrl: GATEWAY_RETURN_URL,
        notifyUrl: GATEWAY_NOTIFY_URL,
      });
      const f = form.fields;
      expect(f).to.include({ reference: ATTEMPT_REF.slice(0, 12), 'texte-libre': `${ATTEMPT_REF} order-1`, mail: 'shop@example.com', lgue: 'EN' });
      expect(f.reference).to.have.length(12);
      expect(specPositionalRequest(f)).to.equal(`1234567*17/03/2026:10:40:10*24.80EUR*AMONETICOTES*${ATTEMPT_REF} order-1*3.0*EN*maboutique*shop@example.com**********`);
      expect(f.MAC).to.equal(hmacSha1Hex(KIT_DEMO_KEY, specPositionalRequest(f)));
    });

    it('writes amounts from minor units without floats, with the currency code', async () => {
      const cases: Array<[number, string, string]> = [
        [2480, 'EUR', '24.80EUR'],
        [5, 'EUR', '0.05EUR'],
        [1500, 'JPY', '1500JPY'],
        [1, 'BHD', '0.001BHD'],
        [999999999999, 'EUR', '9999999999.99EUR'],
      ];
      for (const [amount, currency, montant] of cases) {
        const { payment, attempt } = samplePayment({ amount, currency });
        const form = await moneticoConnector({ clock }).buildRequest({ payment, attempt, locale: 'en', returnUrl: GATEWAY_RETURN_URL, notifyUrl: GATEWAY_NOTIFY_URL });
        expect(form.fields.montant).to.equal(montant);
      }
    });

    it('leaves mail out when neither the buyer nor the merchant gave one, and the context says nothing made up', async () => {
      const { payment, attempt } = samplePayment({ customer: null });
      const form = await moneticoConnector({ clock }).buildRequest({ payment, attempt, locale: 'en', returnUrl: GATEWAY_RETURN_URL, notifyUrl: GATEWAY_NOTIFY_URL });
      expect(form.fields).not.to.have.property('mail');
      expect(JSON.parse(Buffer.from(form.fields.contexte_commande!, 'base64').toString('utf8'))).to.deep.equal({ billing: {} });
      expect(form.fields.MAC).to.equal(hmacSha1Hex(KIT_DEMO_KEY, specFieldsString(form.fields)));
    });
  });
});
