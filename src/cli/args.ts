// What every command's parseArgs options share: most options take one string.
import { type ParseArgsConfig, parseArgs } from 'node:util';

type OptionConfig = NonNullable<ParseArgsConfig['options']>[string];

/** parseArgs options, each named one a string option. */
export function strings<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** A command's arguments: its positionals, the options it takes, and -h/--help (an unknown option is refused). */
export function commandArgs<const O extends Record<string, OptionConfig>>(argv: string[], options: O) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, ...HELP } });
}
