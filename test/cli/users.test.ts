// `ledger users`, `ledger login`, `ledger logout` on real PostgreSQL: the first administrator, adding and listing
// users as that administrator (session or --user), the session file's mode, and what is refused.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { resolveCliActor } from '../../src/cli/actor.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const ADMIN_PW = 'administrator passphrase';
const CLERK_PW = 'clerk passphrase 123';
let t: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await createPostgresDatabase('cli_users');
  const home = mkdtempSync(join(tmpdir(), 'ledger-users-'));
  env = { DATABASE_URL: t.url, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), PATH: process.env.PATH };
});
afterAll(async () => t?.dispose());

describe('ledger users and login', () => {
  it('every command and subcommand answers --help with exit 0', async () => {
    for (const argv of [
      ['users', '--help'],
      ['users', 'add', '--help'],
      ['users', 'list', '--help'],
      ['users', 'set-role', '--help'],
      ['login', '--help'],
      ['logout', '--help'],
    ]) {
      const r = await runCli(argv, env);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toMatch(/Exit codes/);
    }
    expect((await runCli(['users', 'frobnicate'], env)).code).toBe(64);
  });

  it('creates the first administrator without an acting user, then only an administrator adds users', async () => {
    const first = await runCli(
      [
        'users',
        'add',
        '--hospital',
        'H001',
        '--username',
        'root',
        '--role',
        'administrator',
        '--password-stdin',
      ],
      env,
      `${ADMIN_PW}\n`,
    );
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    // A second administrator is not a bootstrap: it needs an acting administrator.
    const second = await runCli(
      [
        'users',
        'add',
        '--hospital',
        'H001',
        '--username',
        'root2',
        '--role',
        'administrator',
        '--password-stdin',
      ],
      env,
      `${ADMIN_PW}\n`,
    );
    expect(second.code).toBe(77);
    expect(second.err).toMatch(/not signed in/);
    // --user with the acting password first, then the new user's password.
    const clerk = await runCli(
      [
        'users',
        'add',
        '--hospital',
        'H001',
        '--user',
        'root',
        '--username',
        'li',
        '--role',
        'finance-clerk',
        '--display-name',
        '李会计',
        '--password-stdin',
      ],
      env,
      `${ADMIN_PW}\n${CLERK_PW}\n`,
    );
    expect(clerk.err).toBe('');
    expect(clerk.code).toBe(0);
  });

  it('login saves a session file readable only by its owner; list and set-role act through it', async () => {
    const login = await runCli(
      ['login', '--hospital', 'H001', '--username', 'root', '--password-stdin'],
      env,
      `${ADMIN_PW}\n`,
    );
    expect(login.err).toBe('');
    expect(login.code).toBe(0);
    const file = join(String(env.XDG_CONFIG_HOME), 'ledger', 'session.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ hospitalId: 'H001', username: 'root' });

    const list = await runCli(['users', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^USERNAME\s+ROLE\s+STATE/);
    expect(list.out).toMatch(/li\s+finance-clerk\s+active\s+-\s+李会计/);
    expect(list.out).toMatch(/root\s+administrator\s+active/);

    expect((await runCli(['users', 'set-role', 'li', '--role', 'finance-supervisor'], env)).code).toBe(0);
    const json = await runCli(['users', 'list', '--json'], env);
    const users = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(users.find((u) => u.username === 'li').role).toBe('finance-supervisor');

    // The acting user for other commands (what `finance` CLI commands call).
    const store = new SqlEventStore(t.database);
    const actor = await resolveCliActor({ database: t.database, store }, {}, { ...io(), env });
    expect(actor).toMatchObject({
      userId: 'root',
      username: 'root',
      hospitalId: 'H001',
      role: 'administrator',
    });
    expect(actor.address).toMatch(/^cli:/);
  });

  it('refuses a clerk managing users, a short password, an unknown role, and a wrong password', async () => {
    const asClerk = await runCli(
      ['users', 'list', '--hospital', 'H001', '--user', 'li', '--password-stdin'],
      env,
      `${CLERK_PW}\n`,
    );
    expect(asClerk.code).toBe(77);
    expect(asClerk.err).toMatch(/only an administrator/);
    const short = await runCli(
      ['users', 'add', '--username', 'wang', '--role', 'auditor', '--password-stdin'],
      env,
      'short\n',
    );
    expect(short.code).toBe(65);
    expect(short.err).toMatch(/STAFF_INVALID.*password/);
    const role = await runCli(
      ['users', 'add', '--username', 'wang', '--role', 'boss', '--password-stdin'],
      env,
      'x\n',
    );
    expect(role.code).toBe(64);
    const wrong = await runCli(
      ['login', '--hospital', 'H001', '--username', 'li', '--password-stdin'],
      { ...env, XDG_CONFIG_HOME: join(String(env.HOME), 'other') },
      'not the password\n',
    );
    expect(wrong.code).toBe(77);
    expect(wrong.err).toMatch(/sign-in failed/);
  });

  it('LEDGER_SESSION carries a printed token instead of the file', async () => {
    const printed = await runCli(
      ['login', '--hospital', 'H001', '--username', 'root', '--password-stdin', '--print-token'],
      { ...env, XDG_CONFIG_HOME: join(String(env.HOME), 'none') },
      `${ADMIN_PW}\n`,
    );
    expect(printed.code).toBe(0);
    const token = printed.out.trim();
    expect(token).toMatch(/^lsk_/);
    const noFile = { ...env, XDG_CONFIG_HOME: join(String(env.HOME), 'none') };
    expect((await runCli(['users', 'list'], noFile)).code).toBe(77);
    const list = await runCli(['users', 'list', '--json'], { ...noFile, LEDGER_SESSION: token });
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/"username":"root"/);
  });

  it('disable ends the user’s sessions; logout ends the saved one and removes the file', async () => {
    const clerkEnv = { ...env, XDG_CONFIG_HOME: join(String(env.HOME), 'clerk') };
    expect(
      (
        await runCli(
          ['login', '--hospital', 'H001', '--username', 'li', '--password-stdin'],
          clerkEnv,
          `${CLERK_PW}\n`,
        )
      ).code,
    ).toBe(0);
    expect((await runCli(['users', 'disable', 'li', '--reason', 'left'], env)).code).toBe(0);
    const store = new SqlEventStore(t.database);
    await expect(
      resolveCliActor({ database: t.database, store }, {}, { ...io(), env: clerkEnv }),
    ).rejects.toThrow(/session has ended \(revoked\)/);
    const out = await runCli(['logout'], env);
    expect(out.code).toBe(0);
    expect((await runCli(['users', 'list'], env)).code).toBe(77);
  });
});

function io() {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  return { stdout: sink, stderr: sink };
}
