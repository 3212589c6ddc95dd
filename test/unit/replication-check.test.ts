import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/logger.js';
import { checkReplication, connectedReplicas, type ReplicationProbe } from '../../src/store/replication-check.js';
import { logEntries, type LogEntry } from '../support/log-lines.js';

/** A probe answering as a Redis with `replicas` connected replicas and the given persistence (null: CONFIG refused). */
function fakeRedis(replicas: number, persistence: { appendonly: string; appendfsync: string } | null, calls: string[] = []): ReplicationProbe {
  return {
    info: async (section) => {
      calls.push(`INFO ${section}`);
      return `# Replication\r\nrole:master\r\nconnected_slaves:${replicas}\r\nmaster_repl_offset:42\r\n`;
    },
    config: async (_sub, parameter) => {
      calls.push(`CONFIG GET ${parameter}`);
      if (!persistence) throw new Error("ERR unknown command 'CONFIG'");
      return [parameter, persistence[parameter as keyof typeof persistence]];
    },
  };
}

async function warningsOf(probe: ReplicationProbe, minReplicas: number): Promise<LogEntry[]> {
  const chunks: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) });
  await checkReplication(probe, minReplicas, createLogger('info', sink));
  return logEntries(chunks);
}

describe('start-up check of REDIS_MIN_REPLICAS_ACK', () => {
  it('reads connected_slaves from INFO replication', () => {
    expect(connectedReplicas('role:master\r\nconnected_slaves:2\r\n')).to.equal(2);
    expect(connectedReplicas('role:master\r\n')).to.equal(0);
  });

  it('asks nothing and says nothing with n = 0', async () => {
    const calls: string[] = [];
    expect(await warningsOf(fakeRedis(0, { appendonly: 'no', appendfsync: 'everysec' }, calls), 0)).to.deep.equal([]);
    expect(calls).to.deep.equal([]);
  });

  it('is silent when enough replicas are connected and the primary keeps an append-only file', async () => {
    for (const appendfsync of ['everysec', 'always']) {
      expect(await warningsOf(fakeRedis(1, { appendonly: 'yes', appendfsync }), 1), appendfsync).to.deep.equal([]);
    }
  });

  it('warns once when fewer replicas are connected than n', async () => {
    const lines = await warningsOf(fakeRedis(1, { appendonly: 'yes', appendfsync: 'everysec' }), 2);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 40, connectedReplicas: 1, minReplicas: 2 });
    expect(lines[0]!.msg).to.match(/fewer connected replicas than REDIS_MIN_REPLICAS_ACK/);
  });

  it('warns once when more replicas are connected than n: a failover may promote one that did not confirm', async () => {
    const lines = await warningsOf(fakeRedis(2, { appendonly: 'yes', appendfsync: 'everysec' }), 1);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 40, connectedReplicas: 2, minReplicas: 1 });
    expect(lines[0]!.msg).to.match(/more connected replicas than REDIS_MIN_REPLICAS_ACK: a failover may promote a replica that had not confirmed/);
  });

  it('warns that a restart of the primary loses what was not replicated when appendonly is no, and about appendfsync no', async () => {
    const [noAof, ...rest] = await warningsOf(fakeRedis(1, { appendonly: 'no', appendfsync: 'everysec' }), 1);
    expect(rest).to.deep.equal([]);
    expect(noAof).to.include({ level: 40, appendonly: 'no' });
    expect(noAof!.msg).to.match(/restart of the primary loses every write not yet replicated/);
    const [noFsync] = await warningsOf(fakeRedis(1, { appendonly: 'yes', appendfsync: 'no' }), 1);
    expect(noFsync).to.include({ level: 40, appendfsync: 'no' });
  });

  it('takes a refused CONFIG quietly, and still checks the replicas', async () => {
    expect(await warningsOf(fakeRedis(1, null), 1)).to.deep.equal([]);
    const lines = await warningsOf(fakeRedis(0, null), 1);
    expect(lines.map((l) => l.level)).to.deep.equal([40]);
    expect(lines[0]).to.include({ connectedReplicas: 0 });
  });
});
