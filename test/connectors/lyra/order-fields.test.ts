import { expect } from 'chai';
import { lyraConnector, samplePayment } from './fixtures.js';

/** What the form tells Lyra about the order (data dictionary: vads_order_id, vads_order_info, vads_order_info2). */
describe('Lyra order fields', () => {
  async function fieldsFor(overrides: Parameters<typeof samplePayment>[0]): Promise<Record<string, string>> {
    const { payment, attempt } = samplePayment(overrides);
    return (await lyraConnector().buildRequest({ payment, attempt, locale: 'en', returnUrl: 'https://g/r', notifyUrl: 'https://g/n' })).fields;
  }

  it('sends the shop reference as vads_order_id, the description as vads_order_info and the attempt as vads_order_info2', async () => {
    expect(await fieldsFor({ reference: 'CMD_2024-0042', description: 'Two mugs' })).to.include({
      vads_order_id: 'CMD_2024-0042',
      vads_order_info: 'Two mugs',
      vads_order_info2: 'ATESTATTEMPTREF0000000000001',
    });
  });

  it('a reference Lyra refuses as an order id (a space, an accent, over 64 characters): the attempt reference instead', async () => {
    for (const reference of ['commande 42', 'commande-n°42', 'x'.repeat(65)]) {
      expect((await fieldsFor({ reference })).vads_order_id).to.equal('ATESTATTEMPTREF0000000000001');
    }
    expect((await fieldsFor({ reference: 'x'.repeat(64) })).vads_order_id).to.equal('x'.repeat(64));
  });

  it('no description, no vads_order_info; a long one is cut to the 255 characters the field holds', async () => {
    expect(await fieldsFor({ description: null })).not.to.have.property('vads_order_info');
    expect((await fieldsFor({ description: 'é'.repeat(300) })).vads_order_info).to.equal('é'.repeat(255));
  });
});
