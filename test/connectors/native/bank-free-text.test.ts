import { expect } from 'chai';
import request from 'supertest';
import type { ResponseTransaction } from '../../../src/protocols/native.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../../support/gateway.js';
import { logEntries } from '../../support/log-lines.js';

const VISA = '4111111111111111';

/**
 * The bank's codes and identifiers are stored on the attempt and served by the API and in webhooks:
 * each must fit the grammar docs/protocol.md gives it, and none may carry a card number.
 */
describe('bank free text (native protocol)', () => {
  let gw: TestGateway;
  let paymentId: string;
  let txn: ResponseTransaction;

  beforeEach(async () => {
    gw = await testGateway();
    const res = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    paymentId = res.body.id;
    const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'native');
    txn = { ref: attempt!.ref, status: 'refused', amount: 2480, currency: 'EUR', bank_txn_id: 'BT1', card: { brand: 'visa', last4: '1111' } };
  });
  afterEach(() => gw.close());

  const notify = (token: string) => request(gw.app).post('/bank/native/notify').type('form').send({ response: token });

  async function expectRefused(changes: Partial<ResponseTransaction>, reason: string): Promise<void> {
    const before = await gw.app.gateway.store.getPayment(paymentId);
    const logged = gw.logs.length;
    const res = await notify(await gw.bank.sign({ ...txn, ...changes }));
    expect(res.status, JSON.stringify(changes)).to.equal(400);
    expect(res.body).to.deep.equal({ status: 'rejected', reason });
    // The refusal is logged with its reason only: the refused value (a card number) is not written.
    expect(logEntries(gw.logs, logged)).to.deep.equal([{ level: 40, service: 'hpp-gateway', connector: 'native', reason, msg: 'bank notification refused' }]);
    const after = await gw.app.gateway.store.getPayment(paymentId);
    expect(after).to.deep.equal(before);
    const api = await request(gw.app).get(`/api/v1/payments/${paymentId}`).set('Authorization', `Bearer ${API_KEY}`);
    expect(api.text).not.to.contain(VISA);
  }

  it('refuses a card number as txn.reason, txn.auth_code or txn.bank_txn_id; nothing is stored', async () => {
    await expectRefused({ reason: `x${VISA}` }, 'card_number_in_reason');
    await expectRefused({ status: 'authorised', auth_code: VISA }, 'card_number_in_auth_code');
    await expectRefused({ bank_txn_id: VISA }, 'card_number_in_bank_txn_id');
  });

  it('refuses a txn.reason that is not a lower-case word, and codes outside their grammar', async () => {
    await expectRefused({ reason: `card ${VISA}` }, 'malformed_claims');
    await expectRefused({ reason: 'Card_Declined' }, 'malformed_claims');
    await expectRefused({ status: 'authorised', auth_code: 'A1 B2' }, 'malformed_claims');
    await expectRefused({ bank_txn_id: 'BT 1' }, 'malformed_claims');
  });

  it('accepts a bank transaction id whose hex happens to hold a Luhn-valid run: only a number standing on its own is refused', async () => {
    // About one random sandbox id (sbx + 32 hex) in 1,500 holds such a run; refusing it would refuse a genuine answer.
    const bankTxnId = 'sbx4012888888881881ab0f';
    const res = await notify(await gw.bank.sign({ ...txn, bank_txn_id: bankTxnId }));
    expect(res.status).to.equal(200);
    const payment = await gw.app.gateway.store.getPayment(paymentId);
    expect(payment!.attempts[0]).to.include({ status: 'refused', bankTransactionId: bankTxnId });
    await expectRefused({ bank_txn_id: `BT-${VISA}` }, 'card_number_in_bank_txn_id');
  });

  it('stores a well-formed reason as the response code', async () => {
    const res = await notify(await gw.bank.sign({ ...txn, reason: 'insufficient_funds' }));
    expect(res.status).to.equal(200);
    const payment = await gw.app.gateway.store.getPayment(paymentId);
    expect(payment!.attempts[0]).to.include({ status: 'refused', responseCode: 'insufficient_funds', bankTransactionId: 'BT1' });
  });
});
