import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { ConnectorServices } from '../../../src/connectors/connector-module.js';
import { formatTransDate, formatTransId, MAX_TRANS_ID, TRANS_ID_COUNTER_TTL_SECONDS, transIdScope } from '../../../src/connectors/lyra/trans-id.js';
import { GatewayError } from '../../../src/core/errors.js';
import { newAttemptReference } from '../../../src/core/ids.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../../support/redis-server.js';
import { lyraConnector, samplePayment } from './fixtures.js';

const RETURN = 'https://gateway.example/bank/lyra/return';
const NOTIFY = 'https://gateway.example/bank/lyra/notify';

/** Builds the form for a new attempt and returns its trans id and date. */
async function build(connector: ReturnType<typeof lyraConnector>, ref = newAttemptReference()): Promise<{ id: string; date: string }> {
  const { payment, attempt } = samplePayment();
  const form = await connector.buildRequest({ payment, attempt: { ...attempt, ref }, locale: 'en', returnUrl: RETURN, notifyUrl: NOTIFY });
  return { id: form.fields.vads_trans_id!, date: form.fields.vads_trans_date! };
}

function expectUniqueSixDigitIds(ids: string[], count: number): void {
  expect(ids).to.have.length(count);
  for (const id of ids) expect(id).to.match(/^\d{6}$/);
  expect(new Set(ids).size).to.equal(count);
  const expected = Array.from({ length: count }, (_, i) => String(i + 1).padStart(6, '0'));
  expect([...ids].sort()).to.deep.equal(expected);
}

