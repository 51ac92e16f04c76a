import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

function io(env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

describe('ledger: choosing the event store', () => {
  it('an unknown EVENT_STORE stops the command with a message naming the variable and the choices', async () => {
    const t = io({ EVENT_STORE: 'mongo', LEDGER_DATA_DIR: 'memory://' });
    expect(await main(['verify'], t.io)).toBe(1);
    expect(t.err()).toMatch(/EVENT_STORE must be one of "sql", "kurrentdb".*"mongo"/);
  });

  it('EVENT_STORE=kurrentdb without KURRENTDB_URL says what is missing', async () => {
    const t = io({ EVENT_STORE: 'kurrentdb', LEDGER_DATA_DIR: 'memory://' });
    expect(await main(['seal'], t.io)).toBe(1);
    expect(t.err()).toMatch(/KURRENTDB_URL/);
  });
});
