// Credentials of statement sources (an SFTP password or private key, an HTTPS bearer token or basic auth),
// named in a schedule, never stored in it: each is a JSON file `<dir>/<hospitalId>/<name>.json` readable by
// its owner only (mode 0600). The schedule holds the name; the worker reads the file when it fetches.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface SourceCredential {
  password?: string;
  privateKey?: string;
  passphrase?: string;
  bearer?: string;
  username?: string;
}

export interface CredentialStore {
  get(hospitalId: string, name: string): Promise<SourceCredential>;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

export function credentialDir(env: NodeJS.ProcessEnv): string {
  return env.LEDGER_CREDENTIALS_DIR ?? '.data/credentials';
}

export class FileCredentialStore implements CredentialStore {
  constructor(private readonly dir: string) {}

  async get(hospitalId: string, name: string): Promise<SourceCredential> {
    if (!NAME.test(hospitalId) || !NAME.test(name) || name.startsWith('.'))
      throw new CredentialError(`credential name "${name}" is not a plain name`);
    const path = join(this.dir, hospitalId, `${name}.json`);
    let mode: number;
    try {
      mode = (await stat(path)).mode;
    } catch {
      throw new CredentialError(`credential "${name}" of hospital ${hospitalId} is not configured (${path})`);
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      throw new CredentialError(`credential file ${path} is readable by others: chmod 600 it`);
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null)
      throw new CredentialError(`credential file ${path} is not an object`);
    const c = parsed as Record<string, unknown>;
    const out: SourceCredential = {};
    for (const k of ['password', 'privateKey', 'passphrase', 'bearer', 'username'] as const)
      if (typeof c[k] === 'string') out[k] = c[k];
    return out;
  }
}
