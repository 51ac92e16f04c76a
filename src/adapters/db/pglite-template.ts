// A new PGlite data folder starts as a copy of a prepared one instead of running initdb (most of a first
// start's time). The prepared folder is made once per checkout and PGlite version, in
// node_modules/.cache/ledger (LEDGER_PGLITE_TEMPLATE_DIR overrides), by opening and closing a PGlite on it; later
// new folders (the demo's --fresh, a new LEDGER_DATA_DIR) are copies. The copy holds no table of the ledger:
// migrations run on the copy as on any folder.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
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

export function templateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.LEDGER_PGLITE_TEMPLATE_DIR?.trim() || resolve('node_modules', '.cache', 'ledger');
  return join(base, `pglite-${pgliteVersion()}`);
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
): Promise<boolean> {
  if (dataDir.includes('://') || !isEmptyFolder(dataDir) || env.LEDGER_PGLITE_TEMPLATE === 'off')
    return false;
  const template = templateDir(env);
  try {
    if (!existsSync(join(template, 'PG_VERSION'))) {
      // Made beside its final name and renamed: concurrent first runs never copy a half-made folder.
      const making = `${template}.${process.pid}.${Date.now()}`;
      mkdirSync(making, { recursive: true });
      const pg = await create(making);
      await pg.close();
      try {
        renameSync(making, template);
      } catch {
        rmSync(making, { recursive: true, force: true }); // another process made it first
      }
    }
    mkdirSync(dirname(resolve(dataDir)), { recursive: true });
    cpSync(template, dataDir, { recursive: true });
    return true;
  } catch {
    rmSync(dataDir, { recursive: true, force: true });
    return false;
  }
}
