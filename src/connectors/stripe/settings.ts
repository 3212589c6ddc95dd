import { missing } from '../connector-module.js';

/** Where the Stripe API is; STRIPE_API_BASE points elsewhere only for tests (a mock server). */
export const DEFAULT_API_BASE = 'https://api.stripe.com';

/** Where Stripe Checkout pages are served; a Checkout custom domain replaces it (STRIPE_CHECKOUT_ORIGIN). */
export const DEFAULT_CHECKOUT_ORIGIN = 'https://checkout.stripe.com';

export const DEFAULT_PAYMENT_METHOD_TYPES: readonly string[] = ['card'];

export interface StripeSettings {
  /** `sk_…` or a restricted `rk_…` key; never logged, never in a problem message. */
  secretKey: string;
  /** Webhook endpoint signing secrets (`whsec_…`): more than one while a secret is being rolled. */
  webhookSecrets: string[];
  apiBase: string;
  checkoutOrigin: string;
  paymentMethodTypes: string[];
}

export const STRIPE_VARIABLES = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_BASE',
  'STRIPE_CHECKOUT_ORIGIN',
  'STRIPE_PAYMENT_METHOD_TYPES',
] as const;

const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=_-]{16,200}$/;
const PAYMENT_METHOD_TYPE = /^[a-z][a-z0-9_]{1,40}$/;

/** `sk_live_…` and `rk_live_…` keys act on live money; everything else on test data. */
export function isLiveKey(secretKey: string): boolean {
  return /^(sk|rk)_live_/.test(secretKey);
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An http(s) URL without query or fragment, as an origin plus path with no trailing slash; null if it is not one. */
function baseUrl(value: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) return null;
  if (url.search || url.hash || url.username || url.password) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function originOnly(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.pathname !== '/' || url.search || url.hash || url.username || url.password) return null;
  return url.origin;
}

/**
 * Reads the STRIPE_* variables. Nothing set: Stripe is not configured. The secret key and at least one
 * webhook secret are required: the webhook is what finalises payments, the browser return only hints.
 */
export function readStripeSettings(
  env: Readonly<Record<string, string | undefined>>,
  context: { production: boolean },
): { settings?: StripeSettings; problems: string[] } {
  if (!STRIPE_VARIABLES.some((n) => env[n])) return { problems: [] };
  const problems = missing(env, ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'], 'when Stripe is configured');

  const secretKey = env.STRIPE_SECRET_KEY?.trim() ?? '';
  if (secretKey && !SECRET_KEY.test(secretKey)) {
    problems.push(
      /^pk_/.test(secretKey)
        ? 'STRIPE_SECRET_KEY: this is a publishable key (pk_…); the gateway needs the secret key (sk_…) or a restricted key (rk_…)'
        : 'STRIPE_SECRET_KEY: must be a Stripe secret key (sk_test_…, sk_live_…) or restricted key (rk_test_…, rk_live_…)',
    );
  }

  const webhookSecrets = [...new Set(list(env.STRIPE_WEBHOOK_SECRET))];
  if (env.STRIPE_WEBHOOK_SECRET && webhookSecrets.length === 0) problems.push('STRIPE_WEBHOOK_SECRET: at least one whsec_… secret is required');
  webhookSecrets.forEach((s, i) => {
    if (!WEBHOOK_SECRET.test(s)) problems.push(`STRIPE_WEBHOOK_SECRET: item ${i + 1} is not a webhook signing secret (whsec_…)`);
  });

  let apiBase = DEFAULT_API_BASE;
  if (env.STRIPE_API_BASE) {
    const parsed = baseUrl(env.STRIPE_API_BASE, context.production);
    if (parsed) apiBase = parsed;
    else problems.push(`STRIPE_API_BASE: must be an absolute ${context.production ? 'https' : 'http(s)'} URL without query (default ${DEFAULT_API_BASE})`);
  }

  let checkoutOrigin = DEFAULT_CHECKOUT_ORIGIN;
  if (env.STRIPE_CHECKOUT_ORIGIN) {
    const parsed = originOnly(env.STRIPE_CHECKOUT_ORIGIN);
    if (parsed) checkoutOrigin = parsed;
    else problems.push(`STRIPE_CHECKOUT_ORIGIN: must be an https origin such as ${DEFAULT_CHECKOUT_ORIGIN} (your Checkout custom domain)`);
  }

  let paymentMethodTypes = [...DEFAULT_PAYMENT_METHOD_TYPES];
  if (env.STRIPE_PAYMENT_METHOD_TYPES) {
    const types = [...new Set(list(env.STRIPE_PAYMENT_METHOD_TYPES))];
    const bad = types.filter((t) => !PAYMENT_METHOD_TYPE.test(t));
    if (types.length === 0) problems.push('STRIPE_PAYMENT_METHOD_TYPES: list at least one payment method type (e.g. card)');
    else if (bad.length) problems.push(`STRIPE_PAYMENT_METHOD_TYPES: not payment method types: ${bad.map((t) => JSON.stringify(t.slice(0, 40))).join(', ')}`);
    else paymentMethodTypes = types;
  }

  if (problems.length) return { problems };
  return { problems, settings: { secretKey, webhookSecrets, apiBase, checkoutOrigin, paymentMethodTypes } };
}
