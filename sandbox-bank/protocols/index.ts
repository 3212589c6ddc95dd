import { lyraProtocol } from './lyra.js';
import { moneticoProtocols } from './monetico.js';
import { nativeProtocol } from './native.js';
import type { SandboxProtocol } from './sandbox-protocol.js';
import { sipsProtocol } from './sips.js';

/** Every protocol the sandbox bank speaks. Adding one: a file in this folder and a line here. */
export const SANDBOX_PROTOCOLS: readonly SandboxProtocol[] = [
  nativeProtocol,
  sipsProtocol,
  lyraProtocol,
  ...moneticoProtocols,
];

/** By name; refuses two protocols with one name or one request path. */
export function protocolsByName(protocols: readonly SandboxProtocol[] = SANDBOX_PROTOCOLS): ReadonlyMap<string, SandboxProtocol> {
  const byName = new Map<string, SandboxProtocol>();
  const paths = new Set<string>();
  for (const protocol of protocols) {
    if (byName.has(protocol.name)) throw new Error(`sandbox protocol ${protocol.name} is listed twice`);
    for (const path of protocol.requestPaths) {
      if (paths.has(path)) throw new Error(`sandbox protocol ${protocol.name}: ${path} is already taken`);
      paths.add(path);
    }
    byName.set(protocol.name, protocol);
  }
  return byName;
}
