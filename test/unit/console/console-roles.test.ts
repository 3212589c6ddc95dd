import { expect } from 'chai';
import { CONSOLE_ROLES, roleAllows, type ConsoleAction } from '../../../src/core/console-role.js';

describe('console roles', () => {
  it('viewer reads; operator also operates; admin also manages users', () => {
    const table = Object.fromEntries(CONSOLE_ROLES.map((role) => [role, (['payments.read', 'payments.operate', 'users.manage'] as ConsoleAction[]).filter((a) => roleAllows(role, a))]));
    expect(table).to.deep.equal({
      viewer: ['payments.read'],
      operator: ['payments.read', 'payments.operate'],
      admin: ['payments.read', 'payments.operate', 'users.manage'],
    });
  });
});
