import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import type { ClusterTarget } from '../../src/store/redis-connection.js';
import { freePort, waitFor } from './processes.js';
import { answersPing, keepOutput } from './redis-server.js';

const run = promisify(execFile);

/**
 * A Redis Cluster of three primaries (and, when asked, one replica each) on loopback, from Debian's
 * redis-server and redis-cli (`--cluster create`), each node with its own port and folder. A primary
 * silent for a second is failed (cluster-node-timeout 1000), so its replica takes over within seconds.
 */
export class RedisClusterSet {
  private readonly children = new Map<number, ChildProcess>();
  // A test run that ends abruptly must not leave servers behind.
  private readonly killAll = () => {
    for (const child of this.children.values()) child.kill('SIGKILL');
  };

  private constructor(
    private readonly dir: string,
    readonly ports: number[],
    private readonly busPorts = new Map<number, number>(),
  ) {}

  /** Null when redis-cli is not installed (the caller skips, or fails under CI). */
  static async start(options: { replicas: 0 | 1 } = { replicas: 0 }): Promise<RedisClusterSet | null> {
    if (!(await installed('redis-cli'))) return null;
    const dir = await mkdtemp(path.join(tmpdir(), 'hpp-cluster-'));
    const ports: number[] = [];
    for (let i = 0; i < 3 * (1 + options.replicas); i += 1) ports.push(await freePort());
    const set = new RedisClusterSet(dir, ports);
    process.once('exit', set.killAll);
    // Each node's cluster bus gets a free port of its own: by default it is the node's port + 10 000,
    // which is past 65 535 for a fifth of the ports the system hands out, and redis-server then exits.
    for (const port of ports) set.busPorts.set(port, await freePort());
    await Promise.all(ports.map((port) => set.startNode(port)));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(options.replicas), '--cluster-yes'], { timeout: 30_000 });
    await waitFor('every node seeing the cluster ok', async () => {
      for (const port of ports) {
        if (!(await set.clusterInfo(port)).includes('cluster_state:ok')) return false;
      }
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    if (options.replicas > 0) {
      await waitFor('every replica in sync', async () => {
        for (const port of ports) {
          const info = await set.command(port, (c) => c.info('replication'));
          if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
          // And each primary sees its replicas online (acknowledging what it streams), as WAIT needs.
          if (info.includes('role:master')) {
            const online = [...info.matchAll(/^slave\d+:.*\bstate=online\b/gm)].length;
            if (online < options.replicas) return false;
          }
        }
        return true;
      }, { timeoutMs: 30_000, intervalMs: 200 });
    }
    return set;
  }

  get target(): ClusterTarget {
    return { cluster: this.ports.slice(0, 3).map((port) => ({ host: '127.0.0.1', port })) };
  }

  /** The environment a gateway process needs for it. */
  get env(): Record<string, string> {
    return { REDIS_CLUSTER_NODES: this.ports.slice(0, 3).map((p) => `127.0.0.1:${p}`).join(',') };
  }

  /** A client of the test's own (the caller quits it). */
  client(): Cluster {
    const cluster = new Cluster(this.target.cluster, { scaleReads: 'master', retryDelayOnFailover: 200, retryDelayOnClusterDown: 200 });
    cluster.on('error', () => undefined);
    return cluster;
  }

  /** The port of the primary holding the slot of `key` now. */
  async primaryPortOf(key: string): Promise<number> {
    for (const port of this.ports) {
      if (!this.children.has(port)) continue;
      const reply = await this.command(port, (c) => c.call('CLUSTER', 'KEYSLOT', key)).catch(() => null);
      if (reply === null) continue;
      const slot = Number(reply);
      const shards = (await this.command(port, (c) => c.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number, string]]>;
      const owner = shards.find(([from, to]) => slot >= from && slot <= to);
      if (owner) return Number(owner[2][1]);
    }
    throw new Error(`no node of the cluster answers for ${key}`);
  }

  /** The ports of the replicas the primary on `primaryPort` streams its writes to (INFO replication). */
  async replicaPortsOf(primaryPort: number): Promise<number[]> {
    const info = await this.command(primaryPort, (c) => c.info('replication'));
    return [...info.matchAll(/^slave\d+:.*\bport=(\d+)/gm)].map((m) => Number(m[1]));
  }

  /** How many times the node on `port` has run `command` since it started (INFO commandstats). */
  async commandCount(port: number, command: string): Promise<number> {
    const match = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(await this.command(port, (c) => c.info('commandstats')));
    return match ? Number(match[1]) : 0;
  }

  /** A connection to a replica that may read its primary's slots (READONLY); the caller quits it. */
  async replicaReader(port: number): Promise<Redis> {
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    await client.call('READONLY');
    return client;
  }

  /** SIGSTOP: the node holds its connections but answers nothing, as a stalled machine. */
  pause(port: number): void {
    this.children.get(port)?.kill('SIGSTOP');
  }

  /** SIGCONT: a paused node carries on (a replica catches up with its primary). */
  resume(port: number): void {
    this.children.get(port)?.kill('SIGCONT');
  }

  /** The ports of the nodes that are primaries now. */
  async primaryPorts(): Promise<number[]> {
    const ports: number[] = [];
    for (const port of this.children.keys()) if ((await this.role(port)) === 'master') ports.push(port);
    return ports;
  }

  /**
   * Gives a slot that holds no key to another primary (the migration procedure of CLUSTER SETSLOT,
   * with nothing to migrate): a client that learned the slot map before still sends the slot's
   * commands to the old primary, which answers MOVED.
   */
  async moveEmptySlot(slot: number, fromPort: number, toPort: number): Promise<void> {
    await this.startMigration(slot, fromPort, toPort);
    await this.finishMigration(slot, fromPort, toPort);
  }

  /**
   * Starts moving a slot to another primary (CLUSTER SETSLOT IMPORTING on the target, MIGRATING on
   * the source): the source still serves the slot's keys it holds and answers ASK, naming the
   * target, for a command whose keys it does not hold. The slot map is unchanged until finishMigration.
   */
  async startMigration(slot: number, fromPort: number, toPort: number): Promise<void> {
    const fromId = await this.command(fromPort, (c) => c.call('CLUSTER', 'MYID'));
    const toId = await this.command(toPort, (c) => c.call('CLUSTER', 'MYID'));
    await this.command(toPort, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', String(fromId)));
    await this.command(fromPort, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', String(toId)));
  }

  /** Ends a migration startMigration began: the slot belongs to the target, and every node says so. Keys left on the source are not moved. */
  async finishMigration(slot: number, fromPort: number, toPort: number): Promise<void> {
    const toId = await this.command(toPort, (c) => c.call('CLUSTER', 'MYID'));
    await this.command(toPort, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', String(toId)));
    await this.command(fromPort, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', String(toId)));
    // Until gossip reaches every node, one may still name the old primary, and a client refreshing
    // its map from it would route there again.
    await waitFor('every node naming the slot\'s new primary', async () => {
      for (const port of this.children.keys()) if ((await this.ownerSeenBy(port, slot)) !== toPort) return false;
      return true;
    }, { timeoutMs: 30_000, intervalMs: 100 });
  }

  /** The port of the primary that the node on `port` names for `slot` (CLUSTER SLOTS). */
  private async ownerSeenBy(port: number, slot: number): Promise<number | null> {
    const shards = (await this.command(port, (c) => c.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number, string]]>;
    const owner = shards.find(([from, to]) => slot >= from && slot <= to);
    return owner ? Number(owner[2][1]) : null;
  }

  /** The hash slot of `key` (CLUSTER KEYSLOT). */
  async slotOf(key: string): Promise<number> {
    return Number(await this.command(this.ports[0]!, (c) => c.call('CLUSTER', 'KEYSLOT', key)));
  }

  /** SIGKILL: the node is gone without a word, as when its machine dies. */
  kill(port: number): void {
    this.children.get(port)?.kill('SIGKILL');
    this.children.delete(port);
  }

  /**
   * Starts a killed node again on its port, bus port and nodes file, as when its machine comes back:
   * it finds its slots served by the replica promoted in its place (a newer epoch) and becomes that
   * primary's replica. Resolves once it is in sync, so that its new primary counts it for WAIT.
   */
  async restart(port: number): Promise<void> {
    await this.startNode(port);
    await waitFor('the restarted node in sync as a replica', async () => {
      const info = await this.command(port, (c) => c.info('replication')).catch(() => '');
      return info.includes('role:slave') && info.includes('master_link_status:up');
    }, { timeoutMs: 30_000, intervalMs: 50 });
  }

  /** The role INFO replication gives the node on `port`. */
  async role(port: number): Promise<string> {
    const match = /^role:(\w+)/m.exec(await this.command(port, (c) => c.info('replication')));
    return match?.[1] ?? 'unknown';
  }

  async stop(): Promise<void> {
    this.killAll();
    process.off('exit', this.killAll);
    this.children.clear();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async startNode(port: number): Promise<void> {
    const child = spawn('redis-server', [
      '--port', String(port), '--cluster-port', String(this.busPorts.get(port)), '--bind', '127.0.0.1', '--dir', this.dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000',
      '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no',
      // A replica's full synchronisation starts at once, not after the 5 s a primary waits by default for more replicas to share it.
      '--repl-diskless-sync-delay', '0',
    ], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const said = keepOutput(child);
    this.children.set(port, child);
    if (!(await answersPing(port, child))) throw new Error(`cluster node did not answer on port ${port} (bus ${this.busPorts.get(port)}): ${said()}`);
  }

  private clusterInfo(port: number): Promise<string> {
    return this.command(port, (c) => c.call('CLUSTER', 'INFO') as Promise<string>);
  }

  private async command<T>(port: number, send: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      return await send(client);
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
