import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';

/** Runs `ledger …` in-process with the given environment; answers its exit code and what it printed. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, env });
  return { code, out, err };
}
