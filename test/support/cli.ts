import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

/**
 * Runs `ledger …` in-process with the given environment (and `stdin`, for --password-stdin); answers its exit
 * code and what it printed.
 */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, {
    stdout,
    stderr,
    env,
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
  });
  return { code, out, err };
}
