import { startStack, type ConnectorWiring, type Stack, type StackOptions } from '../../support/stack.js';

export const SIPS_MERCHANT_ID = '011223344550000';
export const SIPS_KEYS = { '1': 'journey_sips_key_one_0123456789abcdef', '2': 'journey_sips_key_two_fedcba9876543210' } as const;

/** Sips on both sides, keys fixed so tests can seal messages: the gateway seals with version 2, the bank knows both. */
const SIPS: ConnectorWiring = {
  name: 'sips',
  env: ({ bankUrl }) => ({
    SIPS_MERCHANT_ID,
    SIPS_SECRET_KEYS: Object.entries(SIPS_KEYS).map(([v, k]) => `${v}:${k}`).join(','),
    SIPS_KEY_VERSION: '2',
    SIPS_PAYMENT_URL: `${bankUrl}/sips/paymentInit`,
    // The sandbox bank's Sips Office JSON: capture (validate), cancel, refund and status.
    SIPS_OFFICE_URL: `${bankUrl}/sips/office/rs-services/v2/`,
  }),
  credentials: () => ({ sips: { merchantId: SIPS_MERCHANT_ID, keys: SIPS_KEYS } }),
};

/** The stack with the Sips connector beside the native one; `createPayment` pays through Sips. */
export function startSipsStack(options: Omit<StackOptions, 'connector'> = {}): Promise<Stack> {
  return startStack({ ...options, connector: SIPS });
}
