import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** The worker's wake-up after state changes: a burst of commits costs one round, not one each. */
describe('delivery worker: pokes after state changes', () => {
  let worker: DeliveryWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  function countingWorker(pokeCoalesceMs: number): { worker: DeliveryWorker; claims: () => number } {
    const store = new MemoryPaymentStore({ outboxTargets: [] });
    let claims = 0;
    const claim = store.outbox.claim.bind(store.outbox);
    store.outbox.claim = (...args: Parameters<typeof claim>) => {
      claims += 1;
      return claim(...args);
    };
    const w = new DeliveryWorker({ store, channels: [], logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })), idleMs: 60_000, pokeCoalesceMs });
    return { worker: w, claims: () => claims };
  }

  it('pokes within the window, each after the last round ended, make one round', async () => {
    const counting = countingWorker(300);
    worker = counting.worker;
    worker.start();
    await delay(50);
    expect(counting.claims(), 'the first round, then the idle pause').to.equal(1);
    for (let i = 0; i < 5; i += 1) {
      worker.poke();
      // Time enough for a round woken at once to run to its end before the next poke.
      for (let t = 0; t < 5; t += 1) await turn();
    }
    await delay(600);
    expect(counting.claims(), 'one round for the five pokes').to.equal(2);
  });

  it('a poke still cuts the idle pause short', async () => {
    const counting = countingWorker(10);
    worker = counting.worker;
    worker.start();
    await delay(50);
    worker.poke();
    await delay(200);
    expect(counting.claims(), 'a round within the window, not after the 60 s idle pause').to.equal(2);
  });

  it('stop() with a poke pending stops at once and runs no round after', async () => {
    const counting = countingWorker(200);
    worker = counting.worker;
    worker.start();
    await delay(50);
    worker.poke();
    await worker.stop();
    await delay(300);
    expect(counting.claims()).to.equal(1);
  });
});
