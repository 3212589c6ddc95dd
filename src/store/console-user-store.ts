import type { ConsoleUser } from '../core/console-user.js';

/**
 * Where console users live, keyed by their normalised email. Two adapters (memory, Redis) run the
 * same contract suite (test/contract/console-user-store.contract.ts).
 */
export interface ConsoleUserStore {
  /** Writes the user unless one with that email exists; false (nothing written) when one does. */
  create(user: ConsoleUser): Promise<boolean>;
  get(email: string): Promise<ConsoleUser | null>;
  /** Replaces a user that exists; false (nothing written) when none does, so a removed user stays removed. */
  update(user: ConsoleUser): Promise<boolean>;
  remove(email: string): Promise<boolean>;
  /** Every user, by email. */
  list(): Promise<ConsoleUser[]>;
}
