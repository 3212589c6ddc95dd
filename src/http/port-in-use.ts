/**
 * What to tell an operator when a listener cannot open its port: the setting to change, by name
 * (`DEMO_SHOP_PORT=3002 is in use`), rather than Node's `listen EADDRINUSE: address already in use`.
 */
export function listenFailure(err: unknown, setting: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new Error(`${setting}=${port} is in use: another program listens on it; stop it or set ${setting} to a free port`);
  if (code === 'EACCES') return new Error(`${setting}=${port} is refused by the system (ports below 1024 need privileges): set ${setting} to another port`);
  if (code === 'EADDRNOTAVAIL') return new Error(`${setting}=${port}: the address to listen on is not one of this machine's`);
  return err instanceof Error ? err : new Error(String(err));
}
