import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { ReplicaAcknowledgement } from '../../src/store/replica-ack.js';

/** A connection whose WAIT answers `acknowledged`, optionally closing (a lost connection) while it waits. */
function fakeConnection(acknowledged: number, closeDuringWait = false): { redis: Redis; waits: Array<[number, number]> } {
  const emitter = new EventEmitter();
  const waits: Array<[number, number]> = [];
  const redis = Object.assign(emitter, {
    wait: async (replicas: number, timeoutMs: number) => {
      waits.push([replicas, timeoutMs]);
      if (closeDuringWait) emitter.emit('close');
      return acknowledged;
    },
  });
  return { redis: redis as unknown as Redis, waits };
}

describe('ReplicaAcknowledgement (WAIT after each acknowledged write)', () => {
  it('sends no WAIT with n = 0 and passes the write through', async () => {
    const { redis, waits } = fakeConnection(0);
    expect(await new ReplicaAcknowledgement(redis, { replicas: 0, timeoutMs: 500 }).confirmed(Promise.resolve('OK'))).to.equal('OK');
    expect(waits).to.deep.equal([]);
  });

  it('answers the write once n replicas confirm it', async () => {
    const { redis, waits } = fakeConnection(2);
    expect(await new ReplicaAcknowledgement(redis, { replicas: 2, timeoutMs: 250 }).confirmed(Promise.resolve(1))).to.equal(1);
    expect(waits).to.deep.equal([[2, 250]]);
  });

  it('fails as a store failure when fewer replicas confirm', async () => {
    const { redis } = fakeConnection(0);
    const err = await new ReplicaAcknowledgement(redis, { replicas: 1, timeoutMs: 250 }).confirmed(Promise.resolve(1)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StoreUnavailableError);
  });

  it('fails as a store failure when the connection was lost between the write and the WAIT', async () => {
    const { redis } = fakeConnection(1, true);
    const err = await new ReplicaAcknowledgement(redis, { replicas: 1, timeoutMs: 250 }).confirmed(Promise.resolve(1)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StoreUnavailableError);
  });

  it('sends no WAIT for a write that failed', async () => {
    const { redis, waits } = fakeConnection(1);
    const err = await new ReplicaAcknowledgement(redis, { replicas: 1, timeoutMs: 250 }).confirmed(Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('boom');
    expect(waits).to.deep.equal([]);
  });
});
