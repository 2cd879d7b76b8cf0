/** Exhaustiveness guard for `switch` over a discriminated union: a new variant fails to compile here. */
export function assertNever(value: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(value)}`);
}
