// Every `ledger` command answers --help with its usage and does nothing else, and refuses a wrong argument with
// exit 64 naming it, before any store is opened: the data folder the environment points at is never made, no
// key file is written, no database is reached (DATABASE_URL is unset, so nothing else could be opened).
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/cli/main.ts';
import { runCli } from '../support/cli.ts';

let root: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ledger-usage-'));
  env = {
    LEDGER_DATA_DIR: join(root, 'data', 'pglite'),
    LEDGER_ANCHOR_DIR: join(root, 'anchors'),
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    PATH: process.env.PATH,
  };
});

function nothingWritten(): void {
  expect(readdirSync(root)).toEqual([]);
  expect(existsSync(env.LEDGER_DATA_DIR!)).toBe(false);
}

/** A command and a subcommand where it has them: what a bad option is tried on. */
const WITH_SUBCOMMAND: Record<string, string[]> = {
  audit: ['audit', 'verify'],
  projections: ['projections', 'status'],
  statements: ['statements', 'import', 'x.csv'],
  days: ['days', 'list'],
  discrepancies: ['discrepancies', 'list'],
  mappings: ['mappings', 'list'],
  users: ['users', 'list'],
  devices: ['devices', 'status'],
  schedules: ['schedules', 'list'],
  call: ['call', 'GET', '/v1/health'],
};

describe('ledger <command> --help', () => {
  for (const name of COMMAND_NAMES) {
    it(`${name} --help prints its usage, exit 0, nothing opened`, { timeout: 30_000 }, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await runCli([name, flag], env);
        expect(r.code, `${name} ${flag}: ${r.err}`).toBe(0);
        expect(r.out.length, `${name} ${flag} printed nothing`).toBeGreaterThan(20);
        expect(r.out).toContain('ledger');
      }
      nothingWritten();
    });
  }

  it('`ledger`, `ledger help` and `ledger --help` print the command list', async () => {
    for (const argv of [[], ['help'], ['--help'], ['-h']]) {
      const r = await runCli(argv, env);
      expect(r.code).toBe(0);
      for (const name of COMMAND_NAMES) expect(r.out, name).toContain(name);
    }
    nothingWritten();
  });
});

describe('ledger <command> with a wrong argument', () => {
  for (const name of COMMAND_NAMES.filter((n) => n !== 'help')) {
    it(`${name} --no-such-option exits 64 naming it, nothing opened`, { timeout: 30_000 }, async () => {
      const argv = [...(WITH_SUBCOMMAND[name] ?? [name]), '--no-such-option'];
      const r = await runCli(argv, env);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(64);
      expect(r.err).toContain('--no-such-option');
      expect(r.out).toBe('');
      nothingWritten();
    });
  }

  it('an unknown command exits 64 and lists the commands', async () => {
    const r = await runCli(['frobnicate'], env);
    expect(r.code).toBe(64);
    expect(r.err).toContain('frobnicate');
    expect(r.err).toContain('Commands:');
    nothingWritten();
  });

  it('projections: a bad instant, an unknown projection or a missing target are refused before the store', async () => {
    for (const [argv, named] of [
      [['projections', 'build', 'nosuch', '--as-of', '2026-01-01T00:00:00Z'], 'nosuch'],
      [['projections', 'build', 'reconciliation', '--as-of', 'yesterday'], 'yesterday'],
      [['projections', 'build', 'reconciliation'], '--as-of'],
      [['projections', 'show', 'reconciliation', '--schema', 'public'], '--schema'],
      [['projections', 'frobnicate'], 'frobnicate'],
    ] as const) {
      const r = await runCli([...argv], env);
      expect(r.code, argv.join(' ')).toBe(64);
      expect(r.err).toContain(named);
      expect(r.err).toContain('--help');
    }
    nothingWritten();
  });

  it('call: a wrong method, a path without /, a body that is not JSON, no identity', async () => {
    for (const [argv, named] of [
      [['call', 'FETCH', '/v1/x'], 'FETCH'],
      [['call', 'GET', 'v1/x'], 'v1/x'],
      [['call', 'POST', '/v1/x', '{nope'], 'JSON'],
      [['call', 'GET', '/v1/x'], 'ledger login'],
      [['call', 'GET', '/v1/x', '--client', 'c1'], 'LEDGER_CLIENT_SECRET'],
      [['call', 'GET', '/v1/x', '--url', 'ftp://x'], 'ftp://x'],
    ] as const) {
      const r = await runCli([...argv], env);
      expect(r.code, argv.join(' ')).toBe(64);
      expect(r.err).toContain(named);
    }
    nothingWritten();
  });
});
