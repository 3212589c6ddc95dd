import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { SentinelTarget } from '../../src/store/redis-connection.js';
import { freePort, waitFor } from './processes.js';
import { answersPing, keepOutput } from './redis-server.js';

export const SENTINEL_MASTER = 'hpp-test';

/**
 * A primary, a replica and three sentinels (quorum 2) on loopback, from Debian's redis-server and
 * redis-sentinel, each with its own port and folder. Failover is fast: a primary silent for a second
 * is down, and a failover may be retried after two.
 */
export class SentinelSet {
  private readonly children = new Map<string, ChildProcess>();
  private readonly output = new Map<string, () => string>();
  // A test run that ends abruptly must not leave servers behind.
  private readonly killAll = () => {
    for (const child of this.children.values()) child.kill('SIGKILL');
  };

  private constructor(
    private readonly dir: string,
    readonly primaryPort: number,
    readonly replicaPort: number,
    readonly sentinelPorts: number[],
  ) {}

  /** Null when redis-sentinel is not installed (the caller skips). */
  static async start(): Promise<SentinelSet | null> {
    if (!(await installed('redis-sentinel'))) return null;
    const dir = await mkdtemp(path.join(tmpdir(), 'hpp-sentinel-'));
    const set = new SentinelSet(dir, await freePort(), await freePort(), [await freePort(), await freePort(), await freePort()]);
    process.once('exit', set.killAll);
    await set.startServer('primary', set.primaryPort, []);
    await set.startServer('replica', set.replicaPort, ['--replicaof', '127.0.0.1', String(set.primaryPort)]);
    for (const [i, port] of set.sentinelPorts.entries()) {
      const file = path.join(dir, `sentinel-${i}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${set.primaryPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 2000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
          '',
        ].join('\n'),
      );
      set.spawn(`sentinel-${i}`, 'redis-sentinel', [file]);
    }
    await waitFor('the replica in sync', async () => (await set.info(set.replicaPort, 'replication')).includes('master_link_status:up'), { timeoutMs: 20_000, intervalMs: 100 });
    await waitFor('every sentinel knowing the replica and the other sentinels', async () => {
      for (const port of set.sentinelPorts) {
        const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          const [master] = (await client.call('SENTINEL', 'MASTERS')) as string[][];
          const fields = Object.fromEntries(master!.flatMap((_, i, a) => (i % 2 === 0 ? [[a[i], a[i + 1]]] : [])));
          if (Number(fields['num-slaves']) < 1 || Number(fields['num-other-sentinels']) < 2) return false;
        } finally {
          client.disconnect();
        }
      }
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    return set;
  }

  get target(): SentinelTarget {
    return { sentinels: this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })), masterName: SENTINEL_MASTER };
  }

  /** The environment a gateway process needs for it. */
  get env(): Record<string, string> {
    return { REDIS_SENTINELS: this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','), REDIS_SENTINEL_MASTER: SENTINEL_MASTER };
  }

  /** SIGKILL: the primary is gone without a word, as when its machine dies. */
  killPrimary(): void {
    this.children.get('primary')?.kill('SIGKILL');
  }

  /**
   * The killed primary's machine comes back as a replica of the primary Sentinel promoted, as an
   * operator (or its configuration management) brings a dead node back: with no data of its own, it
   * must never start as a primary (its replicas would resynchronise from its empty keyspace).
   * Resolves once it is in sync, so that its new primary counts it for WAIT.
   */
  async rejoinKilledPrimary(): Promise<void> {
    const primary = await this.currentPrimaryPort();
    await this.startServer('rejoined', this.primaryPort, ['--replicaof', '127.0.0.1', String(primary)]);
    await waitFor('the rejoined node in sync', async () => (await this.info(this.primaryPort, 'replication')).includes('master_link_status:up'), { timeoutMs: 20_000, intervalMs: 50 });
  }

  /** SIGSTOP: the replica is there but answers nothing (no replication acknowledgement), as when its machine hangs. */
  pauseReplica(): void {
    this.children.get('replica')?.kill('SIGSTOP');
  }

  /** SIGCONT: the paused replica catches up with the primary. */
  resumeReplica(): void {
    this.children.get('replica')?.kill('SIGCONT');
  }

  /** How many times the primary has run `command` since it started (INFO commandstats). */
  async primaryCommandCount(command: string): Promise<number> {
    const match = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(await this.info(this.primaryPort, 'commandstats'));
    return match ? Number(match[1]) : 0;
  }

  /** The port Sentinel names as primary now. */
  async currentPrimaryPort(): Promise<number> {
    const client = new Redis({ port: this.sentinelPorts[0]!, host: '127.0.0.1', retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.killAll();
    process.off('exit', this.killAll);
    this.children.clear();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async startServer(name: string, port: number, extra: string[]): Promise<void> {
    // A replica's full synchronisation starts at once, not after the 5 s a primary waits by default for more replicas to share it.
    const child = this.spawn(name, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', this.dir, '--dbfilename', `${name}.rdb`, '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', ...extra]);
    if (!(await answersPing(port, child))) throw new Error(`${name} did not answer on port ${port}: ${this.output.get(name)?.() ?? ''}`);
  }

  private spawn(name: string, binary: string, args: string[]): ChildProcess {
    const child = spawn(binary, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.set(name, child);
    this.output.set(name, keepOutput(child));
    return child;
  }

  private async info(port: number, section: string): Promise<string> {
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      return await client.info(section);
    } finally {
      client.disconnect();
    }
  }
}

function installed(binary: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
