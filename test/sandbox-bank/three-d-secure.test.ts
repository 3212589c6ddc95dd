import { expect } from 'chai';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { parse } from 'node-html-parser';
import request from 'supertest';
import { ALLOWED_ALGORITHMS, RESPONSE_TYP, type PaymentResponseClaims } from '../../src/protocols/native.js';
import { TEST_CARDS, threeDSecureCaseForCard } from '../../sandbox-bank/cards.js';
import { CHALLENGE_TRIES, authenticationAfterChallenge, authenticationWithoutChallenge, eciFor } from '../../sandbox-bank/three-d-secure.js';
import { BANK_ID, BankHarness, MERCHANT_ID, type OpenedTransaction } from './support/bank-harness.js';

const VALID_EXPIRY = '12/39';

describe('sandbox bank: 3-D Secure 2 (EMVCo 3-D Secure Protocol and Core Functions Specification v2.2.0)', () => {
  describe('the issuer rules', () => {
    it('gives each listed 3-D Secure test card its case, and no case to the other cards', () => {
      for (const card of TEST_CARDS) expect(threeDSecureCaseForCard(card.number.replace(/\s/g, '')), card.number).to.equal(card.threeDSecure);
      expect(TEST_CARDS.filter((c) => c.threeDSecure).map((c) => c.threeDSecure)).to.include.members(['frictionless', 'challenge', 'attempted', 'not_enrolled', 'acs_unavailable']);
    });

    it('writes the ECI of each scheme: Visa 05/06/07, Mastercard 02/01/00', () => {
      expect(['Y', 'A', 'N', 'U'].map((s) => eciFor('visa', s as 'Y'))).to.deep.equal(['05', '06', '07', '07']);
      expect(['Y', 'A', 'N', 'U'].map((s) => eciFor('mastercard', s as 'Y'))).to.deep.equal(['02', '01', '00', '00']);
    });

    it('shifts the liability for Y and A only, and says why for N and U (transStatusReason 01, 13, 22)', () => {
      expect(authenticationWithoutChallenge('frictionless', 'visa')).to.include({ transStatus: 'Y', liabilityShift: true, method: 'frictionless' });
      expect(authenticationWithoutChallenge('attempted', 'visa')).to.include({ transStatus: 'A', eci: '06', liabilityShift: true });
      expect(authenticationWithoutChallenge('not_enrolled', 'visa')).to.include({ transStatus: 'U', transStatusReason: '13', liabilityShift: false, enrolled: false });
      expect(authenticationWithoutChallenge('acs_unavailable', 'visa')).to.include({ transStatus: 'U', transStatusReason: '22', liabilityShift: false, enrolled: true });
      expect(authenticationAfterChallenge('passed', 'visa')).to.include({ transStatus: 'Y', method: 'challenge', liabilityShift: true });
      expect(authenticationAfterChallenge('failed', 'visa')).to.include({ transStatus: 'N', transStatusReason: '01', liabilityShift: false });
      expect(authenticationAfterChallenge('abandoned', 'visa')).to.include({ transStatus: 'N', abandoned: true, liabilityShift: false });
    });
  });

  describe('the journey, with scripts off (native protocol)', () => {
    let harness: BankHarness;

    before(async () => {
      harness = await BankHarness.start({ retryDelaysMs: [100, 100, 100] });
    });
    beforeEach(() => harness.gateway.reset());
    after(async () => {
      await harness.close();
    });

    async function claimsOf(token: string): Promise<PaymentResponseClaims> {
      const { payload } = await jwtVerify(token, createLocalJWKSet(harness.bank.jwks()), {
        algorithms: [...ALLOWED_ALGORITHMS],
        typ: RESPONSE_TYP,
        issuer: BANK_ID,
        audience: MERCHANT_ID,
      });
      return payload as unknown as PaymentResponseClaims;
    }

    function notified(opened: OpenedTransaction) {
      const mine = harness.gateway.notifications.filter((n) => (decodeJwt(n.token) as unknown as PaymentResponseClaims).txn.ref === opened.txn.ref);
      expect(mine, 'one notification').to.have.length(1);
      return claimsOf(mine[0]!.token);
    }

    function pay(opened: OpenedTransaction, cardNumber: string) {
      return harness.submitCard(opened.cardPagePath, { cardNumber, expiry: VALID_EXPIRY, cvc: '737', cardType: 'visa', action: 'pay' });
    }

    /** Pays with the challenge card and follows the 303 to the challenge page; returns its path and the code it shows. */
    async function reachChallenge(opened: OpenedTransaction): Promise<{ path: string; code: string; html: string; csp: string }> {
      const held = await pay(opened, '4000 0000 0000 3220').expect(303);
      const path = new URL(String(held.headers.location)).pathname;
      expect(path).to.equal(`${opened.cardPagePath}/challenge`);
      // The card page, reloaded, goes back to the challenge: the card is taken once.
      expect((await request(harness.bank.app).get(opened.cardPagePath).expect(303)).headers.location).to.match(/\/challenge$/);
      const page = await request(harness.bank.app).get(path).expect(200);
      const code = parse(page.text).querySelector('[data-testid=challenge-code]')?.text ?? '';
      expect(code).to.match(/^\d{6}$/);
      return { path, code, html: page.text, csp: String(page.headers['content-security-policy']) };
    }

    it('frictionless 4000 0000 0000 3055: authorised at once, authentication Y, ECI 05, liability shifted, version 2.2.0', async () => {
      const opened = await harness.openTransaction();
      await pay(opened, '4000 0000 0000 3055').expect(200);
      const claims = await notified(opened);
      expect(claims.txn.status).to.equal('authorised');
      expect(claims.authentication).to.deep.equal({ status: 'Y', eci: '05', liability_shift: true, version: '2.2.0', method: 'frictionless' });
    });

    it('a card outside the 3-D Secure list (4242…) is answered exactly as before: no authentication claim', async () => {
      const opened = await harness.openTransaction();
      await pay(opened, '4242 4242 4242 4242').expect(200);
      expect(await notified(opened)).to.not.have.property('authentication');
    });

    it('the challenge page: labelled code field, no inline handler, no script needed, CSP as strict as the card page', async () => {
      const opened = await harness.openTransaction({ locale: 'fr' });
      const { html, csp } = await reachChallenge(opened);
      const doc = parse(html);
      expect(doc.querySelector('html')?.getAttribute('lang')).to.equal('fr');
      expect(doc.querySelector('label[for=otp]')?.text).to.equal('Code à usage unique');
      expect(doc.querySelector('#otp')?.getAttribute('autocomplete')).to.equal('one-time-code');
      expect(doc.querySelectorAll('script'), 'works without scripts').to.have.length(0);
      expect(html).to.not.match(/\son[a-z]+=/i);
      expect(csp).to.include("script-src-attr 'none'");
      expect(csp).to.match(/form-action 'self'/);
    });

    it('challenge passed: the code shown authorises; authentication Y by challenge', async () => {
      const opened = await harness.openTransaction();
      const { path, code } = await reachChallenge(opened);
      await harness.submitCard(path, { otp: code, action: 'confirm' }).expect(200);
      const claims = await notified(opened);
      expect(claims.txn).to.deep.include({ status: 'authorised', card: { brand: 'visa', last4: '3220' } });
      expect(claims.authentication).to.deep.equal({ status: 'Y', eci: '05', liability_shift: true, version: '2.2.0', method: 'challenge' });
    });

    it(`challenge failed: ${CHALLENGE_TRIES} wrong codes refuse as authentication_failed (N, reason 01); each wrong one says the tries left and focuses the field`, async () => {
      const opened = await harness.openTransaction();
      const { path, code } = await reachChallenge(opened);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let left = CHALLENGE_TRIES - 1; left > 0; left -= 1) {
        const again = await harness.submitCard(path, { otp: wrong, action: 'confirm' }).expect(422);
        const doc = parse(again.text);
        expect(doc.querySelector('[role=alert]')?.text).to.contain(left === 1 ? '1 try left' : `${left} tries left`);
        expect(doc.querySelector('#otp')?.getAttribute('aria-invalid')).to.equal('true');
        expect(doc.querySelector('#otp')?.hasAttribute('autofocus')).to.equal(true);
        expect(harness.gateway.notifications).to.have.length(0);
      }
      await harness.submitCard(path, { otp: wrong, action: 'confirm' }).expect(200);
      const claims = await notified(opened);
      expect(claims.txn).to.deep.include({ status: 'refused', reason: 'authentication_failed' });
      expect(claims.authentication).to.deep.equal({ status: 'N', trans_status_reason: '01', eci: '07', liability_shift: false, version: '2.2.0', method: 'challenge' });
      // Decided: the right code now changes nothing.
      await harness.submitCard(path, { otp: code, action: 'confirm' }).expect(409);
    });

    it('challenge abandoned: Cancel refuses as authentication_abandoned (N, cancelled)', async () => {
      const opened = await harness.openTransaction();
      const { path } = await reachChallenge(opened);
      await harness.submitCard(path, { otp: '', action: 'cancel' }).expect(200);
      const claims = await notified(opened);
      expect(claims.txn).to.deep.include({ status: 'refused', reason: 'authentication_abandoned' });
      expect(claims.authentication).to.deep.include({ status: 'N', cancelled: true, liability_shift: false });
    });

    it('attempted, not enrolled and ACS unavailable are authorised: A with liability shift, U/13 and U/22 without', async () => {
      const cases: Array<[string, object]> = [
        ['4000 0000 0000 3063', { status: 'A', eci: '06', liability_shift: true }],
        ['4000 0000 0000 3097', { status: 'U', trans_status_reason: '13', eci: '07', liability_shift: false }],
        ['4000 0000 0000 3105', { status: 'U', trans_status_reason: '22', eci: '07', liability_shift: false }],
      ];
      for (const [number, expected] of cases) {
        const opened = await harness.openTransaction();
        await pay(opened, number).expect(200);
        const claims = await notified(opened);
        expect(claims.txn.status, number).to.equal('authorised');
        expect(claims.authentication, number).to.deep.include(expected);
      }
    });

    it('the bank keeps the result, and never the code, in its transactions', async () => {
      const opened = await harness.openTransaction();
      const { path, code } = await reachChallenge(opened);
      await harness.submitCard(path, { otp: code, action: 'confirm' }).expect(200);
      const kept = harness.bank.transactions().find((t) => t.bankTxnId === opened.bankTxnId)!;
      expect(kept.authentication).to.include({ transStatus: 'Y', method: 'challenge' });
      expect(JSON.stringify(kept)).to.not.include(code);
    });
  });
});