describe('Lyra vads_trans_id and vads_trans_date', () => {
  it('formats the UTC date as YYYYMMDDHHmmss and the id as six digits within 000001..899999', () => {
    expect(formatTransDate(new Date('2017-01-29T13:00:25.999Z'))).to.equal('20170129130025');
    expect(formatTransDate(new Date('2024-12-31T23:59:59+01:00'))).to.equal('20241231225959');
    expect(formatTransId(1)).to.equal('000001');
    expect(formatTransId(MAX_TRANS_ID)).to.equal('899999');
    expect(() => formatTransId(0)).to.throw(RangeError);
    expect(() => formatTransId(900_000)).to.throw(RangeError);
    expect(transIdScope('12345678', '20240305')).to.equal('lyra:12345678:20240305');
    expect(TRANS_ID_COUNTER_TTL_SECONDS).to.equal(172_800);
  });

  it('draws the counter of the shop and UTC day, with a two-day lifetime', async () => {
    const calls: Array<[string, number]> = [];
    const services: ConnectorServices = {
      async nextSequence(scope, ttl) {
        calls.push([scope, ttl]);
        return 42;
      },
    };
    const connector = lyraConnector({ services, clock: () => new Date('2024-03-05T23:59:59.500Z') });
    expect(await build(connector)).to.deep.equal({ id: '000042', date: '20240305235959' });
    expect(calls).to.deep.equal([['lyra:12345678:20240305', 172_800]]);
  });

  it('gives 1000 concurrent attempts on one day 1000 distinct ids (memory store)', async () => {
    const store = new MemoryPaymentStore({ clock: () => new Date('2024-03-05T12:00:00Z') });
    const connector = lyraConnector({ services: store, clock: () => new Date('2024-03-05T12:00:00Z') });
    const results = await Promise.all(Array.from({ length: 1000 }, () => build(connector)));
    expectUniqueSixDigitIds(results.map((r) => r.id), 1000);
    expect(new Set(results.map((r) => r.date))).to.deep.equal(new Set(['20240305120000']));
  });

  it('sends the same id for one attempt whichever of two gateway instances on one Redis builds its form', async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    const stores = [new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true }), new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true })];
    try {
      const clock = () => new Date('2024-03-05T12:00:00Z');
      const [a, b] = stores.map((store) => lyraConnector({ services: store, clock }));
      const ref = newAttemptReference();
      const [first, second] = await Promise.all([build(a!, ref), build(b!, ref)]);
      expect(second).to.deep.equal(first);
      expect(await build(b!, ref)).to.deep.equal(first);
      expect((await build(a!)).id).to.not.equal(first.id);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('gives 1000 concurrent attempts on one day 1000 distinct ids across two gateway instances on one Redis', async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    const stores = [new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true }), new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true })];
    try {
      const clock = () => new Date('2024-03-05T12:00:00Z');
      const instances = stores.map((store) => lyraConnector({ services: store, clock }));
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => build(instances[i % 2]!)));
      expectUniqueSixDigitIds(results.map((r) => r.id), 1000);
      // The counter expires by itself, two days on.
      const probe = new Redis(url);
      try {
        const ttl = await probe.ttl(`${prefix}seq:lyra:12345678:20240305`);
        expect(ttl).to.be.within(172_000, 172_800);
      } finally {
        await probe.quit();
      }
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('starts again at 000001 on a new UTC day (fake clock), whatever the local time zone', async () => {
    const clock = { now: new Date('2024-03-05T23:59:58Z') };
    const store = new MemoryPaymentStore({ clock: () => clock.now });
    const connector = lyraConnector({ services: store, clock: () => clock.now });
    expect(await build(connector)).to.deep.equal({ id: '000001', date: '20240305235958' });
    expect(await build(connector)).to.deep.equal({ id: '000002', date: '20240305235958' });
    clock.now = new Date('2024-03-06T00:00:01Z');
    expect(await build(connector)).to.deep.equal({ id: '000001', date: '20240306000001' });
    expect(await build(connector)).to.deep.equal({ id: '000002', date: '20240306000001' });
    // 23:30 on the 6th at UTC-1 is already the 7th in UTC: the day is the UTC one.
    clock.now = new Date('2024-03-06T23:30:00-01:00');
    expect(await build(connector)).to.deep.equal({ id: '000001', date: '20240307003000' });
  });

  it('refuses to build a form once the day range is used up, rather than reuse an id', async () => {
    const services: ConnectorServices = { nextSequence: async () => MAX_TRANS_ID + 1 };
    const connector = lyraConnector({ services });
    const err = await build(connector).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).status).to.equal(503);
  });

  it('sends the same id again when the form of one attempt is built again (double click, second tab)', async () => {
    const clock = { now: new Date('2024-03-05T12:00:00Z') };
    const store = new MemoryPaymentStore({ clock: () => clock.now });
    const connector = lyraConnector({ services: store, clock: () => clock.now, stampLifetimeMs: 15 * 60_000 });
    const ref = newAttemptReference();
    const [a, b] = await Promise.all([build(connector, ref), build(connector, ref)]);
    expect(a).to.deep.equal({ id: '000001', date: '20240305120000' });
    expect(b).to.deep.equal(a);
    clock.now = new Date('2024-03-05T12:05:00Z');
    expect(await build(connector, ref)).to.deep.equal(a);
    expect((await build(connector)).id).to.equal('000002');
    // Past the lifetime, a new id.
    clock.now = new Date('2024-03-05T12:16:00Z');
    expect(await build(connector, ref)).to.deep.equal({ id: '000003', date: '20240305121600' });
  });

  it('gives an attempt rebuilt after midnight UTC an id of the new day', async () => {
    const clock = { now: new Date('2024-03-05T23:59:59Z') };
    const store = new MemoryPaymentStore({ clock: () => clock.now });
    const connector = lyraConnector({ services: store, clock: () => clock.now });
    const ref = newAttemptReference();
    expect(await build(connector, ref)).to.deep.equal({ id: '000001', date: '20240305235959' });
    clock.now = new Date('2024-03-06T00:00:02Z');
    expect(await build(connector, ref)).to.deep.equal({ id: '000001', date: '20240306000002' });
  });

  it('does not remember a failed allocation', async () => {
    let fail = true;
    const services: ConnectorServices = {
      async nextSequence() {
        if (fail) throw new Error('store down');
        return 7;
      },
    };
    const connector = lyraConnector({ services });
    const ref = newAttemptReference();
    await build(connector, ref).then(
      () => expect.fail('should have failed'),
      (e: Error) => expect(e.message).to.equal('store down'),
    );
    fail = false;
    expect((await build(connector, ref)).id).to.equal('000007');
  });
});
