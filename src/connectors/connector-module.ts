import type { GatewayKeystore } from '../keys/keystore.js';
import type { Logger } from '../logger.js';
import type { BankConnector } from './bank-connector.js';

/** Store services a connector may need (kept narrow: connectors never see payments in the store). */
export interface ConnectorServices {
  /**
   * The next value of a counter scoped to `scope` (e.g. a shop id and a UTC day), atomically across
   * every gateway instance sharing the store; starts at 1. Lyra's 6-character vads_trans_id needs it.
   */
  nextSequence(scope: string, ttlSeconds: number): Promise<number>;
  /**
   * Keeps the first value stored under `key` for `ttlSeconds` and returns it to every caller, on every
   * instance: how a connector gives one attempt the same bank identifiers whichever instance builds it.
   */
  rememberOnce?(key: string, value: string, ttlSeconds: number): Promise<string>;
}

export interface ConnectorDeps {
  keystore: GatewayKeystore;
  services: ConnectorServices;
  logger: Logger;
  clock?: () => Date;
}

/**
 * One bank protocol, as the registry sees it: how to read its settings from the environment and how
 * to build its connector. Adding a bank is one module like this plus a line in ./modules.ts.
 */
export interface ConnectorModule<S = unknown> {
  readonly name: string;
  /**
   * Reads the module's own settings. `settings` is undefined when none of its variables is set
   * (the bank is not configured); `problems` has one line per bad or missing value.
   */
  readSettings(env: Readonly<Record<string, string | undefined>>, context: { production: boolean }): { settings?: S; problems: string[] };
  create(settings: S, deps: ConnectorDeps): Promise<BankConnector>;
}

/** Helper for modules: `name: message` lines for the variables that are missing. */
export function missing(env: Readonly<Record<string, string | undefined>>, names: readonly string[], why: string): string[] {
  return names.filter((n) => !env[n]).map((n) => `${n}: required ${why}`);
}
