// The master key (LEDGER_MASTER_KEY) of a process started from the command line. Set in the environment, it is
// used as it is. On the embedded database (PGlite, no DATABASE_URL) and outside production, a missing key is
// kept in a file beside the data folder (`master-key`, mode 0600): made on the first start of `ledger serve`,
// read by every later start and by the other commands that need it, so a first run needs no set-up. On
// PostgreSQL, or with NODE_ENV=production, the key must come from the environment: a server's secrets are not
// left in a file next to its data.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configFromEnv } from '../adapters/db/database.ts';
import {
  MASTER_KEY_ENV,
  type MasterKeyring,
  parseMasterKeys,
  SecretError,
} from '../adapters/secrets/keyring.ts';

export const MASTER_KEY_FILE = 'master-key';

/** Where the embedded database's master key is kept, or undefined when the key must come from the environment. */
export function masterKeyFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env[MASTER_KEY_ENV]?.trim() || env.NODE_ENV === 'production') return undefined;
  const config = configFromEnv(env);
  if (!config.dataDir || config.dataDir.startsWith('memory://')) return undefined;
  return join(dirname(resolve(config.dataDir)), MASTER_KEY_FILE);
}

const HOW_TO_SET = `set ${MASTER_KEY_ENV}="k1:<32 random bytes in base64>", for example with: node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))"`;

/**
 * The master keyring: from LEDGER_MASTER_KEY, else (embedded database, not production) from the key file,
 * made when `create` and absent. `note` is told when a key file is made.
 */
export function cliMasterKeyring(
  env: NodeJS.ProcessEnv,
  options: { create?: boolean; note?: (message: string) => void } = {},
): MasterKeyring {
  if (env[MASTER_KEY_ENV]?.trim()) return parseMasterKeys(env[MASTER_KEY_ENV]);
  const file = masterKeyFile(env);
  if (!file && env.NODE_ENV !== 'production' && configFromEnv(env).dataDir?.startsWith('memory://')) {
    // A store in memory: its secrets end with the process, and so may its key.
    options.note?.('the store is in memory: its master key is made for this process only');
    return parseMasterKeys(`k1:${randomBytes(32).toString('base64')}`);
  }
  if (!file) {
    throw new SecretError(
      'MASTER_KEY_MISSING',
      `${MASTER_KEY_ENV} is not set (required on PostgreSQL and with NODE_ENV=production): ${HOW_TO_SET}`,
    );
  }
  try {
    return parseMasterKeys(readFileSync(file, 'utf8').trim());
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') {
      if (error instanceof SecretError)
        throw new SecretError(error.code, `${file}: ${error.message}; remove the file or ${HOW_TO_SET}`);
      throw error;
    }
  }
  if (!options.create)
    throw new SecretError(
      'MASTER_KEY_MISSING',
      `${MASTER_KEY_ENV} is not set and there is no ${file} yet: start \`ledger serve\` once, or ${HOW_TO_SET}`,
    );
  mkdirSync(dirname(file), { recursive: true });
  const key = `k1:${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  options.note?.(
    `made a master key in ${file} (mode 0600): it seals client secrets and channel credentials of this data ` +
      `folder, so keep it with the data. In production, ${HOW_TO_SET} (there it must be set).`,
  );
  return parseMasterKeys(key);
}
