import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/logger.js';
import { checkPersistence, crashLoss } from '../../src/store/persistence-check.js';
import type { ReplicationProbe } from '../../src/store/replication-check.js';
import { logEntries, type LogEntry } from '../support/log-lines.js';

type Settings = { appendonly: string; appendfsync: string; save: string };

/** A probe answering as a Redis of the given role and persistence (null: CONFIG refused). */
function fakeRedis(role: 'master' | 'slave', replicas: number, settings: Settings | null): ReplicationProbe {
  return {
    info: async () => `# Replication\r\nrole:${role}\r\nconnected_slaves:${replicas}\r\n`,
    config: async (_sub, parameter) => {
      if (!settings) throw new Error("ERR unknown command 'CONFIG'");
      return [parameter, settings[parameter as keyof Settings]];
    },
  };
}

async function warningsOf(probe: ReplicationProbe): Promise<LogEntry[]> {
  const chunks: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) });
  await checkPersistence(probe, createLogger('info', sink));
  return logEntries(chunks);
}

describe('start-up check of what a primary crash loses (REDIS_MIN_REPLICAS_ACK=0)', () => {
  it('says what each persistence setting loses', () => {
    expect(crashLoss({ appendonly: 'yes', appendfsync: 'always', save: '' })).to.equal(null);
    expect(crashLoss({ appendonly: 'yes', appendfsync: 'everysec', save: '' })).to.match(/up to one second/);
    expect(crashLoss({ appendonly: 'yes', appendfsync: 'no', save: '' })).to.match(/not yet written to disk/);
    expect(crashLoss({ appendonly: 'no', appendfsync: 'everysec', save: '3600 1 300 100' })).to.match(/since its last snapshot.*save "3600 1 300 100"/);
    expect(crashLoss({ appendonly: 'no', appendfsync: 'everysec', save: '' })).to.match(/every payment and event it holds/);
  });

  it('is silent for appendfsync always without replicas', async () => {
    expect(await warningsOf(fakeRedis('master', 0, { appendonly: 'yes', appendfsync: 'always', save: '' }))).to.deep.equal([]);
  });

  it('warns once, with the settings, and adds what a failover loses when replicas are connected', async () => {
    const [alone, ...rest] = await warningsOf(fakeRedis('master', 0, { appendonly: 'no', appendfsync: 'everysec', save: '' }));
    expect(rest).to.deep.equal([]);
    expect(alone).to.include({ level: 40, appendonly: 'no', save: '', connectedReplicas: 0 });
    expect(alone!.msg).to.match(/crash of the primary loses every payment/).and.not.match(/failover/);
    const [replicated] = await warningsOf(fakeRedis('master', 1, { appendonly: 'yes', appendfsync: 'everysec', save: '' }));
    expect(replicated!.msg).to.match(/up to one second.*a failover to a replica loses what it had not yet received/);
  });

  it('warns that a replica cannot take writes, and takes a refused CONFIG quietly', async () => {
    const lines = await warningsOf(fakeRedis('slave', 0, null));
    expect(lines).to.have.length(1);
    expect(lines[0]!.msg).to.match(/answers as a replica: every write will fail/);
    expect(await warningsOf(fakeRedis('master', 0, null))).to.deep.equal([]);
  });
});
