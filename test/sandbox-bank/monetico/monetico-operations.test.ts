import { expect } from 'chai';
import request from 'supertest';
import { createSandboxBank, type SandboxBank } from '../../../sandbox-bank/app.js';
import { parseOperationReply } from '../../../src/protocols/monetico/operations.js';
import { hmacSha1Hex, KIT_DEMO_KEY, OTHER_KEY, specFieldsString } from '../../connectors/monetico/monetico-bank.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { newRef } from '../support/payment-request-token.js';

const BANK_URL = 'http://bank.test';
const AUTO_TPE = '2000001';
const DEFERRED_TPE = '2000002';
const KNOB_TPE = '2000003';
const ORDER_DATE = '17/03/2026:10:40:10';
const CAPTURE_WINDOW_SECONDS = 3600;

/** Sealed independently of the bank's code (test/connectors/monetico/monetico-bank.ts): the current kit's fields seal. */
function sealed(fields: Record<string, string>, key = KIT_DEMO_KEY): Record<string, string> {
  return { ...fields, MAC: hmacSha1Hex(key, specFieldsString(fields)) };
}

/**
 * The sandbox bank as Monetico's back office: capture_paiement.cgi (capture, and cancel as a capture
 * of 0 with nothing left) and recredit_paiement.cgi, the fields and seal of the CM-CIC Paiement
 * documentation technique v3.0 ("Capture", "Recrédit"), the recredit codes -46/-48/-52 as the CiviCRM
 * cmcic extension documents them.
 */
