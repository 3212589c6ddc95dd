import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { ClusterReplicaAcknowledgement } from '../../src/store/cluster-replica-ack.js';

/** One primary's connection in the fake Cluster: its WAIT answers `acknowledged` (or fails with `waitError`). */
class FakeNode extends EventEmitter {
  readonly waits: Array<[number, number]> = [];
  acknowledged = 1;
  waitError: Error | null = null;
  onWait: () => void = () => undefined;
  constructor(readonly options: { host: string; port: number }) {
    super();
  }
  async wait(replicas: number, timeoutMs: number): Promise<number> {
    this.waits.push([replicas, timeoutMs]);
    this.onWait();
    if (this.waitError) throw this.waitError;
    return this.acknowledged;
  }
}

/** Every slot owned by `owner` (a node key), as the client's slot map says; nodes('master') lists the primaries' connections. */
function fakeCluster(primaries: FakeNode[]): { cluster: Cluster; moveTo(key: string | null): void } {
  const map = { slots: new Array<string[]>(16384).fill(['127.0.0.1:7000']), primaries };
  const cluster = { get slots() { return map.slots; }, nodes: () => map.primaries, isCluster: true };
  return {
    cluster: cluster as unknown as Cluster,
    moveTo: (key) => void (map.slots = new Array<string[]>(16384).fill(key === null ? [] : [key])),
  };
}

const POLICY = { replicas: 1, timeoutMs: 250 };

describe('ClusterReplicaAcknowledgement (WAIT on the primary of the store\'s slot)', () => {
  let a: FakeNode;
  let b: FakeNode;
  beforeEach(() => {
    a = new FakeNode({ host: '127.0.0.1', port: 7000 });
    b = new FakeNode({ host: '127.0.0.1', port: 7001 });
  });

  it('sends no WAIT with n = 0', async () => {
    const { cluster } = fakeCluster([a, b]);
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', { replicas: 0, timeoutMs: 250 }).confirmed(Promise.resolve('OK'))).to.equal('OK');
    expect(a.waits.length + b.waits.length).to.equal(0);
  });

  it('sends the WAIT to the slot\'s primary only, and answers the write once its replicas confirm', async () => {
    const { cluster } = fakeCluster([b, a]);
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1))).to.equal(1);
    expect(a.waits).to.deep.equal([[1, 250]]);
    expect(b.waits).to.deep.equal([]);
  });

  it('fails as a store failure when fewer replicas confirm', async () => {
    const { cluster } = fakeCluster([a, b]);
    a.acknowledged = 0;
    const err = await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StoreUnavailableError);
  });

  it('fails without a WAIT when the slot moved to another primary while the write was out (MOVED, failover)', async () => {
    const { cluster, moveTo } = fakeCluster([a, b]);
    const write = new Promise<number>((resolve) => setImmediate(() => { moveTo('127.0.0.1:7001'); resolve(1); }));
    const err = await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(write).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StoreUnavailableError);
    expect(a.waits.length + b.waits.length).to.equal(0);
  });

  it('fails when the primary\'s connection closed between the write and the WAIT\'s answer', async () => {
    const { cluster } = fakeCluster([a, b]);
    const write = new Promise<number>((resolve) => setImmediate(() => { a.emit('close'); resolve(1); }));
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(write).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
    a.onWait = () => a.emit('close');
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1)).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
  });

  it('fails when the slot moved while the WAIT ran', async () => {
    const { cluster, moveTo } = fakeCluster([a, b]);
    a.onWait = () => moveTo('127.0.0.1:7001');
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1)).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
  });

  it('fails when no primary is known for the slot, or its connection is gone from the pool', async () => {
    const { cluster, moveTo } = fakeCluster([a, b]);
    moveTo(null);
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1)).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
    moveTo('127.0.0.1:7002');
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1)).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
    expect(a.waits.length + b.waits.length).to.equal(0);
  });

  it('fails as a store failure when the WAIT itself fails (a demoted primary refuses it)', async () => {
    const { cluster } = fakeCluster([a, b]);
    a.waitError = new Error("ERR WAIT cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.");
    expect(await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.resolve(1)).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
  });

  it('sends no WAIT for a write that failed, and passes its error on', async () => {
    const { cluster } = fakeCluster([a, b]);
    const err = await new ClusterReplicaAcknowledgement(cluster, '{hpp}:p:', POLICY).confirmed(Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('boom');
    expect(a.waits).to.deep.equal([]);
  });
});
