// Copying named properties of a record into an answer, a row or a request, in the order named.

/** The properties `keys` of `source` (undefined ones included), in that order. */
export function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = source[k];
  return out;
}
