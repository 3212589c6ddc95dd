import { expect } from 'chai';
import fc from 'fast-check';
import { csvCell } from '../../../src/console/payments-csv.js';

/** A strict RFC 4180 reader of one line of cells, to read back what csvCell wrote. */
function readCells(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (true) {
        if (line[i] === '"' && line[i + 1] === '"') (value += '"'), (i += 2);
        else if (line[i] === '"') break;
        else value += line[i++];
      }
      cells.push(value);
      i += 2;
    } else {
      const end = line.indexOf(',', i);
      cells.push(line.slice(i, end === -1 ? line.length : end));
      i = end === -1 ? line.length + 1 : end + 1;
    }
  }
  return cells;
}

describe('console CSV cells', () => {
  it('quotes cells with quotes, commas and line breaks, doubling quotes', () => {
    expect(csvCell('plain')).to.equal('plain');
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('two\nlines')).to.equal('"two\nlines"');
  });

  it('defuses cells a spreadsheet would run as a formula (= + - @, tab, carriage return)', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).to.equal('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('+1')).to.equal("'+1");
    expect(csvCell('-2+3')).to.equal("'-2+3");
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell('\tx')).to.equal("'\tx");
  });

  it('reads back as the value written (with the apostrophe when defused), for any text', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (values) => {
        const back = readCells(values.map(csvCell).join(','));
        expect(back).to.deep.equal(values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)));
      }),
    );
  });
});
