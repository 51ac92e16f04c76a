// What every command's parseArgs options share: most options take one string.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CliIo } from './main.ts';
import { EX_USAGE } from './usage.ts';

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

/**
 * Reads a command's arguments: `parse` them, answer --help with the usage (exit 0), then `check` them. A usage
 * error thrown by either prints its message and the usage (exit 64). Answers the arguments, or the exit status
 * when the command stops there.
 */
export function argsOrExit<T>(
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  usage: string,
  read: { parse: () => T; help: (args: T) => boolean | undefined; check?: (args: T) => void },
): T | number {
  try {
    const args = read.parse();
    if (read.help(args)) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    read.check?.(args);
    return args;
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    return EX_USAGE;
  }
}
