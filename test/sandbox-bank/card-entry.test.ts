import { expect } from 'chai';
import { checkCardEntry } from '../../sandbox-bank/card-entry.js';

const NOW = new Date('2026-03-15T10:00:00Z');
const valid = { cardNumber: '4242 4242 4242 4242', expiry: '03/26', cvc: '123', cardType: 'visa' };

describe('sandbox bank card entry', () => {
  it('accepts a valid card and keeps only brand, last four and outcome', () => {
    const result = checkCardEntry(valid, NOW);
    expect(result).to.deep.equal({ accepted: true, card: { brand: 'visa', last4: '4242', outcome: { status: 'authorised' } } });
    expect(JSON.stringify(result)).to.not.include('4242424242424242').and.not.include('123');
  });

  it('accepts dashes, an Amex with 4-digit code and a Diners card', () => {
    expect(checkCardEntry({ cardNumber: '3782-822463-10005', expiry: '12/30', cvc: '1234', cardType: 'amex' }, NOW)).to.deep.include({ accepted: true });
    expect(checkCardEntry({ cardNumber: '3622 720627 1667', expiry: '12/30', cvc: '123', cardType: 'diners' }, NOW)).to.deep.include({ accepted: true });
  });

  it('decides declined test cards as refused with their reason', () => {
    const declined = checkCardEntry({ ...valid, cardNumber: '4000 0000 0000 0002' }, NOW);
    expect(declined).to.deep.equal({ accepted: true, card: { brand: 'visa', last4: '0002', outcome: { status: 'refused', reason: 'card_declined' } } });
    const funds = checkCardEntry({ ...valid, cardNumber: '4000000000009995' }, NOW);
    expect(funds).to.deep.include({ accepted: true });
    if (funds.accepted) expect(funds.card.outcome).to.deep.equal({ status: 'refused', reason: 'insufficient_funds' });
  });

  it('refuses a number failing the Luhn check', () => {
    const result = checkCardEntry({ ...valid, cardNumber: '4242 4242 4242 4241' }, NOW);
    expect(result).to.deep.equal({ accepted: false, problems: { cardNumber: 'number_invalid' }, kept: { cardType: 'visa', expiry: '03/26' } });
  });

  it('refuses a number of another brand than the chosen card type', () => {
    const result = checkCardEntry({ ...valid, cardType: 'mastercard' }, NOW);
    expect(result).to.deep.include({ accepted: false });
    if (!result.accepted) expect(result.problems).to.deep.equal({ cardNumber: 'number_brand_mismatch' });
  });

  it('refuses last month, accepts the current month (fixed clock)', () => {
    const last = checkCardEntry({ ...valid, expiry: '02/26' }, NOW);
    expect(last).to.deep.include({ accepted: false });
    if (!last.accepted) expect(last.problems).to.deep.equal({ expiry: 'expired' });
    expect(checkCardEntry({ ...valid, expiry: '03/26' }, NOW)).to.deep.include({ accepted: true });
  });

  it('accepts the expiry as typed on a numeric keypad or with spaces around the slash', () => {
    for (const expiry of ['1230', '12/30', '12 / 30']) {
      const result = checkCardEntry({ ...valid, expiry }, NOW);
      expect(result.accepted, expiry).to.equal(true);
    }
  });

  it('refuses an expiry not written MM/YY', () => {
    const result = checkCardEntry({ ...valid, expiry: '3/2026' }, NOW);
    if (result.accepted) expect.fail('accepted');
    expect(result.problems).to.deep.equal({ expiry: 'expiry_format' });
  });

  it('refuses a security code of the wrong length for the brand', () => {
    const visa = checkCardEntry({ ...valid, cvc: '1234' }, NOW);
    if (visa.accepted) expect.fail('accepted');
    expect(visa.problems).to.deep.equal({ cvc: 'security_code_length' });
    const amex = checkCardEntry({ cardNumber: '378282246310005', expiry: '12/30', cvc: '123', cardType: 'amex' }, NOW);
    if (amex.accepted) expect.fail('accepted');
    expect(amex.problems).to.deep.equal({ cvc: 'security_code_length' });
  });

  it('reports every problem at once and never keeps the number or code', () => {
    const result = checkCardEntry({ cardNumber: '1234', expiry: 'soon', cvc: '1', cardType: 'discover' }, NOW);
    if (result.accepted) expect.fail('accepted');
    expect(result.problems).to.deep.equal({
      cardType: 'card_type_missing',
      cardNumber: 'number_invalid',
      expiry: 'expiry_format',
      cvc: 'security_code_length',
    });
    expect(result.kept).to.deep.equal({ cardType: undefined, expiry: 'soon' });
  });

  it('treats missing or non-text fields as empty', () => {
    const result = checkCardEntry({ cardNumber: ['4242424242424242'], cvc: 123 }, NOW);
    expect(result.accepted).to.equal(false);
  });
});
