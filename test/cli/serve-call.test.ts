// `ledger serve` as it is, on the embedded PGlite, with nothing configured: it makes a master key beside the
// data folder (mode 0600) and says so; the first administrator comes from `ledger users add`; `ledger call`
// sends requests to it with the `ledger login` session and, signed, as a bus client registered through it.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/cli/serve.ts';
import { runCli } from '../support/cli.ts';

const PASSWORD = 'a long demo passphrase 2026';
let root: string;
let env: NodeJS.ProcessEnv;
let stop: AbortController;
let served: Promise<number>;
let err = '';
let url = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ledger-serve-'));
  env = {
    LEDGER_DATA_DIR: join(root, 'data', 'pglite'),
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    PATH: process.env.PATH,
    PORT: '0',
    LOG_LEVEL: 'warn',
  };
  // The first administrator, and a session (PGlite is one process's: done before the bus opens the folder).
  const add = await runCli(
    [
      'users',
      'add',
      '--hospital',
      'H001',
      '--username',
      'admin',
      '--role',
      'administrator',
      '--password-stdin',
    ],
    env,
    `${PASSWORD}\n`,
  );
  expect(add.code, add.err).toBe(0);
  const login = await runCli(
    ['login', '--hospital', 'H001', '--username', 'admin', '--password-stdin'],
    env,
    `${PASSWORD}\n`,
  );
  expect(login.code, login.err).toBe(0);

  stop = new AbortController();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  served = serve([], { stdout, stderr, env }, { signal: stop.signal });
  served.catch(() => {});
  for (let i = 0; i < 1200 && !/listening on (\S+)/.test(out); i++)
    await new Promise((r) => setTimeout(r, 100));
  url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  expect(url, `${out}\n${err}`).not.toBe('');
}, 180_000);

afterAll(async () => {
  stop?.abort();
  await served;
}, 60_000);

describe('ledger serve on the embedded default, and ledger call', () => {
  it('made a master key beside the data folder, mode 0600, and said how to set one for production', () => {
    const file = join(root, 'data', 'master-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^k1:[A-Za-z0-9+/]{43}=\n$/);
    expect(err).toContain(`made a master key in ${file}`);
    expect(err).toContain('LEDGER_MASTER_KEY');
  });

  it('calls with the login session, registers a client, and calls signed as that client', async () => {
    const callEnv = { ...env, LEDGER_URL: url };
    const channel = await runCli(
      [
        'call',
        'POST',
        '/v1/admin/channels',
        JSON.stringify({
          channelId: 'kiosk',
          name: '自助机',
          businessTypes: ['registration', 'outpatient', 'deposit', 'refund'],
          rateLimit: { perSecond: 100, burst: 100 },
        }),
      ],
      callEnv,
    );
    expect(channel.code, channel.out + channel.err).toBe(0);
    expect(channel.err).toContain('HTTP 201');
    const client = await runCli(
      [
        'call',
        'POST',
        '/v1/admin/clients',
        JSON.stringify({
          clientId: 'kiosk-fleet-1',
          kind: 'kiosk-fleet',
          channelId: 'kiosk',
          grants: { read: 'hospital', patientIds: 'masked' },
        }),
      ],
      callEnv,
    );
    expect(client.code, client.out + client.err).toBe(0);
    const secret = JSON.parse(client.out).secret as string;
    expect(secret.length).toBeGreaterThan(30);

    const signed = await runCli(['call', 'GET', '/v1/admin/channels/kiosk', '--client', 'kiosk-fleet-1'], {
      ...callEnv,
      LEDGER_SESSION: '',
      LEDGER_CLIENT_SECRET: secret,
    });
    expect(signed.err).not.toContain('HTTP 401');
    expect(signed.code, signed.out + signed.err).toBe(0);
    expect(JSON.parse(signed.out).channelId).toBe('kiosk');

    const forged = await runCli(['call', 'GET', '/v1/admin/channels/kiosk', '--client', 'kiosk-fleet-1'], {
      ...callEnv,
      LEDGER_CLIENT_SECRET: `${secret}x`,
    });
    expect(forged.code).toBe(1);
    expect(forged.err).toContain('HTTP 401');
    expect(forged.out).toContain('AUTH_BAD_SIGNATURE');
  });

  it('says how to reach the bus when nothing listens', async () => {
    const r = await runCli(['call', 'GET', '/v1/health', '--url', 'http://127.0.0.1:1'], env);
    expect(r.code).toBe(69);
    expect(r.err).toMatch(/cannot reach .*ledger serve/);
  });
});
