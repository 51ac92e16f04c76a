// `npm run bench:startup`: how long the `ledger` command takes to answer, as a person meets it.
//   ledger help           the compiled CLI's start (node + the command table; no store)
//   first answer, cold    `ledger projections status` on a new PGlite folder (copied from the prepared one)
//   first answer, warm    the same command again on that folder
//   serve ready           `ledger serve` on that folder until it listens
// Each is run RUNS times (default 3) as a separate process; the table shows the median and the range.
// Run `npm run build:server` first to measure the compiled start (else the sources run through tsx, and the
// table says so).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.RUNS ?? 3);
const LEDGER = join(import.meta.dirname, '..', 'bin', 'ledger.mjs');

/** Runs `ledger …` and answers the milliseconds until it exits (or until `until` appears on stdout, then kills it). */
function timeLedger(args: string[], env: NodeJS.ProcessEnv, until?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [LEDGER, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.stdout.on('data', (c) => {
      out += c;
      if (until?.test(out)) {
        const ms = performance.now() - started;
        child.once('exit', () => resolve(ms));
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => {
      if (until && !until.test(out)) reject(new Error(`ledger ${args.join(' ')} exited ${code}: ${err}`));
      else if (!until && code !== 0) reject(new Error(`ledger ${args.join(' ')} exited ${code}: ${err}`));
      else if (!until) resolve(performance.now() - started);
    });
  });
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  const f = (n: number) => (n / 1000).toFixed(2);
  return `${f(median).padStart(7)} s   ${f(s[0]!)}–${f(s[s.length - 1]!)} s`;
}

const root = mkdtempSync(join(tmpdir(), 'ledger-bench-startup-'));
const rows: [string, number[]][] = [];
try {
  const compiled = existsSync(join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js'));
  const help: number[] = [];
  for (let i = 0; i < RUNS; i++) help.push(await timeLedger(['help'], {}));
  rows.push(['ledger help', help]);

  const cold: number[] = [];
  const warm: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dataDir = join(root, `run${i}`, 'pglite');
    const env = { LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    cold.push(await timeLedger(['projections', 'status'], env));
    warm.push(await timeLedger(['projections', 'status'], env));
    ready.push(await timeLedger(['serve'], { ...env, PORT: '0' }, /listening on/));
  }
  rows.push(['first answer on PGlite, new folder', cold]);
  rows.push(['first answer on PGlite, again', warm]);
  rows.push(['serve ready on PGlite', ready]);

  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  process.stdout.write(
    `ledger start-up, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}, ` +
      `${compiled ? 'compiled (dist/)' : 'sources through tsx (no dist/)'}, ${RUNS} runs each\n\n`,
  );
  process.stdout.write(
    `| ${'what'.padEnd(36)} | median    range          |\n| ${'-'.repeat(36)} | ---------------------- |\n`,
  );
  for (const [what, ms] of rows) process.stdout.write(`| ${what.padEnd(36)} | ${stats(ms)} |\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
