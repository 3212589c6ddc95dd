import { StoreUnavailableError } from '../../src/core/errors.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';

/** How many of the next commits fail; the test sets it. */
export interface CommitFailures {
  left: number;
}

/** The store given, whose next `failures.left` commits fail as during a Redis failover; every other call is its own. */
export function failingCommits(store: GatewayStore, failures: CommitFailures): GatewayStore {
  return new Proxy(store, {
    get(inner, property) {
      const value: unknown = Reflect.get(inner, property, inner);
      if (typeof value !== 'function') return value;
      if (property !== 'commit') return (value as (...a: unknown[]) => unknown).bind(inner);
      return (...args: unknown[]) => {
        if (failures.left > 0) {
          failures.left -= 1;
          return Promise.reject(new StoreUnavailableError());
        }
        return (value as (...a: unknown[]) => unknown).apply(inner, args);
      };
    },
  });
}
