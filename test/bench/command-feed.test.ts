import { expect } from 'chai';
import net from 'node:net';
import { Redis } from 'ioredis';
import { CommandFeed } from '../../bench/command-feed.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

/** A stand-in Redis that answers each connection with `answer` in one write, and records what it was sent. */
async function fakeRedis(answer: string): Promise<{ url: string; received: () => string; close: () => Promise<void> }> {
  let received = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('MONITOR')) socket.write(answer);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    received: () => received,
    close: () => {
      for (const s of sockets) s.resetAndDestroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('bench: CommandFeed (the MONITOR feed the benchmark counts commands with)', () => {
  it('counts the feed lines that come in the same packet as MONITOR\'s OK (a server under load)', async () => {
    const redis = await fakeRedis('+OK\r\n+1796177688.830137 [0 127.0.0.1:56116] "scan" "0" "MATCH" "p:*"\r\n+1796177688.830200 [0 lua] "hset" "k" "f" "v"\r\n+1796177688.830300 [0 127.0.0.1:56116] "GET" "k"\r\n');
    try {
      const feed = await CommandFeed.open(redis.url, (_command, source) => source !== 'lua');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(feed.count, 'scan and GET, not the command run inside a script').to.equal(2);
      await feed.close();
    } finally {
      await redis.close();
    }
  });

  it('authenticates with the URL\'s user and password before MONITOR, and fails when refused', async () => {
    const ok = await fakeRedis('+OK\r\n+OK\r\n');
    try {
      const feed = await CommandFeed.open(ok.url.replace('redis://', 'redis://bench:s%40cret@'), () => true);
      expect(ok.received()).to.equal('*3\r\n$4\r\nAUTH\r\n$5\r\nbench\r\n$6\r\ns@cret\r\n*1\r\n$7\r\nMONITOR\r\n');
      await feed.close();
    } finally {
      await ok.close();
    }
    const refused = await fakeRedis('-NOAUTH Authentication required.\r\n');
    try {
      let error: unknown;
      await CommandFeed.open(refused.url, () => true).catch((e: unknown) => (error = e));
      expect(String(error)).to.include('redis refused MONITOR: -NOAUTH');
    } finally {
      await refused.close();
    }
  });

  it('closes at once when the server has already reset the connection', async () => {
    const redis = await fakeRedis('+OK\r\n');
    const feed = await CommandFeed.open(redis.url, () => true);
    // The stand-in resets the connection: an error on the socket after the feed opened.
    await redis.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await feed.close();
    expect(feed.count).to.equal(0);
  });

  it('counts what a real redis-server runs for a client, by name and source, and nothing after close', async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    const client = new Redis(url);
    try {
      const feed = await CommandFeed.open(url, (command, source) => source !== 'lua' && command !== 'info');
      await client.set(`${prefix}a`, '1');
      await client.eval("redis.call('set', KEYS[1], '2'); return redis.call('get', KEYS[1])", 1, `${prefix}a`);
      await client.info('stats');
      await client.get(`${prefix}a`);
      // The feed lags the answers a little: wait until the last command is in.
      for (let i = 0; i < 50 && feed.count < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(feed.count, 'set, eval and get; not the two commands inside the script, not info').to.equal(3);
      await feed.close();
      await client.get(`${prefix}a`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(feed.count).to.equal(3);
    } finally {
      await client.del(`${prefix}a`);
      client.disconnect();
    }
  });
});
