import type { ConsoleRole } from '../../core/console-role.js';
import { normaliseEmail, type ConsoleUser } from '../../core/console-user.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { ConsoleUserStore } from '../../store/console-user-store.js';
import { decoyHash, hashPassword, verifyPassword } from './password-hash.js';
import { totpStep } from './totp.js';

export type { ConsoleUser } from '../../core/console-user.js';

/** What a console page may show of a user: never the hash nor the TOTP secret. */
export interface ConsoleUserView {
  email: string;
  role: ConsoleRole;
  totp: boolean;
  createdAt: string;
}

export function viewOf(user: ConsoleUser): ConsoleUserView {
  return { email: user.email, role: user.role, totp: user.totpSecret !== null, createdAt: user.createdAt };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The only way to console users: the CLI, the demo and the console's pages all come through here. */
export class ConsoleUserService {
  constructor(
    private readonly store: ConsoleUserStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async add(email: string, role: ConsoleRole, password: string): Promise<ConsoleUserView> {
    const normalised = normaliseEmail(email);
    if (!EMAIL.test(normalised)) throw new ValidationError([{ field: 'email', message: 'Not an email address.' }]);
    const now = this.clock().toISOString();
    const user: ConsoleUser = { email: normalised, role, passwordHash: await hashPassword(password), totpSecret: null, sessionGeneration: 0, createdAt: now, updatedAt: now };
    if (!(await this.store.create(user))) throw new ValidationError([{ field: 'email', message: `A console user ${normalised} already exists.` }]);
    return viewOf(user);
  }

  async list(): Promise<ConsoleUserView[]> {
    return (await this.store.list()).map(viewOf);
  }

  async get(email: string): Promise<ConsoleUser | null> {
    return this.store.get(normaliseEmail(email));
  }

  async remove(email: string): Promise<void> {
    if (!(await this.store.remove(normaliseEmail(email)))) throw new NotFoundError(`No console user ${normaliseEmail(email)}.`);
  }

  /** A new password also ends every session the user has open. */
  async resetPassword(email: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.change(email, (user) => ({ ...user, passwordHash, sessionGeneration: user.sessionGeneration + 1 }));
  }

  /** Ends every session of the user, on every device, at its next request. */
  async signOutEverywhere(email: string): Promise<ConsoleUser> {
    return this.change(email, (user) => ({ ...user, sessionGeneration: user.sessionGeneration + 1 }));
  }

  /** The user when the password is theirs; an unknown email costs the same time as a wrong password. */
  async authenticate(email: string, password: string): Promise<ConsoleUser | null> {
    const user = await this.store.get(normaliseEmail(email));
    const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    return user && matches ? user : null;
  }

  /** Stores a confirmed TOTP secret (the enrolment page checked a first code against it). */
  async enableTotp(email: string, secret: string, code: string): Promise<boolean> {
    const step = totpStep(secret, code, this.clock());
    if (step === null) return false;
    await this.change(email, (user) => ({ ...user, totpSecret: secret, totpLastStep: step }));
    return true;
  }

  /** True when the code is valid now and newer than the last one accepted (each code is good once). */
  async verifyTotp(email: string, code: string): Promise<boolean> {
    const user = await this.store.get(normaliseEmail(email));
    if (!user?.totpSecret) return false;
    const step = totpStep(user.totpSecret, code, this.clock());
    if (step === null || step <= (user.totpLastStep ?? -1)) return false;
    await this.change(email, (current) => ({ ...current, totpLastStep: step }));
    return true;
  }

  private async change(email: string, edit: (user: ConsoleUser) => ConsoleUser): Promise<ConsoleUser> {
    const normalised = normaliseEmail(email);
    const user = await this.store.get(normalised);
    if (!user) throw new NotFoundError(`No console user ${normalised}.`);
    const next = { ...edit(user), updatedAt: this.clock().toISOString() };
    if (!(await this.store.update(next))) throw new NotFoundError(`No console user ${normalised}.`);
    return next;
  }
}
