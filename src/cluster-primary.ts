import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger.js';

/**
 * The environment variable that tells a forked gateway process whether it runs the background tasks
 * (the outbox delivery worker and the expiry sweeper). Exactly one process holds the role at a time;
 * a replacement of that process inherits it.
 */
export const BACKGROUND_ROLE_ENV = 'HPP_BACKGROUND_TASKS';

export interface ClusterOptions {
  processes: number;
  /** How long a process may take to stop before it is killed (its own shutdown bound, plus margin). */
  stopTimeoutMs: number;
  logger: Logger;
}

/**
 * The primary of WEB_CONCURRENCY gateway processes. It serves nothing itself: the processes share the
 * listening socket and each accepts from it (SCHED_NONE), so a process that stops accepting leaves the
 * connections already queued on the socket to the others, or, being the last, to its own poll phase
 * before it closes (see gracefulClose). Round-robin scheduling would park connections in the primary,
 * where a shutdown could drop them.
 *
 * A process that dies is replaced with the same role; one that dies before listening ends the whole
 * group (a bad setting or a taken port would only die again). SIGTERM/SIGINT stop every process
 * gracefully and the primary exits 0 once all have exited cleanly.
 */
export function runClusterPrimary({ processes, stopTimeoutMs, logger }: ClusterOptions): void {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const listening = new Set<number>();
  const roles = new Map<number, 'background' | 'web'>();
  let failed = false;

  const fork = (role: 'background' | 'web'): Worker => {
    const worker = cluster.fork({ [BACKGROUND_ROLE_ENV]: role === 'background' ? 'on' : 'off' });
    roles.set(worker.id, role);
    worker.once('listening', () => listening.add(worker.id));
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const role = roles.get(worker.id) ?? 'web';
    roles.delete(worker.id);
    const wasListening = listening.delete(worker.id);
    if (stopping) {
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    if (!wasListening) {
      logger.fatal({ pid: worker.process.pid, code, signal }, 'gateway process exited before listening: stopping all');
      failed = true;
      stop();
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal, role }, 'gateway process exited: starting another');
    fork(role);
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(failed ? 1 : 0);
    for (const worker of workers) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, stopTimeoutMs).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  fork('background');
  for (let i = 1; i < processes; i += 1) fork('web');
  logger.info({ processes }, 'gateway processes starting');
}
