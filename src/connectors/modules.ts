import type { ConnectorModule } from './connector-module.js';
import { lyraModule } from './lyra/module.js';
import { moneticoModule } from './monetico/module.js';
import { nativeModule } from './native/module.js';
import { sipsModule } from './sips/module.js';
import { stripeModule } from './stripe/module.js';

/**
 * Every bank protocol the gateway speaks. A bank is configured when its module finds its settings in
 * the environment; BANK_CONNECTOR picks the default for payments created without a `connector`.
 */
export const CONNECTOR_MODULES: readonly ConnectorModule<any>[] = [
  nativeModule,
  lyraModule,
  stripeModule,
  moneticoModule,
  sipsModule,
];
