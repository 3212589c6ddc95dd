import { expect } from 'chai';
import request from 'supertest';
import { cardNumbersIn, findCardData, luhnValid, maskCardNumbers } from '../../src/core/card-data.js';
import { isMerchantFreeText } from '../../src/http/middleware/card-data-guard.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';

const PAN = '4242424242424242';

describe('card data never enters the gateway', () => {
  describe('recognising card data', () => {
    it('finds Luhn-valid 13–19 digit sequences with a known brand prefix, grouped or not', () => {
      expect(cardNumbersIn(`pay ${PAN} now`)).to.deep.equal([PAN]);
      expect(cardNumbersIn('4242 4242 4242 4242')).to.have.length(1);
      expect(cardNumbersIn('5555-5555-5555-4444')).to.have.length(1);
      expect(cardNumbersIn('378282246310005')).to.have.length(1);
      expect(cardNumbersIn('4242424242424241')).to.deep.equal([]); // fails Luhn
      expect(cardNumbersIn('9999999999999995')).to.deep.equal([]); // no brand prefix
      expect(cardNumbersIn('order 12345 on 2026-11-23')).to.deep.equal([]);
      expect(luhnValid('79927398713')).to.equal(true);
    });

    it('masks card-like sequences to their last four digits', () => {
      expect(maskCardNumbers(`card ${PAN} and 4000 0000 0000 0002`)).to.equal('card [card …4242] and [card …0002]');
      expect(maskCardNumbers('nothing here 2026')).to.equal('nothing here 2026');
    });

    it('checks field names everywhere and content only in free text', () => {
      expect(findCardData({ metadata: { pan: 'x' } }, isMerchantFreeText)).to.deep.equal({ path: 'metadata.pan', kind: 'card_field' });
      expect(findCardData({ customer: { card_number: '1' } }, isMerchantFreeText)?.kind).to.equal('card_field');
      expect(findCardData({ description: `for ${PAN}` }, isMerchantFreeText)).to.deep.equal({ path: 'description', kind: 'card_number' });
      expect(findCardData({ reference: PAN }, isMerchantFreeText)).to.equal(null);
    });
  });

  describe('through the merchant API and the buyer pages', () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await testGateway();
    });
    afterEach(() => gw.close());
    const create = (body: unknown) => request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(body as object);
    const count = async () => (await gw.app.gateway.store.listPayments({ limit: 100 })).items.length;

    const refused: Array<[string, Record<string, unknown>]> = [
      ['a card number field', { cardNumber: PAN }],
      ['a cvc field inside metadata', { metadata: { cvc: '123' } }],
      ['an expiry field inside customer', { customer: { expiry: '12/30' } }],
      ['a PAN in the description', { description: `T-shirt, card ${PAN}` }],
      ['a grouped PAN in a metadata value', { metadata: { note: '4242 4242 4242 4242' } }],
      ['a PAN in the customer email', { customer: { email: `${PAN}@example.com` } }],
    ];
    for (const [name, override] of refused) {
      it(`refuses ${name} with a generic 400, storing and logging none of it`, async () => {
        const res = await create(validPayment(override));
        expect(res.status).to.equal(400);
        expect(res.body.type).to.match(/\/problems\/card_data_refused$/);
        expect(JSON.stringify(res.body)).not.to.contain(PAN).and.not.to.contain('4242 4242');
        expect(await count()).to.equal(0);
        const logs = gw.logs.join('\n');
        expect(logs).to.contain('card data refused');
        expect(logs).not.to.contain(PAN).and.not.to.contain('4242 4242');
      });
    }

    it('accepts a numeric reference that happens to pass the Luhn check (an identifier, not free text)', async () => {
      const res = await create(validPayment({ reference: PAN }));
      expect(res.status).to.equal(201);
      expect(res.body.reference).to.equal(PAN);
    });

    it('refuses a buyer form that carries card data', async () => {
      const p = (await create(validPayment())).body;
      const agent = request.agent(gw.app);
      const page = await agent.get(`/checkout/${p.id}`);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const res = await agent.post(`/checkout/${p.id}/pay`).type('form').send({ _csrf: token, cardNumber: PAN });
      expect(res.status).to.equal(400);
      expect(res.text).not.to.contain(PAN);
      expect((await gw.app.gateway.store.getPayment(p.id))!.attempts).to.have.length(0);
    });
  });
});
