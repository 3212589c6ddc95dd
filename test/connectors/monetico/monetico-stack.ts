import { startStack, type ConnectorWiring, type Stack, type StackOptions } from '../../support/stack.js';

export const JOURNEY_TPE = '7000042';
/** A 40-character security key as a back office shows it (its final pair in the kit's shifted form). */
export const JOURNEY_KEY = '0123456789ABCDEF0123456789ABCDEF012345K7';

export interface MoneticoWiringOptions {
  macMethod?: 'fields' | 'positional';
  /** The interface retour registered at the bank; default the gateway's `/bank/monetico/notify`. */
  interfaceRetour?: (gatewayNotifyUrl: string) => string;
  /** The terminal's contract, at the bank and in MONETICO_CAPTURE; default automatic. */
  capture?: 'automatic' | 'manual';
}

/** Monetico's test server on both sides, with the key fixed so tests can check MACs. */
function moneticoWiring({ macMethod = 'fields', interfaceRetour = (url) => url, capture = 'automatic' }: MoneticoWiringOptions): ConnectorWiring {
  return {
    name: 'monetico',
    env: ({ bankUrl }) => ({
      MONETICO_TPE: JOURNEY_TPE,
      MONETICO_KEY: JOURNEY_KEY,
      MONETICO_COMPANY: 'journeyshop',
      MONETICO_PAYMENT_URL: `${bankUrl}/monetico/test/paiement.cgi`,
      MONETICO_MAC_METHOD: macMethod,
      MONETICO_CAPTURE: capture,
    }),
    credentials: ({ gatewayUrl }) => ({ monetico: { tpe: JOURNEY_TPE, key: JOURNEY_KEY, macMethod, capture, returnInterfaceUrl: interfaceRetour(`${gatewayUrl}/bank/monetico/notify`) } }),
  };
}

/** The stack with the Monetico connector beside the native one; `createPayment` pays through Monetico. */
export function startMoneticoStack(options: Omit<StackOptions, 'connector'> & MoneticoWiringOptions = {}): Promise<Stack> {
  const { macMethod, interfaceRetour, capture, ...stackOptions } = options;
  return startStack({ ...stackOptions, connector: moneticoWiring({ macMethod, interfaceRetour, capture }) });
}
