import net from 'node:net';
import tls from 'node:tls';

/** What a MONITOR line says of a command: where it ran (`lua` inside a script) and its name. */
export type CountedCommand = (command: string, source: string) => boolean;

// `+1796177688.830137 [0 127.0.0.1:56116] "scan" "0" ...`: Redis escapes every argument in the
// feed, so one command is one line.
const FEED_LINE = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]*)"/;

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Counts the commands a Redis runs, read from its MONITOR feed on a connection of its own. Not
 * ioredis's monitor(): that connection is put in monitoring mode a turn after MONITOR's OK, so the
 * feed lines that come in the same packet as the OK (from a server already under load) are taken for
 * answers to commands never sent, each raised as an error, and the one after the first has no
 * listener and ends the process. Here every line after the OK is a feed line, by construction.
 */
export class CommandFeed {
  private counted = 0;
  private text = '';

  private constructor(
    private readonly socket: net.Socket,
    private readonly accept: CountedCommand,
  ) {}

  /** Connects to the Redis of `url` (redis:// or rediss://, with its user and password) and starts the feed. */
  static open(url: string, accept: CountedCommand): Promise<CommandFeed> {
    const target = new URL(url);
    const port = Number(target.port || 6379);
    const host = target.hostname || '127.0.0.1';
    const socket = target.protocol === 'rediss:' ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    const feed = new CommandFeed(socket, accept);
    const password = decodeURIComponent(target.password);
    const user = decodeURIComponent(target.username);
    let okWanted = password ? 2 : 1;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        feed.text += chunk;
        let end: number;
        while ((end = feed.text.indexOf('\r\n')) >= 0) {
          const line = feed.text.slice(0, end);
          feed.text = feed.text.slice(end + 2);
          if (okWanted > 0) {
            if (line !== '+OK') return reject(new Error(`redis refused MONITOR: ${line}`));
            okWanted -= 1;
            if (okWanted === 0) resolve(feed);
            continue;
          }
          const match = FEED_LINE.exec(line);
          if (match && feed.accept(match[2]!.toLowerCase(), match[1]!)) feed.counted += 1;
        }
      });
      if (password) socket.write(user ? resp('AUTH', user, password) : resp('AUTH', password));
      socket.write(resp('MONITOR'));
    });
  }

  /** The commands counted so far. */
  get count(): number {
    return this.counted;
  }

  /** Ends the feed (at once if the server already ended it); the count stays readable. */
  close(): Promise<void> {
    if (this.socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}
