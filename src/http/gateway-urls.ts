/**
 * The gateway's buyer and bank pages: their route patterns, and their absolute URLs under PUBLIC_URL.
 * The routers mount the patterns, and whatever hands a URL out (the API's checkoutUrl, webhooks, the
 * result page's links, the return and notification URLs a connector gives the bank) builds it here,
 * so a page can never be linked under a shape no router serves.
 */
export const GATEWAY_ROUTES = {
  checkout: '/checkout/:id',
  pay: '/checkout/:id/pay',
  result: '/checkout/:id/result',
  /** "Back to the shop" on the checkout page, when the merchant asked to be told of it. */
  backToShop: '/checkout/:id/back',
  bankReturn: '/bank/:connector/return',
  bankNotify: '/bank/:connector/notify',
  /** The merchant console's page of a payment, linked from the merchant's emails. */
  consolePayment: '/console/payments/:id',
} as const;

export interface GatewayUrls {
  /** The buyer's checkout page of a payment. */
  checkout(paymentId: string): string;
  /** Where the checkout page's "Pay" form posts. */
  pay(paymentId: string): string;
  /** Where "Back to the shop" leads when the merchant asked to be told (it records, then redirects). */
  backToShop(paymentId: string): string;
  /** The result page a buyer is sent to once back, or when the payment is final. */
  result(paymentId: string): string;
  /** Where a connector's bank sends the buyer back. */
  bankReturn(connector: string): string;
  /** Where a connector's bank sends its server-to-server notifications. */
  bankNotify(connector: string): string;
  /** The payment in the merchant console. */
  consolePayment(paymentId: string): string;
}

function fill(pattern: string, name: 'id' | 'connector', value: string): string {
  return pattern.replace(`:${name}`, encodeURIComponent(value));
}

/** The URLs of the gateway at `publicUrl` (PUBLIC_URL, without a trailing slash). */
export function gatewayUrls(publicUrl: string): GatewayUrls {
  return {
    checkout: (paymentId) => publicUrl + fill(GATEWAY_ROUTES.checkout, 'id', paymentId),
    pay: (paymentId) => publicUrl + fill(GATEWAY_ROUTES.pay, 'id', paymentId),
    result: (paymentId) => publicUrl + fill(GATEWAY_ROUTES.result, 'id', paymentId),
    backToShop: (paymentId) => publicUrl + fill(GATEWAY_ROUTES.backToShop, 'id', paymentId),
    bankReturn: (connector) => publicUrl + fill(GATEWAY_ROUTES.bankReturn, 'connector', connector),
    bankNotify: (connector) => publicUrl + fill(GATEWAY_ROUTES.bankNotify, 'connector', connector),
    consolePayment: (paymentId) => publicUrl + fill(GATEWAY_ROUTES.consolePayment, 'id', paymentId),
  };
}
