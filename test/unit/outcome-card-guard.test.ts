import { expect } from 'chai';
import { withoutCardNumbers } from '../../src/core/outcome-card-guard.js';
import { transition, type Command } from '../../src/core/transition.js';
import { fixedContext, outcome, paymentIn } from './fixtures.js';

const VISA = '4111111111111111';

describe('Card numbers in bank outcomes (defence in depth in the core)', () => {
  it('stores no card number from any string of an outcome: the attempt keeps a mask and the verdict applies', () => {
    const command: Command = {
      type: 'bank_outcome',
      outcome: outcome('authorised', {
        bankTransactionId: `txn ${VISA}`,
        authorisationCode: VISA,
        responseCode: `declined 4111 1111 1111 1111`,
        card: { brand: 'visa', last4: '1111' },
      }),
    };
    const result = transition(paymentIn('pending'), command, fixedContext());
    expect(result.verdict).to.equal('applied');
    const stored = result.payment.attempts[0]!;
    expect(stored).to.include({ status: 'authorised', authorisationCode: '[card …1111]', bankTransactionId: 'txn [card …1111]', responseCode: 'declined [card …1111]' });
    expect(JSON.stringify(result)).not.to.match(/4111[ -]?1111[ -]?1111[ -]?1111/);
  });

  it('masks at every depth and leaves every other value as it was', () => {
    const masked = withoutCardNumbers(outcome('refused', { responseCode: '05/51', card: { brand: `x${VISA}`.slice(1), last4: '0055' } }));
    expect(masked).to.deep.equal(outcome('refused', { responseCode: '05/51', card: { brand: '[card …1111]', last4: '0055' } }));
  });

  it('keeps an identifier whose digits merely include a Luhn-valid run (a hex UUID is not a card number)', () => {
    const uuid = `a${VISA}bcdef0123456789abcde`;
    expect(withoutCardNumbers(outcome('authorised', { bankTransactionId: uuid })).bankTransactionId).to.equal(uuid);
  });

  it('masks the same value the same way, so a repeated outcome is still a duplicate', () => {
    const first = transition(paymentIn('pending'), { type: 'bank_outcome', outcome: outcome('authorised', { bankTransactionId: VISA }) }, fixedContext());
    const again = transition(first.payment, { type: 'bank_outcome', outcome: outcome('authorised', { bankTransactionId: VISA }) }, fixedContext());
    expect(again.verdict).to.equal('duplicate');
    expect(again.payment.anomalies).to.deep.equal([]);
  });
});
