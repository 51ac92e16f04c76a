#!/usr/bin/env node
// The `ledger` command. Runs the compiled JavaScript in dist/ (made by `npm install` through the `prepare`
// script, or `npm run build:server`) when it is there and newer than every source file; otherwise the
// TypeScript sources through tsx, so a checkout that was edited since the last build still runs what it holds.
// LEDGER_FROM_SOURCE=1 always runs the sources.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest modification time of the .ts files under `dir` (the build's inputs). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtIsCurrent() {
  if (process.env.LEDGER_FROM_SOURCE === '1') return false;
  const builtAt = mtime(built) ?? 0;
  if (!builtAt) return false;
  try {
    const sources = Math.max(
      newestSource(join(root, 'src')),
      newestSource(join(root, 'migrations')),
      mtime(join(root, 'tsconfig.json')) ?? 0,
    );
    return sources <= builtAt;
  } catch {
    return false;
  }
}

let main;
if (builtIsCurrent()) {
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
