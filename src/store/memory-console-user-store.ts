import type { ConsoleUser } from '../core/console-user.js';
import type { ConsoleUserStore } from './console-user-store.js';

/**
 * Console users in this process only: for the demo and tests. A separate `console-user` command
 * cannot reach them (they live inside the gateway's process), which is why the command needs Redis.
 */
export class MemoryConsoleUserStore implements ConsoleUserStore {
  private readonly users = new Map<string, ConsoleUser>();

  async create(user: ConsoleUser): Promise<boolean> {
    if (this.users.has(user.email)) return false;
    this.users.set(user.email, structuredClone(user));
    return true;
  }

  async get(email: string): Promise<ConsoleUser | null> {
    const user = this.users.get(email);
    return user ? structuredClone(user) : null;
  }

  async update(user: ConsoleUser): Promise<boolean> {
    if (!this.users.has(user.email)) return false;
    this.users.set(user.email, structuredClone(user));
    return true;
  }

  async remove(email: string): Promise<boolean> {
    return this.users.delete(email);
  }

  async list(): Promise<ConsoleUser[]> {
    return [...this.users.values()].sort((a, b) => a.email.localeCompare(b.email)).map((u) => structuredClone(u));
  }
}
