import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AnchorDir,
  anchorWitness,
  openSealSigner,
  type SealKeyConfig,
  sealKeyConfigFromEnv,
} from '../../../src/adapters/event-store/anchors.ts';
import { chainHash, contentHash, genesisHash, sealStep } from '../../../src/adapters/event-store/hashing.ts';
import { sealEvents } from '../../../src/adapters/event-store/integrity.ts';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { readSeals } from '../../../src/adapters/event-store/audit-read.ts';
import { auditVerify } from '../../../src/adapters/event-store/verification.ts';
import { ev, newStream, runCli, tamper } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

let t: TestDatabase;
let store: SqlEventStore;
let dir: string;
let keys: SealKeyConfig;
beforeEach(async () => {
  t = await createPostgresDatabase('audit_anchors');
  store = new SqlEventStore(t.database);
  dir = await mkdtemp(join(tmpdir(), 'anchors-'));
  keys = { keyFile: join(dir, 'keys', 'seal-key.pem'), anchorDir: join(dir, 'anchors') };
});
afterEach(async () => {
  await store.close();
  await t.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function sealSigned(): Promise<void> {
  const signer = openSealSigner(keys, () => {});
  await sealEvents(store, { signer, anchors: new AnchorDir(keys.anchorDir) });
}

const verify = () => auditVerify(t.database, { sealWitness: anchorWitness(keys.anchorDir) });

/**
 * What a superuser with the database (and the hashing code) but not the key can do: rewrite one event's
 * payload, then recompute its content hash, its stream's chain, the stream row and every seal, exactly as the
 * store does, leaving no unkeyed trace.
 */
async function rewriteAndRecomputeEverything(position: bigint, data: object): Promise<void> {
  const { rows } = await sql<{ stream_id: string; stream_version: number }>`
    SELECT stream_id, stream_version FROM events WHERE position = ${position.toString()}::bigint`.execute(
    t.database.db,
  );
  const { stream_id: s, stream_version: from } = rows[0]!;
  const events = (await store.readStream(s)).events;
  const statements = [];
  let previous: Buffer = from > 1 ? Buffer.from(events[from - 2]!.hash, 'hex') : genesisHash(s);
  for (const e of events.slice(from - 1)) {
    const content = contentHash(e.position === position ? { ...e, data: data as never } : e);
    previous = chainHash(previous, e.streamVersion, content);
    statements.push(sql`UPDATE events SET content_hash = decode(${content.toString('hex')}, 'hex'),
      hash = decode(${previous.toString('hex')}, 'hex')
      ${e.position === position ? sql`, data = ${JSON.stringify(data)}::jsonb` : sql``}
      WHERE position = ${e.position.toString()}::bigint`);
  }
  statements.push(
    sql`UPDATE streams SET last_hash = decode(${previous.toString('hex')}, 'hex') WHERE stream_id = ${s}`,
  );
  await tamper(t.database, ...statements);
  // Every seal again, over the rewritten hashes.
  let acc: Buffer = Buffer.alloc(32);
  const reseal = [];
  for (const seal of await readSeals(t.database)) {
    const prev = acc;
    const { rows: covered } = await sql<{ position: string; hash: string }>`
      SELECT position::text, encode(hash, 'hex') AS hash FROM events
      WHERE position BETWEEN ${seal.fromPosition.toString()}::bigint AND ${seal.toPosition.toString()}::bigint
      ORDER BY position`.execute(t.database.db);
    for (const c of covered) acc = sealStep(acc, BigInt(c.position), Buffer.from(c.hash, 'hex'));
    reseal.push(sql`UPDATE seals SET prev_hash = decode(${prev.toString('hex')}, 'hex'),
      hash = decode(${acc.toString('hex')}, 'hex') WHERE seal_no = ${seal.sealNo.toString()}::bigint`);
  }
  await tamper(t.database, ...reseal);
}

describe('anchored seals', () => {
  it('seals are signed and anchored; an untouched store verifies against the anchors', async () => {
    const s = newStream();
    await store.appendToStream(s, [ev('A'), ev('B')], { expectedVersion: 'no_stream' });
    await sealSigned();
    await store.appendToStream(s, [ev('C')], { expectedVersion: 2 });
    await sealSigned();
    const seals = await readSeals(t.database);
    expect(seals.map((x) => x.keyId !== null && x.signature !== null)).toEqual([true, true]);
    const anchors = new AnchorDir(keys.anchorDir).anchors();
    expect(anchors.map((a) => [a.sealNo, a.hash])).toEqual(seals.map((x) => [String(x.sealNo), x.hash]));
    const report = await verify();
    expect(report.breaks).toEqual([]);
    expect(report.witnessChecked).toBe(2);
  });

  it('a rewrite with chain, stream row and seals recomputed passes the unkeyed checks but not the anchors', async () => {
    const s = newStream();
    const r = await store.appendToStream(
      s,
      [ev('Paid', { amount: '100.00' }), ev('Refunded', { amount: '30.00' })],
      {
        expectedVersion: 'no_stream',
      },
    );
    await store.appendToStream(newStream(), [ev('Other')], { expectedVersion: 'no_stream' });
    await sealSigned();
    await rewriteAndRecomputeEverything(r.firstPosition, { amount: '1.00' });

    const unkeyed = await auditVerify(t.database);
    expect(unkeyed.ok).toBe(true); // the gap anchors close
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.breaks.map((b) => [b.kind, b.sealNo, b.position])).toEqual([
      ['seal-signature', 1n, 1n],
      ['anchor-mismatch', 1n, 1n],
    ]);
    const cli = await runCli(['audit', 'verify'], { DATABASE_URL: t.url, LEDGER_ANCHOR_DIR: keys.anchorDir });
    expect(cli.code).toBe(2);
    expect(cli.out).toMatch(/seal-signature/);
    expect(cli.out).toMatch(/anchor-mismatch/);
  });

  it('stripping the signatures, or removing a seal, is reported', async () => {
    await store.appendToStream(newStream(), [ev('A')], { expectedVersion: 'no_stream' });
    await sealSigned();
    await store.appendToStream(newStream(), [ev('B')], { expectedVersion: 'no_stream' });
    await sealSigned();
    await tamper(t.database, sql`UPDATE seals SET signature = NULL, key_id = NULL WHERE seal_no = 2`);
    expect((await verify()).breaks.map((b) => [b.kind, b.sealNo])).toEqual([
      ['seal-signature', 2n],
      ['anchor-mismatch', 2n],
    ]);
    await tamper(t.database, sql`DELETE FROM seals WHERE seal_no = 2`);
    // The last seal gone: its events are the unsealed tail again, but its anchor remains.
    expect((await verify()).breaks.map((b) => [b.kind, b.sealNo])).toEqual([['anchor-mismatch', 2n]]);
  });

  it('rotate-key: new seals use the new key, old seals still verify with the retired one', async () => {
    const env = {
      DATABASE_URL: t.url,
      LEDGER_SEAL_KEY_FILE: keys.keyFile!,
      LEDGER_ANCHOR_DIR: keys.anchorDir,
    };
    await store.appendToStream(newStream(), [ev('A')], { expectedVersion: 'no_stream' });
    const first = await runCli(['seal'], env);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/generated a new Ed25519 seal-signing key/);
    const rotated = await runCli(['audit', 'rotate-key'], env);
    expect(rotated.code).toBe(0);
    await store.appendToStream(newStream(), [ev('B')], { expectedVersion: 'no_stream' });
    const second = await runCli(['seal'], env);
    expect(second.code).toBe(0);
    expect(second.err).toBe('');
    const seals = await readSeals(t.database);
    expect(new Set(seals.map((x) => x.keyId)).size).toBe(2);
    const listed = new AnchorDir(keys.anchorDir).keys();
    expect([...listed.values()].map((k) => Boolean(k.retiredAt))).toEqual([true, false]);
    expect((await verify()).breaks).toEqual([]);
    const lines = (await readFile(join(keys.anchorDir, 'keys.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['activated', 'activated', 'retired']);
  });

  it('on PostgreSQL without LEDGER_SEAL_KEY_FILE, seal refuses; the embedded default keeps the key out of the project', async () => {
    const r = await runCli(['seal'], { DATABASE_URL: t.url, LEDGER_ANCHOR_DIR: keys.anchorDir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/LEDGER_SEAL_KEY_FILE/);
    // A data directory inside the project (the case that once put a private key at the repository's root).
    for (const dataDir of ['.data', '.data/pglite', 'memory://', join(process.cwd(), 'x')]) {
      const { keyFile } = sealKeyConfigFromEnv({ LEDGER_DATA_DIR: dataDir, HOME: '/home/op' });
      expect(keyFile).toMatch(/^\/home\/op\/\.config\/hospital-ledger\/seal-keys\/[0-9a-f]{16}\.pem$/);
      expect(relative(process.cwd(), keyFile!).startsWith('..')).toBe(true);
    }
    // One key per data directory; XDG_CONFIG_HOME is honoured; an explicit file wins.
    const a = sealKeyConfigFromEnv({ LEDGER_DATA_DIR: '/srv/a', XDG_CONFIG_HOME: '/etc/xdg' }).keyFile;
    const b = sealKeyConfigFromEnv({ LEDGER_DATA_DIR: '/srv/b', XDG_CONFIG_HOME: '/etc/xdg' }).keyFile;
    expect(a).toMatch(/^\/etc\/xdg\/hospital-ledger\/seal-keys\//);
    expect(a).not.toBe(b);
    expect(sealKeyConfigFromEnv({ LEDGER_DATA_DIR: '.data', LEDGER_SEAL_KEY_FILE: '/k.pem' })).toEqual({
      keyFile: '/k.pem',
      anchorDir: '.data/anchors',
    });
    // `ledger seal` on an embedded database with no key configured writes the key there, not beside the data.
    const home = join(dir, 'home');
    const data = join(dir, 'data', 'pglite');
    const sealed = await runCli(['seal'], {
      LEDGER_DATA_DIR: data,
      HOME: home,
      LEDGER_ANCHOR_DIR: keys.anchorDir,
    });
    expect(sealed.code, sealed.err).toBe(0);
    const made = sealKeyConfigFromEnv({ LEDGER_DATA_DIR: data, HOME: home }).keyFile!;
    expect(sealed.err).toContain(made);
    expect((await stat(made)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'data'))).toEqual(['pglite']);
  });
});
