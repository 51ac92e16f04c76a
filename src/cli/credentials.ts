// Secrets on the command line never come from argv (it shows in `ps` and shell history): a password is typed at
// a prompt that does not echo, or read from stdin (--password-stdin, one per line). A signed-in session's token
// is kept in a file only its owner can read (mode 0600), or given in LEDGER_SESSION.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CliIo } from './main.ts';

export const SESSION_ENV = 'LEDGER_SESSION';
export const SESSION_FILE_ENV = 'LEDGER_SESSION_FILE';

/** A refusal of the command line's usage (exit 64). */
export class UsageError extends Error {}

/** Reads stdin line by line, once, so that several secrets can follow each other. */
export class SecretReader {
  private lines: AsyncIterator<string> | undefined;

  constructor(private readonly io: CliIo) {}

  private get stdin(): NodeJS.ReadableStream & { isTTY?: boolean } {
    return (this.io.stdin ?? process.stdin) as NodeJS.ReadableStream & { isTTY?: boolean };
  }

  /** The next line of stdin (--password-stdin). */
  async line(what: string): Promise<string> {
    this.lines ??= createInterface({ input: this.stdin, crlfDelay: Number.POSITIVE_INFINITY })[
      Symbol.asyncIterator
    ]();
    const next = await this.lines.next();
    if (next.done) throw new UsageError(`stdin ended before the ${what}`);
    return next.value;
  }

  /** A password typed at a prompt on the terminal, not echoed. */
  async prompt(label: string): Promise<string> {
    const stdin = this.stdin;
    if (!stdin.isTTY)
      throw new UsageError(`no terminal to ask for the ${label} on: pass --password-stdin and pipe it in`);
    const rl = createInterface({ input: stdin, output: this.io.stderr, terminal: true });
    const muted = rl as unknown as { _writeToOutput: (s: string) => void };
    this.io.stderr.write(`${label}: `);
    muted._writeToOutput = () => {}; // nothing typed is echoed
    try {
      return await new Promise<string>((resolve) => rl.question('', resolve));
    } finally {
      rl.close();
      this.io.stderr.write('\n');
    }
  }

  secret(label: string, fromStdin: boolean): Promise<string> {
    return fromStdin ? this.line(label) : this.prompt(label);
  }
}

/** Where a CLI action comes from, as events record it: `cli:<os user>@<host>`. */
export function cliAddress(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the host still says where
  }
  return `cli:${user}@${hostname()}`.slice(0, 200);
}

export interface SavedSession {
  token: string;
  hospitalId: string;
  username: string;
  expiresAt: string;
}

export function sessionFilePath(env: NodeJS.ProcessEnv): string {
  if (env[SESSION_FILE_ENV]) return env[SESSION_FILE_ENV];
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'ledger', 'session.json');
}

export async function saveSession(env: NodeJS.ProcessEnv, session: SavedSession): Promise<string> {
  const path = sessionFilePath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(session)}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // an older file keeps its mode through writeFile
  return path;
}

/** The token of the saved session: LEDGER_SESSION first, then the session file. */
export async function savedToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env[SESSION_ENV]?.trim()) return env[SESSION_ENV].trim();
  try {
    const saved = JSON.parse(await readFile(sessionFilePath(env), 'utf8')) as Partial<SavedSession>;
    return typeof saved.token === 'string' ? saved.token : undefined;
  } catch {
    return undefined;
  }
}

export async function forgetSession(env: NodeJS.ProcessEnv): Promise<void> {
  await rm(sessionFilePath(env), { force: true });
}
