import { expect } from 'chai';
import { GATEWAY_ROUTES, gatewayUrls } from '../../src/http/gateway-urls.js';

describe('gateway URLs', () => {
  const urls = gatewayUrls('https://pay.shop.example/gateway');

  it('builds every page URL under PUBLIC_URL, its path included', () => {
    expect(urls.checkout('pay_abc')).to.equal('https://pay.shop.example/gateway/checkout/pay_abc');
    expect(urls.pay('pay_abc')).to.equal('https://pay.shop.example/gateway/checkout/pay_abc/pay');
    expect(urls.result('pay_abc')).to.equal('https://pay.shop.example/gateway/checkout/pay_abc/result');
    expect(urls.backToShop('pay_abc')).to.equal('https://pay.shop.example/gateway/checkout/pay_abc/back');
    expect(urls.bankReturn('sips')).to.equal('https://pay.shop.example/gateway/bank/sips/return');
    expect(urls.bankNotify('sips')).to.equal('https://pay.shop.example/gateway/bank/sips/notify');
  });

  it('builds each URL on the route pattern a router mounts', () => {
    const path = (url: string) => new URL(url).pathname.replace('/gateway', '');
    expect(path(urls.checkout('ID'))).to.equal(GATEWAY_ROUTES.checkout.replace(':id', 'ID'));
    expect(path(urls.pay('ID'))).to.equal(GATEWAY_ROUTES.pay.replace(':id', 'ID'));
    expect(path(urls.result('ID'))).to.equal(GATEWAY_ROUTES.result.replace(':id', 'ID'));
    expect(path(urls.backToShop('ID'))).to.equal(GATEWAY_ROUTES.backToShop.replace(':id', 'ID'));
    expect(path(urls.bankReturn('C'))).to.equal(GATEWAY_ROUTES.bankReturn.replace(':connector', 'C'));
    expect(path(urls.bankNotify('C'))).to.equal(GATEWAY_ROUTES.bankNotify.replace(':connector', 'C'));
  });

  it('never lets a value change the shape of a URL', () => {
    expect(urls.checkout('a/../b?c#d')).to.equal('https://pay.shop.example/gateway/checkout/a%2F..%2Fb%3Fc%23d');
  });
});
