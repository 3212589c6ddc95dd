import { createServer, type AddressInfo } from 'node:net';

const handedOut = new Set<number>();

/** A port free on 127.0.0.1 right now (the caller binds it soon after; a clash shows as a failed start). */
export async function freePort(): Promise<number> {
  // A port is free until something listens on it: several asked for before any is used (a cluster's
  // nodes and their buses) could otherwise be the same one twice, so none is handed out twice in a run.
  for (;;) {
    const port = await unusedPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
