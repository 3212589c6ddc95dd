import { expect } from 'chai';
import {
  detectBrand,
  isCardBrand,
  isExpired,
  isValidSecurityCode,
  lastFour,
  normaliseCardNumber,
  outcomeForCard,
  parseExpiry,
  passesLuhn,
  TEST_CARDS,
} from '../../sandbox-bank/cards.js';

const digitsOf = (printed: string) => printed.replace(/\s/g, '');

describe('sandbox bank card rules', () => {
  describe('normaliseCardNumber', () => {
    it('removes spaces and dashes', () => {
      expect(normaliseCardNumber('4242 4242-4242 4242')).to.equal('4242424242424242');
      expect(normaliseCardNumber(' 4242424242424242 ')).to.equal('4242424242424242');
    });

    it('refuses letters, other separators and impossible lengths', () => {
      expect(normaliseCardNumber('4242.4242.4242.4242')).to.equal(undefined);
      expect(normaliseCardNumber('4242x24242424242')).to.equal(undefined);
      expect(normaliseCardNumber('42424242424')).to.equal(undefined);
      expect(normaliseCardNumber('42424242424242424242')).to.equal(undefined);
      expect(normaliseCardNumber('')).to.equal(undefined);
    });
  });

  describe('passesLuhn', () => {
    it('accepts every test card', () => {
      for (const card of TEST_CARDS) expect(passesLuhn(digitsOf(card.number)), card.number).to.equal(true);
    });

    it('refuses a number with one digit changed or two digits swapped', () => {
      expect(passesLuhn('4242424242424241')).to.equal(false);
      expect(passesLuhn('2442424242424242')).to.equal(false);
      expect(passesLuhn('4000000000000020')).to.equal(false);
      expect(passesLuhn('79927398713')).to.equal(true);
      expect(passesLuhn('79927398710')).to.equal(false);
    });

    it('refuses non-digits', () => {
      expect(passesLuhn('4242 4242 4242 4242')).to.equal(false);
      expect(passesLuhn('')).to.equal(false);
    });
  });

  describe('detectBrand', () => {
    it('recognises each test card as its brand', () => {
      for (const card of TEST_CARDS) expect(detectBrand(digitsOf(card.number)), card.number).to.equal(card.brand);
    });

    it('knows Visa by its leading 4 (13, 16 or 19 digits)', () => {
      expect(detectBrand('4222222222222')).to.equal('visa');
      expect(detectBrand('4111111111111111')).to.equal('visa');
      expect(detectBrand('4111111111111111110')).to.equal('visa');
      expect(detectBrand('411111111111111')).to.equal(undefined);
    });

    it('knows Mastercard by 51–55 and 2221–2720 with 16 digits', () => {
      expect(detectBrand('5105105105105100')).to.equal('mastercard');
      expect(detectBrand('5500000000000004')).to.equal('mastercard');
      expect(detectBrand('2221000000000009')).to.equal('mastercard');
      expect(detectBrand('2720990000000007')).to.equal('mastercard');
      expect(detectBrand('2220990000000008')).to.equal(undefined);
      expect(detectBrand('2721000000000004')).to.equal(undefined);
      expect(detectBrand('5600000000000003')).to.equal(undefined);
      expect(detectBrand('5000000000000009')).to.equal(undefined);
    });

    it('knows American Express by 34/37 with 15 digits', () => {
      expect(detectBrand('371449635398431')).to.equal('amex');
      expect(detectBrand('340000000000009')).to.equal('amex');
      expect(detectBrand('3714496353984310')).to.equal(undefined);
      expect(detectBrand('350000000000009')).to.equal(undefined);
    });

    it('knows Diners Club by 36, 38, 39 and 300–305 with 14 digits', () => {
      expect(detectBrand('36227206271667')).to.equal('diners');
      expect(detectBrand('30569309025904')).to.equal('diners');
      expect(detectBrand('38520000023237')).to.equal('diners');
      expect(detectBrand('39000000000007')).to.equal('diners');
      expect(detectBrand('30600000000000')).to.equal(undefined);
      expect(detectBrand('3622720627166')).to.equal(undefined);
    });

    it('has no brand for other issuers', () => {
      expect(detectBrand('6011111111111117')).to.equal(undefined);
      expect(detectBrand('3530111333300000')).to.equal(undefined);
    });
  });

  describe('expiry', () => {
    it('parses MM/YY, tolerating spaces around the slash', () => {
      expect(parseExpiry('08/29')).to.deep.equal({ month: 8, year: 2029 });
      expect(parseExpiry(' 12 / 30 ')).to.deep.equal({ month: 12, year: 2030 });
    });

    it('parses MMYY as typed on a numeric keypad, which has no slash', () => {
      expect(parseExpiry('1230')).to.deep.equal({ month: 12, year: 2030 });
      expect(parseExpiry('0829')).to.deep.equal({ month: 8, year: 2029 });
      expect(parseExpiry('12/30')).to.deep.equal({ month: 12, year: 2030 });
    });

    it('refuses anything else', () => {
      for (const text of ['8/29', '08/2029', '829', '08290', '1329', '0029', '13/29', '00/29', 'ab/cd', '08-29', '08//29', '']) {
        expect(parseExpiry(text), text).to.equal(undefined);
      }
    });

    it('keeps a card valid through its expiry month and refuses last month (fixed clock)', () => {
      const now = new Date('2026-03-31T23:59:59Z');
      expect(isExpired({ month: 3, year: 2026 }, now)).to.equal(false);
      expect(isExpired({ month: 4, year: 2026 }, now)).to.equal(false);
      expect(isExpired({ month: 2, year: 2026 }, now)).to.equal(true);
      expect(isExpired({ month: 12, year: 2025 }, now)).to.equal(true);
      expect(isExpired({ month: 1, year: 2027 }, now)).to.equal(false);
    });

    it('turns over at the new year', () => {
      const now = new Date('2027-01-01T00:00:00Z');
      expect(isExpired({ month: 12, year: 2026 }, now)).to.equal(true);
      expect(isExpired({ month: 1, year: 2027 }, now)).to.equal(false);
    });
  });

  describe('security code', () => {
    it('is 3 digits, 4 for American Express', () => {
      expect(isValidSecurityCode('123', 'visa')).to.equal(true);
      expect(isValidSecurityCode('123', 'mastercard')).to.equal(true);
      expect(isValidSecurityCode('123', 'diners')).to.equal(true);
      expect(isValidSecurityCode('1234', 'amex')).to.equal(true);
      expect(isValidSecurityCode('1234', 'visa')).to.equal(false);
      expect(isValidSecurityCode('123', 'amex')).to.equal(false);
      expect(isValidSecurityCode('12', 'visa')).to.equal(false);
      expect(isValidSecurityCode('12a', 'visa')).to.equal(false);
    });
  });

  describe('outcomes', () => {
    it('follows the test card table', () => {
      expect(outcomeForCard('4242424242424242')).to.deep.equal({ status: 'authorised' });
      expect(outcomeForCard('4000000000000002')).to.deep.equal({ status: 'refused', reason: 'card_declined' });
      expect(outcomeForCard('4000000000009995')).to.deep.equal({ status: 'refused', reason: 'insufficient_funds' });
      expect(outcomeForCard('5555555555554444')).to.deep.equal({ status: 'authorised' });
      expect(outcomeForCard('378282246310005')).to.deep.equal({ status: 'authorised' });
      expect(outcomeForCard('36227206271667')).to.deep.equal({ status: 'authorised' });
    });

    it('authorises any other valid number', () => {
      expect(outcomeForCard('4111111111111111')).to.deep.equal({ status: 'authorised' });
    });

    it('lists outcomes on the home page that match outcomeForCard', () => {
      for (const card of TEST_CARDS) expect(outcomeForCard(digitsOf(card.number)), card.number).to.deep.equal(card.outcome);
    });
  });

  it('keeps only the last four digits', () => {
    expect(lastFour('4242424242424242')).to.equal('4242');
    expect(lastFour('378282246310005')).to.equal('0005');
  });

  it('knows the four card types', () => {
    expect(['visa', 'mastercard', 'amex', 'diners'].every(isCardBrand)).to.equal(true);
    expect(isCardBrand('discover')).to.equal(false);
    expect(isCardBrand(undefined)).to.equal(false);
  });
});
