import type { BankConnector } from './bank-connector.js';
import type { ConnectorDeps, ConnectorModule } from './connector-module.js';
import { lyraModule } from './lyra/module.js';
import type { LyraSettings } from './lyra/settings.js';
import { moneticoModule } from './monetico/module.js';
import type { MoneticoSettings } from './monetico/settings.js';
import { nativeModule } from './native/module.js';
import type { NativeSettings } from './native/settings.js';
import { sipsModule } from './sips/module.js';
import type { SipsSettings } from './sips/settings.js';
import { stripeModule } from './stripe/module.js';
import type { StripeSettings } from './stripe/settings.js';

/** Each bank protocol the gateway speaks, by connector name, with the type of its settings. */
export interface ConnectorSettingsMap {
  native: NativeSettings;
  lyra: LyraSettings;
  stripe: StripeSettings;
  monetico: MoneticoSettings;
  sips: SipsSettings;
}

export type ConnectorName = keyof ConnectorSettingsMap;

/** The settings of every configured connector, typed per connector. */
export type ConfiguredConnectors = { [N in ConnectorName]?: ConnectorSettingsMap[N] };

/** Each connector's module, by name. */
export const CONNECTOR_MODULES: { readonly [N in ConnectorName]: ConnectorModule<ConnectorSettingsMap[N]> } = {
  native: nativeModule,
  lyra: lyraModule,
  stripe: stripeModule,
  monetico: moneticoModule,
  sips: sipsModule,
};

/**
 * Every bank protocol, in the order in which the default connector is chosen (the first configured;
 * BANK_CONNECTOR overrides). Adding a bank is one module, a line in the map above and a name here.
 */
export const CONNECTOR_NAMES: readonly ConnectorName[] = ['native', 'lyra', 'stripe', 'monetico', 'sips'];

// Generic in the name, so each module meets its own settings' type without a cast.
function readOne<N extends ConnectorName>(
  name: N,
  env: Readonly<Record<string, string | undefined>>,
  context: { production: boolean },
  into: ConfiguredConnectors,
): string[] {
  const read = CONNECTOR_MODULES[name].readSettings(env, context);
  if (read.settings !== undefined) into[name] = read.settings;
  return read.problems;
}

function createOne<N extends ConnectorName>(name: N, settings: ConnectorSettingsMap[N], deps: ConnectorDeps): Promise<BankConnector> {
  return CONNECTOR_MODULES[name].create(settings, deps);
}

/** Each module reads its own variables; `problems` has one line per bad or missing value. */
export function readConnectorSettings(env: Readonly<Record<string, string | undefined>>, context: { production: boolean }): { connectors: ConfiguredConnectors; problems: string[] } {
  const connectors: ConfiguredConnectors = {};
  const problems = CONNECTOR_NAMES.flatMap((name) => readOne(name, env, context, connectors));
  return { connectors, problems };
}

/** Builds the connector of every configured bank, in CONNECTOR_NAMES order. */
export async function createConnectors(configured: ConfiguredConnectors, deps: ConnectorDeps): Promise<BankConnector[]> {
  const built: BankConnector[] = [];
  for (const name of CONNECTOR_NAMES) {
    const settings = configured[name];
    if (settings !== undefined) built.push(await createOne(name, settings, deps));
  }
  return built;
}
