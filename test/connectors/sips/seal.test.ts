import { expect } from 'chai';
import { computeSeal, sealMatches } from '../../../src/protocols/sips/seal.js';
import { independentHmacSeal, independentLegacySeal } from './fixtures.js';

/** Published worked examples, inputs and outputs exactly as their sources give them. */
const SIMU_DEMO_SHOP_VECTOR = {
  key: '002001000000001_KEY1',
  data: 'amount=1234|currencyCode=978|merchantId=002001000000001|normalReturnUrl=http://www.normalreturnurl.com|transactionReference=marlon1|keyVersion=1',
  seal: '65421e720d149e8a79bdc9a29f6c462ed199b78f32e558c6c5fc15f0084e5384',
};
const JAVA_SDK_HMAC_VECTOR = {
  key: 'superSafeSecretKey',
  data: 'This is a test!',
  seal: '198e5f278e3f8548e174e84492953c4871732278b7e2aa2cbf20bb1ab85914ea',
};

describe('Sips seal', () => {
  it('legacy SHA-256(Data + secretKey): Worldline Sips PHP library sample, SIMU demo shop 002001000000001 / 002001000000001_KEY1', () => {
    const { key, data, seal } = SIMU_DEMO_SHOP_VECTOR;
    expect(computeSeal(data, key, 'SHA-256')).to.equal(seal);
    expect(sealMatches(seal, data, key, 'SHA-256')).to.equal(true);
    // The same bytes under HMAC give another seal: the legacy form is never taken for the current one.
    expect(sealMatches(seal, data, key, 'HMAC-SHA-256')).to.equal(false);
  });

  it('HMAC-SHA-256, lowercase hex: Worldline Sips Java SDK, seal calculator test', () => {
    const { key, data, seal } = JAVA_SDK_HMAC_VECTOR;
    expect(computeSeal(data, key, 'HMAC-SHA-256')).to.equal(seal);
    expect(sealMatches(seal, data, key, 'HMAC-SHA-256')).to.equal(true);
  });

  it('agrees with an independent WebCrypto computation, for non-ASCII data too', async () => {
    for (const data of ['amount=1|keyVersion=1', 'orderId=Café-42|customerLanguage=fr', '']) {
      expect(computeSeal(data, 'k€y', 'HMAC-SHA-256')).to.equal(await independentHmacSeal(data, 'k€y'));
      expect(computeSeal(data, 'k€y', 'SHA-256')).to.equal(await independentLegacySeal(data, 'k€y'));
    }
  });

  it('accepts an uppercase hex seal and refuses a seal of the wrong length or alphabet, a changed byte or another key', () => {
    const { key, data, seal } = JAVA_SDK_HMAC_VECTOR;
    expect(sealMatches(seal.toUpperCase(), data, key, 'HMAC-SHA-256')).to.equal(true);
    expect(sealMatches(seal.slice(0, 62), data, key, 'HMAC-SHA-256')).to.equal(false);
    expect(sealMatches(`${seal}00`, data, key, 'HMAC-SHA-256')).to.equal(false);
    expect(sealMatches(seal.replace(/^./, 'z'), data, key, 'HMAC-SHA-256')).to.equal(false);
    expect(sealMatches(seal, `${data} `, key, 'HMAC-SHA-256')).to.equal(false);
    expect(sealMatches(seal, data, `${key}x`, 'HMAC-SHA-256')).to.equal(false);
    expect(sealMatches('', data, key, 'HMAC-SHA-256')).to.equal(false);
  });
});
