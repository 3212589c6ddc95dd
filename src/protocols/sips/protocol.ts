/**
 * Worldline Sips 2.0, Paypage POST: names and constants shared by the gateway's connector and the
 * sandbox bank's Sips side. docs/connectors.md describes the exchange.
 */

/** Form fields of a payment request (to the Paypage) and of a response (return and automatic response). */
export const SIPS_FORM = {
  data: 'Data',
  seal: 'Seal',
  interfaceVersion: 'InterfaceVersion',
  sealAlgorithm: 'SealAlgorithm',
  encode: 'Encode',
} as const;

/** Interface version sent with requests unless SIPS_INTERFACE_VERSION says otherwise. */
export const DEFAULT_INTERFACE_VERSION = 'HP_2.20';
export const INTERFACE_VERSION_PATTERN = /^HP_2\.\d{1,2}$/;

/** Worldline's simulation environment (SIMU): no real payment, any card from its test list. */
export const SIMU_PAYMENT_URL = 'https://payment-webinit.simu.sips-services.com/paymentInit';
/** The public SIMU demo shop: its secret key is published, so it must never be used for real payments. */
export const SIMU_DEMO_SHOP = { merchantId: '002001000000001', keyVersion: '1', secretKey: '002001000000001_KEY1' } as const;

/** The Sips merchant id: 15 digits. */
export const MERCHANT_ID_PATTERN = /^\d{15}$/;
/** `keyVersion`: which of the merchant's secret keys sealed a message. */
export const KEY_VERSION_PATTERN = /^\d{1,10}$/;
/** `transactionReference` in Sips 2.0: up to 35 letters and digits. */
export const TRANSACTION_REFERENCE_PATTERN = /^[A-Za-z0-9]{1,35}$/;
/** `orderId` is informative and at most 32 characters. */
export const ORDER_ID_MAX_LENGTH = 32;

/** A Data field is a few hundred bytes; anything far larger is not a Sips message. */
export const MAX_DATA_LENGTH = 16_384;
