import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../src/adapters/secrets/keyring.ts';
import { devicesCommand } from '../../src/cli/devices.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { DeviceConnection, build } from '../support/device-client.ts';

let db: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await createPostgresDatabase('devices_cli');
  env = { DATABASE_URL: db.url!, LEDGER_MASTER_KEY: generateMasterKey(), LOG_LEVEL: 'error' };
});
afterAll(async () => {
  await db?.dispose();
});

async function cli(argv: string[], signal?: AbortSignal, onOut?: (text: string) => void) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
    onOut?.(out);
  });
  stderr.on('data', (c) => (err += c));
  const code = await devicesCommand(argv, { stdout, stderr, env }, signal ? { signal } : {});
  return { code, out, err };
}

describe('ledger devices', () => {
  it('refuses a missing subcommand, a missing option and an unknown model with exit 64', async () => {
    expect((await cli([])).code).toBe(64);
    expect((await cli(['register', '--device', 'K1'])).code).toBe(64);
    const bad = await cli(['serve', '--listen', 'toaster=9000']);
    expect(bad.code).toBe(64);
    expect(bad.err).toMatch(/toaster=9000/);
  });

  it('registers a device (its key printed once), serves it, and shows it online after a heartbeat', async () => {
    const reg = await cli([
      'register',
      '--device',
      'K-CLI',
      '--hospital',
      'H001',
      '--model',
      'kiosk-fixed',
      '--channel',
      'kiosk',
    ]);
    expect(reg.code).toBe(0);
    const { key } = JSON.parse(reg.out) as { key: string };
    expect(key).toMatch(/^[0-9a-f]{64}$/);

    const stop = new AbortController();
    let listening!: (text: string) => void;
    const ready = new Promise<string>((r) => (listening = r));
    const serving = cli(['serve', '--listen', 'kiosk-fixed=0'], stop.signal, (text) => {
      if (text.includes('MQTT')) listening(text);
    });
    const port = Number(/kiosk-fixed on [^:]+:(\d+)/.exec(await ready)![1]);
    const c = await DeviceConnection.open('kiosk-fixed', { host: '127.0.0.1', port });
    const answer = await c.request(build.heartbeat('K-CLI', 's1'), Buffer.from(key, 'hex'));
    c.close();
    expect(answer.fields.resultCode).toBe('OK');
    stop.abort();
    expect((await serving).code).toBe(0);

    const status = await cli(['status', '--hospital', 'H001']);
    expect(JSON.parse(status.out)).toMatchObject({ deviceId: 'K-CLI', online: true, deviceState: 'OK' });
  });
});
