import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { BenchProcess, freePort, waitUntil } from './child-process.js';
import { CommandFeed } from './command-feed.js';

/**
 * The Redis the benchmark runs on: a redis-server of its own on a free loopback port (never the
 * default 6379 keyspace), or REDIS_URL with a key prefix of its own, deleted at the end.
 */
export class BenchRedis {
  private constructor(
    readonly url: string,
    readonly prefix: string,
    readonly client: Redis,
    private readonly server: BenchProcess | null,
  ) {}

  static async start(logDir: string): Promise<BenchRedis> {
    const prefix = `bench:${randomBytes(6).toString('hex')}:`;
    const given = process.env.REDIS_URL;
    if (given) return new BenchRedis(given, prefix, new Redis(given, { lazyConnect: true, maxRetriesPerRequest: 2 }), null);
    const port = await freePort();
    const server = BenchProcess.start('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', logDir], {}, `${logDir}/redis.log`);
    const url = `redis://127.0.0.1:${port}`;
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    client.on('error', () => {});
    await waitUntil('redis-server answers PING', async () => {
      if (client.status === 'wait' || client.status === 'end') await client.connect();
      return (await client.ping()) === 'PONG';
    }, server, 20_000);
    return new BenchRedis(url, prefix, client, server);
  }

  /** The pid of the benchmark's own redis-server; undefined on REDIS_URL. */
  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  get ownServer(): boolean {
    return this.server !== null;
  }

  /** Commands Redis has executed so far (INFO commandstats), the INFO calls themselves left out. */
  async commandsExecuted(): Promise<number> {
    const info = await this.client.info('commandstats');
    let calls = 0;
    for (const line of info.split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (match && match[1] !== 'info') calls += Number(match[2]);
    }
    return calls;
  }

  /**
   * From now until the function returned is called: the commands clients sent (MONITOR, a script
   * once, what runs inside it not at all) and the reads of their sockets by the server (INFO's
   * total_reads_processed): commands a client sends together (ioredis' auto-pipelining of the
   * commands of one turn) arrive in one, so with one request at a time these are its round trips.
   * The two INFO calls are not counted. MONITOR slows Redis down: only for unmeasured runs.
   */
  async countClientCommands(): Promise<() => Promise<{ commandsSent: number; roundTrips: number }>> {
    const feed = await CommandFeed.open(this.url, (command, source) => source !== 'lua' && command !== 'info');
    const readsBefore = await this.readsProcessed();
    return async () => {
      const reads = (await this.readsProcessed()) - readsBefore - 1;
      await feed.close();
      return { commandsSent: feed.count, roundTrips: reads };
    };
  }

  private async readsProcessed(): Promise<number> {
    const match = /^total_reads_processed:(\d+)/m.exec(await this.client.info('stats'));
    if (!match) throw new Error('this redis-server reports no total_reads_processed (Redis 6 or later does)');
    return Number(match[1]);
  }

  async keyCount(): Promise<number> {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  }

  /** Deletes every key under the prefix, then stops the server if it is the benchmark's own. */
  async remove(): Promise<{ keysLeft: number }> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.client.unlink(...keys);
    } while (cursor !== '0');
    const keysLeft = await this.keyCount();
    await this.client.quit();
    await this.server?.stop();
    return { keysLeft };
  }
}
