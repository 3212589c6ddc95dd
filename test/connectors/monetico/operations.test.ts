import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import type { OperationTarget } from '../../../src/connectors/bank-operations.js';
import { captureAnswerOf, recreditAnswerOf } from '../../../src/connectors/monetico/operation-answers.js';
import { parseOperationReply } from '../../../src/protocols/monetico/operations.js';
import type { Payment } from '../../../src/core/payment.js';
import type { Refund } from '../../../src/core/refund.js';
import { ATTEMPT_REF, GATEWAY_NOTIFY_URL, GATEWAY_RETURN_URL, moneticoConnector, samplePayment } from './fixtures.js';
import { hmacSha1Hex, KIT_DEMO_KEY, specFieldsString, TEST_COMPANY, TEST_TPE } from './monetico-bank.js';

const BANK = 'https://p.monetico-services.com';
const OPERATIONS_URL = `${BANK}/test/`;
/** 17/03/2026 10:40:10 in Paris. */
const NOW = new Date('2026-03-17T09:40:10.000Z');

function refundOf(id: string, amount: number, status: Refund['status'] = 'pending'): Refund {
  return { id, paymentId: 'pay_test', amount, currency: 'EUR', status, reason: null, bankReference: null, failureReason: null, createdAt: '2026-03-18T08:00:00.000Z', updatedAt: '2026-03-18T08:00:00.000Z' };
}

/** The payment authorised (and, for refunds, captured) at Monetico, as the service hands it to an operation. */
function target(overrides: Partial<Payment> = {}, operationId = 'op_1'): OperationTarget {
  const { payment, attempt } = samplePayment();
  const authorised = { ...attempt, status: 'authorised' as const, bankTransactionId: ATTEMPT_REF, authorisationCode: '010101' };
  return { payment: { ...payment, status: 'succeeded', attempts: [authorised], ...overrides }, attempt: authorised, operationId };
}

interface Posted {
  path: string;
  fields: Record<string, string>;
}

/** Records each form POSTed to the bank and answers `reply` (a body, or a status and body). */
function bank(script: string, reply: string | [number, string], posted: Posted[]): nock.Scope {
  return nock(BANK)
    .post(`/test/${script}`)
    .reply(function (uri, body) {
      posted.push({ path: uri, fields: Object.fromEntries(new URLSearchParams(String(body))) });
      expect(this.req.headers['content-type']).to.equal('application/x-www-form-urlencoded');
      return Array.isArray(reply) ? reply : [200, reply, { 'content-type': 'text/plain' }];
    });
}

const manual = () => moneticoConnector({ operationsUrl: OPERATIONS_URL, capture: 'manual', clock: () => NOW });
const automatic = () => moneticoConnector({ operationsUrl: OPERATIONS_URL, clock: () => NOW });

/** dansmaculotte/monetico-php, tests/CaptureResponseTest (an accepted capture answer), as the bank writes it. */
const PUBLISHED_CAPTURE_ANSWER = 'version=1.0\nreference=000000000145\ncdr=1\nlib=paiement accepte\naut=123456\nmontant_estime=10EUR \ndate_autorisation=2019-05-20 \nmontant_debite=5EUR \ndate_debit=2019-05-30 \nnumero_dossier=doss123456 \ntype_facture=preauto\n';

