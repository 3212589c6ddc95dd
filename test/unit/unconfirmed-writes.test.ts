import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Cluster, Redis } from 'ioredis';
import { createLogger, type Logger } from '../../src/logger.js';
import { ClusterReplicaAcknowledgement } from '../../src/store/cluster-replica-ack.js';
import { ReplicaAcknowledgement } from '../../src/store/replica-ack.js';
import { UnconfirmedWrites } from '../../src/store/unconfirmed-writes.js';
import { logEntries, type LogEntry } from '../support/log-lines.js';

function capturedLogger(): { logger: Logger; lines: () => LogEntry[] } {
  const chunks: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) });
  return { logger: createLogger('info', sink), lines: () => logEntries(chunks) };
}

/** A report of refused writes into a captured log, with each refusal's cause counted. */
function report(minReplicas = 1): { unconfirmed: UnconfirmedWrites; lines: () => LogEntry[]; counted: string[] } {
  const { logger, lines } = capturedLogger();
  const counted: string[] = [];
  return { unconfirmed: new UnconfirmedWrites({ minReplicas, logger, counted: (cause) => counted.push(cause) }), lines, counted };
}

/** A connection (or a Cluster primary's) whose WAIT answers `acknowledged`, fails with `waitError`, or closes the connection first. */
class FakeConnection extends EventEmitter {
  acknowledged = 0;
  waitError: Error | null = null;
  closeDuringWait = false;
  readonly options = { host: '127.0.0.1', port: 7000 };
  async wait(): Promise<number> {
    if (this.closeDuringWait) this.emit('close');
    if (this.waitError) throw this.waitError;
    return this.acknowledged;
  }
}

const POLICY = { replicas: 1, timeoutMs: 250 };
const refused = (write: Promise<unknown>) => write.then(() => 'confirmed', (err: Error) => err.name);

describe('unconfirmed writes are reported once a run, not once a write', () => {
  it('one error line when writes stop being confirmed, naming the cause and what WAIT counted; one warn line when they are again', async () => {
    const connection = new FakeConnection();
    const { unconfirmed, lines, counted } = report();
    const durable = new ReplicaAcknowledgement(connection as unknown as Redis, POLICY, unconfirmed);
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('StoreUnavailableError');
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('StoreUnavailableError');
    expect(counted, 'every refused write is counted').to.deep.equal(['too_few_replicas', 'too_few_replicas']);
    expect(lines()).to.have.length(1);
    expect(lines()[0]).to.include({ level: 50, cause: 'too_few_replicas', acknowledged: 0, minReplicas: 1 });
    expect(lines()[0]!.msg).to.match(/replicas do not confirm writes: each write answers 503/);

    connection.acknowledged = 1;
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('confirmed');
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('confirmed');
    expect(lines()).to.have.length(2);
    expect(counted).to.have.length(2);
    expect(lines()[1]).to.include({ level: 40, refusedWrites: 2, minReplicas: 1 });
    expect(lines()[1]!.msg).to.equal('Redis replicas confirm writes again');
  });

  it('names a connection lost between the write and its WAIT', async () => {
    const connection = new FakeConnection();
    connection.acknowledged = 1;
    connection.closeDuringWait = true;
    const { unconfirmed, lines, counted } = report();
    expect(await refused(new ReplicaAcknowledgement(connection as unknown as Redis, POLICY, unconfirmed).confirmed(Promise.resolve(1)))).to.equal('StoreUnavailableError');
    expect(lines().map((l) => l.cause)).to.deep.equal(['connection_changed']);
    expect(counted).to.deep.equal(['connection_changed']);
  });

  it('says nothing while every write is confirmed, nor with n = 0', async () => {
    const connection = new FakeConnection();
    const { unconfirmed, lines, counted } = report();
    await new ReplicaAcknowledgement(connection as unknown as Redis, { replicas: 0, timeoutMs: 250 }, unconfirmed).confirmed(Promise.resolve(1));
    connection.acknowledged = 1;
    await new ReplicaAcknowledgement(connection as unknown as Redis, POLICY, unconfirmed).confirmed(Promise.resolve(1));
    expect(lines()).to.deep.equal([]);
    expect(counted).to.deep.equal([]);
  });

  it('on a Cluster, names a slot that moved, a refused WAIT and too few replicas, each as the first of its run', async () => {
    const primary = new FakeConnection();
    let owner: string[] = ['127.0.0.1:7000'];
    const cluster = { get slots() { return new Array<string[]>(16384).fill(owner); }, nodes: () => [primary], isCluster: true } as unknown as Cluster;
    const { unconfirmed, lines, counted } = report();
    const durable = new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY, unconfirmed);
    const confirmedOnce = async () => {
      primary.acknowledged = 1;
      primary.waitError = null;
      owner = ['127.0.0.1:7000'];
      expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('confirmed');
    };

    owner = [];
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('StoreUnavailableError');
    await confirmedOnce();
    primary.waitError = new Error('READONLY You can\'t write against a read only replica.');
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('StoreUnavailableError');
    await confirmedOnce();
    primary.acknowledged = 0;
    expect(await refused(durable.confirmed(Promise.resolve(1)))).to.equal('StoreUnavailableError');
    await confirmedOnce();

    expect(lines().map((l) => [l.level, l.cause ?? l.refusedWrites])).to.deep.equal([
      [50, 'slot_moved'], [40, 1],
      [50, 'wait_refused'], [40, 1],
      [50, 'too_few_replicas'], [40, 1],
    ]);
    expect(counted).to.deep.equal(['slot_moved', 'wait_refused', 'too_few_replicas']);
  });

  it('gives the run\'s length from its first refusal to the first confirmed write', () => {
    let now = 1_000;
    const { logger, lines } = capturedLogger();
    const log = new UnconfirmedWrites({ minReplicas: 2, logger, now: () => now });
    log.refused('too_few_replicas', 1);
    now = 1_400;
    log.refused('too_few_replicas', 0);
    now = 3_250;
    log.confirmed();
    expect(lines()[1]).to.include({ refusedWrites: 2, downMs: 2_250, minReplicas: 2 });
  });
});
