import { expect } from 'chai';
import {
  findCurrency,
  findCurrencyByNumeric,
  formatAmount,
  fromDecimalString,
  isMinorAmount,
  toDecimalString,
  type Currency,
} from '../../src/core/money.js';

function currency(code: string): Currency {
  const found = findCurrency(code);
  if (!found) throw new Error(`test setup: ${code} should be known`);
  return found;
}

const EUR = currency('EUR');
const JPY = currency('JPY');
const BHD = currency('BHD');

describe('core/money', () => {
  describe('findCurrency', () => {
    it('knows the minor units of EUR (2), JPY (0) and BHD (3)', () => {
      expect(findCurrency('EUR')).to.deep.equal({ code: 'EUR', numeric: '978', minorUnits: 2 });
      expect(findCurrency('JPY')).to.deep.equal({ code: 'JPY', numeric: '392', minorUnits: 0 });
      expect(findCurrency('BHD')).to.deep.equal({ code: 'BHD', numeric: '048', minorUnits: 3 });
    });

    it('answers undefined for an unknown code', () => {
      expect(findCurrency('ZZZ')).to.equal(undefined);
      expect(findCurrency('')).to.equal(undefined);
      expect(findCurrency('eur'), 'codes are upper case').to.equal(undefined);
    });

    it('does not offer codes that are not money a buyer pays with', () => {
      for (const code of ['XXX', 'XTS', 'XAU', 'XAG', 'XDR']) expect(findCurrency(code), code).to.equal(undefined);
    });
  });

  describe('findCurrencyByNumeric', () => {
    it('finds EUR by 978', () => {
      expect(findCurrencyByNumeric('978')).to.deep.equal(EUR);
    });

    it('pads short numeric codes (48 → 048 BHD)', () => {
      expect(findCurrencyByNumeric('48')?.code).to.equal('BHD');
    });

    it('answers undefined for unknown or non-payable numbers', () => {
      expect(findCurrencyByNumeric('000')).to.equal(undefined);
      expect(findCurrencyByNumeric('959'), 'XAU').to.equal(undefined);
    });
  });

  describe('isMinorAmount', () => {
    it('accepts non-negative safe integers only', () => {
      expect(isMinorAmount(0)).to.equal(true);
      expect(isMinorAmount(Number.MAX_SAFE_INTEGER)).to.equal(true);
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1, '100', null, undefined]) {
        expect(isMinorAmount(bad), String(bad)).to.equal(false);
      }
    });
  });

  describe('toDecimalString / fromDecimalString', () => {
    const cases: Array<[number, Currency, string]> = [
      [1, EUR, '0.01'],
      [0, EUR, '0.00'],
      [10, EUR, '0.10'],
      [2480, EUR, '24.80'],
      [123456789, EUR, '1234567.89'],
      [1, BHD, '0.001'],
      [1234, BHD, '1.234'],
      [0, JPY, '0'],
      [1500, JPY, '1500'],
    ];

    for (const [amount, cur, text] of cases) {
      it(`${amount} ${cur.code} ↔ "${text}"`, () => {
        expect(toDecimalString(amount, cur)).to.equal(text);
        expect(fromDecimalString(text, cur)).to.equal(amount);
      });
    }

    it('round-trips every amount of a sample in every minor-unit size', () => {
      for (const cur of [EUR, JPY, BHD]) {
        // fromDecimalString reads at most 15 integer digits, the largest 0-decimal amount that reads back.
        const largest = cur.minorUnits === 0 ? 999_999_999_999_999 : Number.MAX_SAFE_INTEGER;
        for (const amount of [0, 1, 9, 10, 99, 100, 101, 999, 1000, 1001, 2480, 99999, 1234567, largest]) {
          expect(fromDecimalString(toDecimalString(amount, cur), cur), `${amount} ${cur.code}`).to.equal(amount);
        }
      }
    });

    it('fromDecimalString accepts fewer decimals than the currency has', () => {
      expect(fromDecimalString('24.8', EUR)).to.equal(2480);
      expect(fromDecimalString('24', EUR)).to.equal(2400);
      expect(fromDecimalString('1.2', BHD)).to.equal(1200);
    });

    it('toDecimalString refuses floats, negatives and unsafe integers', () => {
      for (const bad of [24.8, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
        expect(() => toDecimalString(bad, EUR), String(bad)).to.throw(TypeError);
      }
    });

    it('fromDecimalString refuses negatives, exponents, separators and stray characters', () => {
      for (const bad of ['-1', '-0.01', '1e3', '1,50', ' 1', '1 ', '1.', '.5', '', '+1', '0x10', '１']) {
        expect(() => fromDecimalString(bad, EUR), JSON.stringify(bad)).to.throw(TypeError);
      }
    });

    it('fromDecimalString refuses more decimals than the currency has', () => {
      expect(() => fromDecimalString('24.801', EUR)).to.throw(TypeError, /too many decimals/);
      expect(() => fromDecimalString('1.0001', BHD)).to.throw(TypeError, /too many decimals/);
      expect(() => fromDecimalString('1500.0', JPY)).to.throw(TypeError, /too many decimals/);
    });

    it('fromDecimalString refuses amounts beyond a safe integer of minor units', () => {
      expect(() => fromDecimalString('999999999999999', EUR)).to.throw(RangeError);
      expect(() => fromDecimalString('9999999999999999', JPY), 'more than 15 integer digits').to.throw(TypeError);
    });
  });

  describe('formatAmount', () => {
    it('formats EUR in English', () => {
      expect(formatAmount(2480, EUR, 'en')).to.equal('€24.80');
      expect(formatAmount(1, EUR, 'en')).to.equal('€0.01');
    });

    it('formats EUR in French with a decimal comma and the euro sign after the number', () => {
      const text = formatAmount(2480, EUR, 'fr');
      expect(text).to.contain('24,80');
      expect(text).to.contain('€');
      expect(text.indexOf('€')).to.be.greaterThan(text.indexOf('24,80'));
    });

    it('groups thousands in both languages', () => {
      expect(formatAmount(123456789, EUR, 'en')).to.equal('€1,234,567.89');
      // French groups with a narrow no-break space.
      expect(formatAmount(123456789, EUR, 'fr').replace(/\s/g, ' ')).to.contain('1 234 567,89');
    });

    it('shows no decimals for JPY and three for BHD', () => {
      expect(formatAmount(1500, JPY, 'en')).to.contain('1,500');
      expect(formatAmount(1500, JPY, 'en')).to.not.contain('.');
      expect(formatAmount(1234, BHD, 'en')).to.contain('1.234');
      expect(formatAmount(1234, BHD, 'fr')).to.contain('1,234');
    });

    it('formats exactly, even beyond float precision', () => {
      expect(formatAmount(Number.MAX_SAFE_INTEGER, EUR, 'en')).to.equal('€90,071,992,547,409.91');
    });

    it('refuses amounts that are not minor units', () => {
      expect(() => formatAmount(24.8, EUR, 'en')).to.throw(TypeError);
    });
  });
});
