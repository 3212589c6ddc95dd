/** The `default:` of an exhaustive switch: a new member of a union fails to compile until each switch decides. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
