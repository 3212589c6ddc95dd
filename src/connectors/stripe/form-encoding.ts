/** A value Stripe's form-encoded API takes: nested objects become `a[b]`, arrays `a[0]`. */
export type FormValue = string | number | boolean | undefined | null | FormValue[] | { [key: string]: FormValue };

function flatten(prefix: string, value: FormValue, out: [string, string][]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(`${prefix}[${i}]`, item, out));
  } else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) flatten(prefix ? `${prefix}[${key}]` : key, item, out);
  } else {
    out.push([prefix, String(value)]);
  }
}

/** `{ line_items: [{ quantity: 1 }] }` → `[['line_items[0][quantity]', '1']]`; undefined and null are left out. */
export function formPairs(params: Record<string, FormValue>): [string, string][] {
  const out: [string, string][] = [];
  flatten('', params, out);
  return out;
}

/** The `application/x-www-form-urlencoded` body (or query string) of `params`. */
export function formEncode(params: Record<string, FormValue>): string {
  return new URLSearchParams(formPairs(params)).toString();
}
