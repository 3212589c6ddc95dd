import { expect } from 'chai';
import nock from 'nock';
import request from 'supertest';
import { createDemoShop } from '../../demo/shop/app.js';

const GATEWAY = 'http://gateway.test';

describe('demo shop: choosing the bank protocol', () => {
  afterEach(() => nock.cleanAll());
  const shop = () => createDemoShop({ publicUrl: 'http://shop.test', gatewayUrl: GATEWAY, apiKey: 'sk_test_demo_123', connectors: ['native', 'sips', 'lyra'] });

  it('offers the configured protocols and sends the chosen one as the payment connector', async () => {
    const home = await request(shop()).get('/');
    expect(home.text).to.contain('name="connector"').and.contain('value="sips"').and.contain('value="lyra"');
    let sent: Record<string, unknown> | undefined;
    nock(GATEWAY)
      .post('/api/v1/payments', (body) => ((sent = body), true))
      .reply(201, { id: 'pay_1', status: 'created', amount: 1290, currency: 'EUR', reference: 'r', description: 'd', checkoutUrl: `${GATEWAY}/checkout/pay_1`, returnUrl: null, expiresAt: new Date().toISOString(), createdAt: new Date().toISOString(), metadata: {}, attempts: [] });
    const res = await request(shop()).post('/buy').type('form').send({ productId: 'mug', locale: 'en', connector: 'sips' });
    expect(res.status).to.equal(303);
    expect(sent?.connector).to.equal('sips');
  });

  it('refuses a protocol that is not offered', async () => {
    const res = await request(shop()).post('/buy').type('form').send({ productId: 'mug', locale: 'en', connector: 'paypal' });
    expect(res.status).to.equal(400);
  });
});
