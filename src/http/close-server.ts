import type { Server } from 'node:http';
import net, { type Socket } from 'node:net';

/** Stops the server gracefully, cutting what is still open after `timeoutMs`. */
export type CloseServer = (timeoutMs: number) => Promise<void>;

// After the signal the listener stays open this long (its answers already say `Connection: close`):
// a connection the kernel completed before the signal waits in the listening socket's queue until
// the event loop accepts it, which under load was measured at tens of milliseconds; closing the
// listener at once resets such connections although their clients had sent their requests.
const ACCEPT_GRACE_MS = 500;

/**
 * Makes a listening server stoppable without dropping a request it accepted: it stops accepting, lets
 * the requests in flight finish (their answers carry `Connection: close`), ends keep-alive connections
 * that sit between two requests, and after `timeoutMs` cuts whatever is still open (a client that
 * never finishes its request must not hold a shutdown). Call it before the server listens.
 *
 * http.Server#close is not used as is: since Node 19 it also closes every connection without a request
 * under way, and that includes a connection accepted a moment ago whose request has not been read yet,
 * which the client has every right to expect an answer to.
 */
export function gracefulClose(server: Server): CloseServer {
  // Keep-alive connections whose last answer is sent and whose next request has not come.
  const betweenRequests = new Set<Socket>();
  const tracked = new WeakSet<Socket>();
  let closing = false;
  server.on('request', (req, res) => {
    const socket = req.socket;
    betweenRequests.delete(socket);
    if (!tracked.has(socket)) {
      tracked.add(socket);
      socket.once('close', () => betweenRequests.delete(socket));
    }
    if (closing) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (closing) socket.end();
      else betweenRequests.add(socket);
    });
  });
  return (timeoutMs) =>
    new Promise((resolve) => {
      closing = true;
      for (const socket of betweenRequests) socket.end();
      setTimeout(() => {
        const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
        net.Server.prototype.close.call(server, () => {
          clearTimeout(deadline);
          resolve();
        });
        for (const socket of betweenRequests) socket.end();
      }, ACCEPT_GRACE_MS);
    });
}
