import { StoreUnavailableError } from '../../src/core/errors.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';

/** How the store answers now: as itself, unreachable (a Redis outage), or with a bug of its own. */
export type StoreFailure = 'none' | 'unavailable' | 'broken';

/**
 * The store given, whose every call (its outbox's too) fails while `failure()` says so: the 503 and
 * 500 answers of the API, provoked on any endpoint without stopping a server. `close` always works.
 */
export function failingStore(store: GatewayStore, failure: () => StoreFailure): GatewayStore {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(inner, property) {
        const value: unknown = Reflect.get(inner, property, inner);
        if (property === 'outbox' && typeof value === 'object' && value !== null) return wrap(value);
        if (typeof value !== 'function' || property === 'close') return value;
        return (...args: unknown[]) => {
          const now = failure();
          if (now === 'unavailable') return Promise.reject(new StoreUnavailableError());
          if (now === 'broken') return Promise.reject(new Error('the store has a bug'));
          return (value as (...a: unknown[]) => unknown).apply(inner, args);
        };
      },
    });
  return wrap(store);
}
