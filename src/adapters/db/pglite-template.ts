// A new PGlite data folder starts as a copy of a prepared one instead of running initdb and the schema work
// (most of a first start's time). Prepared folders are made once per checkout and PGlite version, in
// node_modules/.cache/ledger (LEDGER_PGLITE_TEMPLATE_DIR overrides); later new folders (the demo's --fresh, a
// new LEDGER_DATA_DIR) are copies. The plain one (no key) is an empty cluster: opening a PGlite on it is all
// it takes. A keyed one is made by `create` as well — openLedger migrates it, makes the read models and stamps
// them (schema-stamp.ts) — and its key names that schema, so a code change makes a new one.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

function pgliteVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@electric-sql/pglite');
    let dir = dirname(main);
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    return (require(join(dir, 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Prepared folders of another schema left unused this long are removed when a new one is made. */
const STALE_TEMPLATE_MS = 24 * 60 * 60 * 1000;

export function templateDir(env: NodeJS.ProcessEnv = process.env, key?: string): string {
  const base = env.LEDGER_PGLITE_TEMPLATE_DIR?.trim() || resolve('node_modules', '.cache', 'ledger');
  const name = `pglite-${pgliteVersion()}`;
  if (key === undefined) return join(base, name);
  return join(base, `${name}-s${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
}

/** Removes keyed prepared folders other than `keep` not modified for a day (each schema change leaves one). */
function pruneStale(keep: string): void {
  const base = dirname(keep);
  const prefix = `pglite-${pgliteVersion()}-s`;
  for (const name of readdirSync(base)) {
    const path = join(base, name);
    if (!name.startsWith(prefix) || !/^[0-9a-f]{16}$/.test(name.slice(prefix.length)) || path === keep)
      continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_TEMPLATE_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // another process removed it
    }
  }
}

function isEmptyFolder(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * Fills an absent or empty `dataDir` from the prepared folder, making that first when there is none. Answers
 * whether it did; any failure leaves `dataDir` as it was (PGlite then runs initdb itself).
 */
export async function seedFromTemplate(
  dataDir: string,
  create: (dir: string) => Promise<{ close(): Promise<void> }>,
  env: NodeJS.ProcessEnv = process.env,
  key?: string,
): Promise<boolean> {
  if (dataDir.includes('://') || !isEmptyFolder(dataDir) || env.LEDGER_PGLITE_TEMPLATE === 'off')
    return false;
  const template = templateDir(env, key);
  try {
    if (!existsSync(join(template, 'PG_VERSION'))) {
      // Made beside its final name and renamed: concurrent first runs never copy a half-made folder.
      const making = `${template}.${process.pid}.${Date.now()}`;
      mkdirSync(making, { recursive: true });
      try {
        const pg = await create(making);
        await pg.close();
      } catch (error) {
        rmSync(making, { recursive: true, force: true });
        throw error;
      }
      try {
        renameSync(making, template);
      } catch {
        rmSync(making, { recursive: true, force: true }); // another process made it first
      }
      if (key !== undefined) pruneStale(template);
    }
    mkdirSync(dirname(resolve(dataDir)), { recursive: true });
    cpSync(template, dataDir, { recursive: true });
    return true;
  } catch {
    rmSync(dataDir, { recursive: true, force: true });
    return false;
  }
}
