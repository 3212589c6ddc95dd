import { expect } from 'chai';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../../../src/service/console/password-hash.js';

describe('console password hashes (scrypt)', () => {
  it('verifies the password it was made from and nothing else; a fresh salt per hash', async () => {
    const one = await hashPassword('correct horse battery');
    const two = await hashPassword('correct horse battery');
    expect(one).to.match(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(one).to.not.equal(two);
    expect(await verifyPassword('correct horse battery', one)).to.equal(true);
    expect(await verifyPassword('correct horse batterY', one)).to.equal(false);
    expect(await verifyPassword('', one)).to.equal(false);
    expect(one).to.not.contain('correct');
  });

  it('refuses a password shorter than the minimum with a message that says the rule', async () => {
    let message = '';
    try {
      await hashPassword('x'.repeat(MIN_PASSWORD_LENGTH - 1));
    } catch (err) {
      message = (err as { errors: { message: string }[] }).errors[0]!.message;
    }
    expect(message).to.equal(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
    expect(await hashPassword('x'.repeat(MIN_PASSWORD_LENGTH))).to.match(/^scrypt\$/);
  });

  it('verifies nothing against a malformed hash', async () => {
    for (const bad of ['', 'scrypt$1$2', 'bcrypt$1$1$1$aa$bb', 'scrypt$x$8$1$aa$bb']) expect(await verifyPassword('correct horse battery', bad)).to.equal(false);
  });
});
