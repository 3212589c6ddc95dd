import type { PaymentConnectors } from '../../src/service/payment-service.js';

/** The connectors a PaymentService under test knows: these names, the first the default, each able to charge any amount. */
export function connectorsNamed(...names: [string, ...string[]]): PaymentConnectors {
  return {
    defaultName: names[0],
    names: () => [...names],
    has: (name) => names.includes(name),
    get: () => ({}),
  };
}
