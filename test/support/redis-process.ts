import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answersPing } from './redis-server.js';

/**
 * A redis-server of a test's own, on a port chosen by the test, that can be started late, stopped and
 * started again: the outage tests take it away from a running gateway. It keeps its data across a
 * restart (an RDB snapshot written on SIGTERM into its own folder), like a production Redis would.
 */
export class RedisProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async create(port: number): Promise<RedisProcess> {
    return new RedisProcess(port, await mkdtemp(path.join(tmpdir(), 'hpp-redis-')));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '3600 1', '--appendonly', 'no'], {
      cwd: this.dir,
      stdio: 'ignore',
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    if (!(await answersPing(this.port, child))) throw new Error(`redis-server did not answer on port ${this.port}`);
  }

  /** SIGTERM: the server writes its snapshot and exits; its clients see the connection drop. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    if (this.child) this.child.kill('SIGKILL');
    this.child = null;
    await rm(this.dir, { recursive: true, force: true });
  }
}
