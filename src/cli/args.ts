// What every command's parseArgs options share: most options take one string.

/** parseArgs options, each named one a string option. */
export function strings<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as Record<N, { type: 'string' }>;
}