describe('Monetico operations: capture_paiement.cgi and recredit_paiement.cgi', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  describe('capabilities', () => {
    it('a deferred-capture terminal captures once and cancels; every terminal refunds; none is asked its status (etatpaiement.cgi is not first-party documented)', () => {
      expect(manual().operations?.capabilities).to.deep.equal({ manualCapture: true, captureWindowMs: 7 * 24 * 3600_000, multipleCaptures: false, capture: true, void: true, refund: true, status: false });
      const auto = automatic().operations!;
      expect(auto.capabilities).to.deep.equal({ manualCapture: false, multipleCaptures: false, capture: false, void: false, refund: true, status: false });
      expect(auto.capture).to.equal(undefined);
      expect(auto.void).to.equal(undefined);
      expect(auto.status).to.equal(undefined);
      expect(moneticoConnector().operations).to.equal(undefined);
    });

    it('refuses to send an automatic payment to a deferred-capture terminal, and a manual one to the others', async () => {
      const { payment, attempt } = samplePayment();
      const input = { payment, attempt, locale: 'fr' as const, returnUrl: GATEWAY_RETURN_URL, notifyUrl: GATEWAY_NOTIFY_URL };
      await manual().buildRequest(input).then(() => expect.fail('sent'), (err: Error) => expect(err.message).to.match(/MONETICO_CAPTURE/));
      await automatic().buildRequest({ ...input, payment: { ...payment, capture: 'manual' } }).then(() => expect.fail('sent'), (err: Error) => expect(err.message).to.match(/MONETICO_CAPTURE/));
      const form = await manual().buildRequest({ ...input, payment: { ...payment, capture: 'manual' } });
      // Deferred capture is the terminal's contract: the form has no field for it.
      expect(Object.keys(form.fields)).to.not.include.members(['capture', 'mode_capture']);
    });
  });

  describe('requests (CM-CIC Paiement documentation technique v3.0, "Capture" and "Recrédit"; field lists as dansmaculotte/monetico-php and the CiviCRM cmcic extension send them)', () => {
    it('a partial capture: every documented field, montant_restant=0 releasing the rest, sealed with HMAC-SHA1 over the sorted name=value fields under the derived key', async () => {
      const posted: Posted[] = [];
      bank('capture_paiement.cgi', 'version=1.0\nreference=' + ATTEMPT_REF + '\ncdr=1\nlib=paiement accepte\naut=010101\nmontant_debite=15.00EUR\n', posted);
      const answer = await manual().operations!.capture!(target({ capture: 'manual', status: 'authorized' }), 1500);
      expect(answer).to.deep.equal({ outcome: 'succeeded', amount: 1500, currency: 'EUR', bankReference: '010101' });
      expect(posted).to.have.length(1);
      const { MAC, ...sealed } = posted[0]!.fields;
      expect(sealed).to.deep.equal({
        TPE: TEST_TPE,
        date: '17/03/2026:10:40:10',
        date_commande: '17/03/2026',
        montant: '24.80EUR',
        montant_a_capturer: '15.00EUR',
        montant_deja_capture: '0.00EUR',
        montant_restant: '0.00EUR',
        reference: ATTEMPT_REF,
        lgue: 'FR',
        societe: TEST_COMPANY,
        version: '3.0',
      });
      expect(MAC).to.equal(hmacSha1Hex(KIT_DEMO_KEY, specFieldsString(sealed)));
    });

    it('the cancel is a capture of 0 with nothing left (montant_a_capturer=0, montant_restant=0)', async () => {
      const posted: Posted[] = [];
      bank('capture_paiement.cgi', `version=1.0\nreference=${ATTEMPT_REF}\ncdr=1\nlib=paiement annule\nmontant_debite=0.00EUR\n`, posted);
      const answer = await manual().operations!.void!(target({ capture: 'manual', status: 'authorized' }));
      expect(answer.outcome).to.equal('succeeded');
      expect(posted[0]!.fields).to.include({ montant_a_capturer: '0.00EUR', montant_deja_capture: '0.00EUR', montant_restant: '0.00EUR', montant: '24.80EUR' });
    });

    it('a recredit: montant_recredit, and montant_possible counting the earlier refunds not failed; dated when the refund was made, so a resend is the same request', async () => {
      const posted: Posted[] = [];
      bank('recredit_paiement.cgi', `version=1.0\nreference=${ATTEMPT_REF}\ncdr=0\nlib=recredit effectue\n`, posted);
      bank('recredit_paiement.cgi', `version=1.0\nreference=${ATTEMPT_REF}\ncdr=0\nlib=recredit effectue\n`, posted);
      const refunds = [refundOf('re_a', 500, 'succeeded'), refundOf('re_b', 300, 'failed'), refundOf('re_c', 700)];
      const t = target({ refunds }, 're_c');
      const ops = automatic().operations!;
      expect(await ops.refund!(t, 700, null)).to.deep.equal({ outcome: 'succeeded', amount: 700, currency: 'EUR' });
      expect(await ops.refundStatus!(t)).to.deep.equal({ outcome: 'succeeded', amount: 700, currency: 'EUR' });
      const { MAC, ...sealed } = posted[0]!.fields;
      expect(sealed).to.deep.equal({
        TPE: TEST_TPE,
        date: '18/03/2026:09:00:00',
        date_commande: '17/03/2026',
        montant: '24.80EUR',
        montant_recredit: '7.00EUR',
        montant_possible: '19.80EUR',
        reference: ATTEMPT_REF,
        lgue: 'FR',
        societe: TEST_COMPANY,
        version: '3.0',
      });
      expect(MAC).to.equal(hmacSha1Hex(KIT_DEMO_KEY, specFieldsString(sealed)));
      expect(posted[1]!.fields).to.deep.equal(posted[0]!.fields);
    });
  });

  describe('answers', () => {
    const asked = { reference: '000000000145', amount: 500, currency: 'EUR' };

    it('reads the published capture answer: cdr=1 done, montant_debite taken, aut as the bank reference (dansmaculotte/monetico-php CaptureResponse test)', () => {
      expect(captureAnswerOf(parseOperationReply(PUBLISHED_CAPTURE_ANSWER), asked)).to.deep.equal({ outcome: 'succeeded', amount: 500, currency: 'EUR', bankReference: '123456' });
    });

    it('reports the amount the bank says it took, not the one asked, so the service records the difference as an anomaly', () => {
      expect(captureAnswerOf(parseOperationReply(PUBLISHED_CAPTURE_ANSWER), { ...asked, amount: 400 })).to.include({ outcome: 'succeeded', amount: 500 });
      const dollars = PUBLISHED_CAPTURE_ANSWER.replace('montant_debite=5EUR', 'montant_debite=5USD');
      expect(captureAnswerOf(parseOperationReply(dollars), asked)).to.include({ outcome: 'succeeded', currency: 'USD' });
    });

    it('a capture code other than 1 is the bank refusing, with its cdr and lib; an answer about another order, or without cdr, is unknown', () => {
      expect(captureAnswerOf(parseOperationReply('version=1.0\nreference=000000000145\ncdr=0\nlib=commande non authentifiee\n'), asked)).to.deep.equal({ outcome: 'refused', reason: '0:commande non authentifiee' });
      expect(captureAnswerOf(parseOperationReply('version=1.0\nreference=OTHER\ncdr=1\nlib=paiement accepte\n'), asked)).to.deep.equal({ outcome: 'unknown', reason: 'answer_for_another_order' });
      expect(captureAnswerOf(parseOperationReply('<html>maintenance</html>'), asked)).to.deep.equal({ outcome: 'unknown', reason: 'answer_without_cdr' });
      expect(captureAnswerOf(parseOperationReply('cdr=1\nmontant_debite=5,00EUR\n'), asked)).to.deep.equal({ outcome: 'unknown', reason: 'unreadable_amount' });
    });

    it('maps the recredit codes the CiviCRM cmcic extension documents: 0 done; -46, -48, -51, -52 refused; -46 and -52 to a resend unknown', () => {
      const reply = (cdr: string) => parseOperationReply(`version=1.0\nreference=000000000145\ncdr=${cdr}\nlib=x\n`);
      expect(recreditAnswerOf(reply('0'), asked, false)).to.deep.equal({ outcome: 'succeeded', amount: 500, currency: 'EUR' });
      for (const cdr of ['-46', '-48', '-51', '-52']) expect(recreditAnswerOf(reply(cdr), asked, false), cdr).to.deep.equal({ outcome: 'refused', reason: `${cdr}:x` });
      expect(recreditAnswerOf(reply('-48'), asked, true)).to.deep.equal({ outcome: 'refused', reason: '-48:x' });
      for (const cdr of ['-46', '-52']) expect(recreditAnswerOf(reply(cdr), asked, true), cdr).to.deep.equal({ outcome: 'unknown', reason: `resend_answered_${cdr}` });
    });
  });

  describe('no answer is not a refusal', () => {
    const t = () => target({ refunds: [refundOf('op_1', 500)] });

    it('a 5xx, a 4xx or a timeout is unknown', async () => {
      const ops = moneticoConnector({ operationsUrl: OPERATIONS_URL, clock: () => NOW, operationTimeoutMs: 200 }).operations!;
      bank('recredit_paiement.cgi', [503, 'busy'], []);
      expect(await ops.refund!(t(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'http_503' });
      bank('recredit_paiement.cgi', [404, 'not here'], []);
      expect(await ops.refund!(t(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'http_404' });
      nock(BANK).post('/test/recredit_paiement.cgi').delay(1000).reply(200, 'cdr=0\n');
      expect(await ops.refund!(t(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'timeout' });
    });

    it('a connection the bank cuts before answering is unknown', async () => {
      const server = createServer((req) => req.socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      nock.enableNetConnect('127.0.0.1');
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/test/`;
        const ops = moneticoConnector({ operationsUrl: url, clock: () => NOW }).operations!;
        expect(await ops.refund!(t(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'network_error' });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('an answer carrying a MAC that does not check is unknown; one that checks is read', async () => {
      const ops = automatic().operations!;
      bank('recredit_paiement.cgi', `reference=${ATTEMPT_REF}\ncdr=0\nMAC=${'0'.repeat(40)}\n`, []);
      expect(await ops.refund!(t(), 500, null)).to.deep.equal({ outcome: 'unknown', reason: 'bad_answer_mac' });
      const mac = hmacSha1Hex(KIT_DEMO_KEY, specFieldsString({ reference: ATTEMPT_REF, cdr: '0' }));
      bank('recredit_paiement.cgi', `reference=${ATTEMPT_REF}\ncdr=0\nMAC=${mac}\n`, []);
      expect(await ops.refund!(t(), 500, null)).to.include({ outcome: 'succeeded' });
    });
  });
});
