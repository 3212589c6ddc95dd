import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { luaScript } from './lua-scripts.js';
import type { RedisClient } from './redis-connection.js';

interface RateLimitCommands {
  hppRateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
  hppRateLimitRead(key: string): Promise<[string | null, number]>;
}

/**
 * express-rate-limit counters in Redis, shared by every gateway instance. Written here rather than
 * taken from rate-limit-redis, which loads its scripts once at start and keeps that first promise:
 * when Redis was down at that moment every later request failed until the process restarted.
 * ioredis's own script commands (EVALSHA, falling back to EVAL when the server does not know the
 * script, as after a Redis restart) hold no such state, so the counters work again as soon as the
 * connection does.
 */
export class RedisRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private readonly commands: RateLimitCommands;

  constructor(
    private readonly client: RedisClient,
    readonly prefix: string,
  ) {
    client.defineCommand('hppRateLimitHit', { lua: luaScript('rate-limit-hit'), numberOfKeys: 1 });
    client.defineCommand('hppRateLimitRead', { lua: luaScript('rate-limit-read'), numberOfKeys: 1, readOnly: true });
    this.commands = client as unknown as RateLimitCommands;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const [hits, ttl] = await this.commands.hppRateLimitHit(this.prefix + key, this.windowMs);
    return { totalHits: Number(hits), resetTime: new Date(Date.now() + Number(ttl)) };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const [hits, ttl] = await this.commands.hppRateLimitRead(this.prefix + key);
    if (hits === null) return undefined;
    return { totalHits: Number(hits), resetTime: new Date(Date.now() + Number(ttl)) };
  }

  async decrement(key: string): Promise<void> {
    await this.client.decr(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }
}
