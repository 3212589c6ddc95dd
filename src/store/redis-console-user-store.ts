import type { ConsoleUser } from '../core/console-user.js';
import type { ConsoleUserStore } from './console-user-store.js';
import { luaScript } from './lua-scripts.js';
import type { RedisClient } from './redis-connection.js';

interface ConsoleUserCommands {
  hppUpdateConsoleUser(key: string, email: string, json: string): Promise<number>;
}

/**
 * Console users in one Redis hash (`{prefix}console:users`, email → JSON): each operation is one
 * round trip on one key (so any Cluster slot will do), and the hash is read whole only by `list` (a console has tens of users, not millions).
 */
export class RedisConsoleUserStore implements ConsoleUserStore {
  private readonly key: string;
  private readonly commands: ConsoleUserCommands;

  constructor(private readonly redis: RedisClient, prefix: string) {
    this.key = `${prefix}console:users`;
    if (!('hppUpdateConsoleUser' in redis)) redis.defineCommand('hppUpdateConsoleUser', { lua: luaScript('update-console-user'), numberOfKeys: 1 });
    this.commands = redis as unknown as ConsoleUserCommands;
  }

  async create(user: ConsoleUser): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, user.email, JSON.stringify(user))) === 1;
  }

  async get(email: string): Promise<ConsoleUser | null> {
    const json = await this.redis.hget(this.key, email);
    return json ? (JSON.parse(json) as ConsoleUser) : null;
  }

  async update(user: ConsoleUser): Promise<boolean> {
    return (await this.commands.hppUpdateConsoleUser(this.key, user.email, JSON.stringify(user))) === 1;
  }

  async remove(email: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, email)) === 1;
  }

  async list(): Promise<ConsoleUser[]> {
    const all = await this.redis.hvals(this.key);
    return all.map((json) => JSON.parse(json) as ConsoleUser).sort((a, b) => a.email.localeCompare(b.email));
  }
}