describe('sandbox bank: Monetico capture_paiement.cgi and recredit_paiement.cgi', () => {
  let bank: SandboxBank;
  let offsetMs = 0;

  before(async () => {
    bank = await createSandboxBank({
      publicUrl: BANK_URL,
      merchants: [
        { merchantId: 'auto', monetico: { tpe: AUTO_TPE, key: KIT_DEMO_KEY } },
        { merchantId: 'deferred', monetico: { tpe: DEFERRED_TPE, key: KIT_DEMO_KEY, capture: 'manual' } },
        { merchantId: 'knob', monetico: { tpe: KNOB_TPE, key: KIT_DEMO_KEY }, operations: { refund: 'decline' } },
      ],
      captureWindowSeconds: CAPTURE_WINDOW_SECONDS,
      operationLateAnswerMs: 300,
      logger: new CapturingLogger(),
      clock: () => new Date(Date.now() + offsetMs),
    });
  });
  afterEach(() => {
    offsetMs = 0;
  });
  after(() => bank.close());

  /** An order paid with 4242… on the test server. */
  async function paidOrder(tpe: string, montant = '24.80EUR'): Promise<string> {
    const reference = newRef();
    const form = sealed({ TPE: tpe, date: ORDER_DATE, montant, reference, 'texte-libre': 'order', lgue: 'FR', societe: 'shop', url_retour_ok: 'https://shop.example/ok', url_retour_err: 'https://shop.example/err', version: '3.0' });
    const opened = await request(bank.app).post('/monetico/test/paiement.cgi').type('form').send(form).expect(303);
    const card = new URL(opened.headers.location as string).pathname;
    await request(bank.app).post(card).type('form').send({ cardNumber: '4242 4242 4242 4242', expiry: '12/39', cvc: '737', cardType: 'visa', action: 'pay' }).expect(200);
    return reference;
  }

  const order = (tpe: string, reference: string, montant = '24.80EUR') => ({ TPE: tpe, date: '18/03/2026:09:00:00', date_commande: '17/03/2026', montant, reference, lgue: 'FR', societe: 'shop', version: '3.0' });
  const capture = (tpe: string, reference: string, aCapturer: string, extra: Record<string, string> = {}) => sealed({ ...order(tpe, reference), montant_a_capturer: aCapturer, montant_deja_capture: '0.00EUR', montant_restant: '0.00EUR', ...extra });
  const recredit = (tpe: string, reference: string, amount: string, possible: string, date = '18/03/2026:09:00:00') =>
    sealed({ ...order(tpe, reference), date, montant_recredit: amount, montant_possible: possible });

  async function send(script: string, form: Record<string, string>): Promise<Map<string, string>> {
    const res = await request(bank.app).post(`/monetico/test/${script}`).type('form').send(form).expect(200).expect('Content-Type', /text\/plain/);
    return parseOperationReply(res.text);
  }
  const transaction = (reference: string) => bank.transactions().find((t) => t.ref === reference)!;

  it('a deferred-capture terminal authorises only; a partial capture answers cdr=1 with montant_debite and releases the rest; a second capture is refused', async () => {
    const reference = await paidOrder(DEFERRED_TPE);
    expect(transaction(reference)).to.deep.include({ captureMode: 'manual', captures: [] });
    const reply = await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '20.00EUR'));
    expect(Object.fromEntries(reply)).to.include({ reference, cdr: '1', lib: 'paiement accepte', montant_estime: '24.80EUR', montant_debite: '20.00EUR' });
    expect(transaction(reference).captures.map((c) => c.amount)).to.deep.equal([2000]);
    const again = await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '4.80EUR', { date: '18/03/2026:09:05:00' }));
    expect(Object.fromEntries(again)).to.include({ cdr: '0', lib: 'montant deja capture incorrect' });
  });

  it('a capture of 0 with nothing left cancels the authorisation', async () => {
    const reference = await paidOrder(DEFERRED_TPE);
    expect((await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '0.00EUR'))).get('cdr')).to.equal('1');
    expect(transaction(reference).voided).to.not.equal(undefined);
  });

  it('refuses a capture above the authorisation, after the limit, of an unknown order, or asking several captures; nothing changes', async () => {
    const reference = await paidOrder(DEFERRED_TPE);
    expect(Object.fromEntries(await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '24.81EUR')))).to.include({ cdr: '0', lib: 'montant a capturer superieur au montant autorise' });
    expect(Object.fromEntries(await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '10.00EUR', { montant_restant: '14.80EUR' })))).to.include({ cdr: '0', lib: 'capture multiple non autorisee' });
    expect(Object.fromEntries(await send('capture_paiement.cgi', capture(DEFERRED_TPE, 'NOSUCHORDER1', '1.00EUR')))).to.include({ cdr: '0', lib: 'commande non trouvee' });
    offsetMs = CAPTURE_WINDOW_SECONDS * 1000;
    expect(Object.fromEntries(await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '10.00EUR')))).to.include({ cdr: '0', lib: 'autorisation expiree' });
    expect(transaction(reference).captures).to.have.length(0);
  });

  it('refuses a request it cannot authenticate (another key, a field changed, an unknown TPE, a field Monetico does not define) with cdr=-1', async () => {
    const reference = await paidOrder(DEFERRED_TPE);
    const good = capture(DEFERRED_TPE, reference, '1.00EUR');
    const { MAC: _mac, ...unsealed } = good;
    for (const form of [
      sealed(unsealed, OTHER_KEY),
      { ...good, montant_a_capturer: '2.00EUR' },
      capture('9999999', reference, '1.00EUR'),
      sealed({ ...order(DEFERRED_TPE, reference), montant_a_capturer: '1.00EUR', montant_deja_capture: '0.00EUR', montant_restant: '0.00EUR', extra: 'x' }),
    ]) {
      expect(Object.fromEntries(await send('capture_paiement.cgi', form))).to.include({ cdr: '-1', lib: 'commande non authentifiee' });
    }
    expect(transaction(reference).captures).to.have.length(0);
  });

  it('recredits in part several times while montant_possible is what is left: -52 when it is not, -46 once all is given back, -48 above what is left', async () => {
    const reference = await paidOrder(AUTO_TPE);
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '5.00EUR', '24.80EUR'))).get('cdr')).to.equal('0');
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '5.00EUR', '24.80EUR', '18/03/2026:09:01:00'))).get('cdr')).to.equal('-52');
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '19.81EUR', '19.80EUR'))).get('cdr')).to.equal('-48');
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '19.80EUR', '19.80EUR'))).get('cdr')).to.equal('0');
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '1.00EUR', '0.00EUR'))).get('cdr')).to.equal('-46');
    expect(transaction(reference).refunds.map((r) => r.amount)).to.deep.equal([500, 1980]);
  });

  it('answers the very same request again with its first answer and does nothing twice', async () => {
    const reference = await paidOrder(AUTO_TPE);
    const form = recredit(AUTO_TPE, reference, '3.00EUR', '24.80EUR');
    const first = await send('recredit_paiement.cgi', form);
    expect(await send('recredit_paiement.cgi', form)).to.deep.equal(first);
    expect(transaction(reference).refunds).to.have.length(1);
  });

  it('test amounts: ending 51 refused (-48), 52 done but answered 504 once, 53 done and answered late; a merchant knob declines every recredit', async () => {
    const reference = await paidOrder(AUTO_TPE);
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '1.51EUR', '24.80EUR'))).get('cdr')).to.equal('-48');

    const lost = recredit(AUTO_TPE, reference, '1.52EUR', '24.80EUR', '18/03/2026:09:02:00');
    await request(bank.app).post('/monetico/test/recredit_paiement.cgi').type('form').send(lost).expect(504);
    expect(transaction(reference).refunds.map((r) => r.amount)).to.deep.equal([152]);
    expect((await send('recredit_paiement.cgi', lost)).get('cdr')).to.equal('0');
    expect(transaction(reference).refunds).to.have.length(1);

    const started = Date.now();
    expect((await send('recredit_paiement.cgi', recredit(AUTO_TPE, reference, '1.53EUR', '23.28EUR'))).get('cdr')).to.equal('0');
    expect(Date.now() - started).to.be.at.least(250);

    const knob = await paidOrder(KNOB_TPE);
    expect(Object.fromEntries(await send('recredit_paiement.cgi', recredit(KNOB_TPE, knob, '1.00EUR', '24.80EUR')))).to.include({ cdr: '-48', lib: 'recredit refuse' });
    expect(transaction(knob).refunds).to.have.length(0);
  });

  it('shows Monetico orders with their captures and refunds on the back-office page', async () => {
    const reference = await paidOrder(DEFERRED_TPE);
    await send('capture_paiement.cgi', capture(DEFERRED_TPE, reference, '12.00EUR'));
    const page = await request(bank.app).get('/back-office').expect(200);
    expect(page.text).to.contain(reference).and.contain('monetico-test');
  });
});
