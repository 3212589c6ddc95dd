/**
 * The merchant console's roles and what each may do: one table, read by the server before every
 * action and by the pages to show only the buttons the user can use.
 */
export type ConsoleRole = 'viewer' | 'operator' | 'admin';

export const CONSOLE_ROLES: readonly ConsoleRole[] = ['viewer', 'operator', 'admin'];

export type ConsoleAction =
  /** See payments, their timelines and exports. */
  | 'payments.read'
  /** Capture, void, refund, sync a payment; redeliver its events. */
  | 'payments.operate'
  /** Read the audit log (who did what): operators answer for operations, admins for everyone. */
  | 'audit.read'
  /** Add, remove and reset console users. */
  | 'users.manage';

const GRANTS: Readonly<Record<ConsoleRole, readonly ConsoleAction[]>> = {
  viewer: ['payments.read'],
  operator: ['payments.read', 'payments.operate', 'audit.read'],
  admin: ['payments.read', 'payments.operate', 'audit.read', 'users.manage'],
};

export function roleAllows(role: ConsoleRole, action: ConsoleAction): boolean {
  return GRANTS[role].includes(action);
}

export function isConsoleRole(value: unknown): value is ConsoleRole {
  return typeof value === 'string' && (CONSOLE_ROLES as readonly string[]).includes(value);
}
