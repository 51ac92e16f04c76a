import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash, contentHash } from '../../../src/adapters/event-store/hashing.ts';
import { sealEvents } from '../../../src/adapters/event-store/integrity.ts';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { auditVerify } from '../../../src/adapters/event-store/verification.ts';
import { ConcurrencyError } from '../../../src/domain/event-store.ts';
import { ev, newStream, runCli, tamper } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

// Each test tampers with its own fresh database, as a superuser with the triggers off.
let t: TestDatabase;
let store: SqlEventStore;
beforeEach(async () => {
  t = await createPostgresDatabase('audit_verify');
  store = new SqlEventStore(t.database);
});
afterEach(async () => {
  await store.close();
  await t.dispose();
});

/** Two untouched streams around the one a test tampers with, so the report must single it out. */
async function history() {
  const before = newStream();
  await store.appendToStream(before, [ev('A'), ev('B')], { expectedVersion: 'no_stream' });
  const s = newStream();
  const r = await store.appendToStream(
    s,
    [ev('A', { amount: '10.00' }), ev('B', { amount: '5.00' }), ev('C')],
    {
      expectedVersion: 'no_stream',
    },
  );
  const after = newStream();
  await store.appendToStream(after, [ev('A')], { expectedVersion: 'no_stream' });
  const p = (version: number) => r.firstPosition + BigInt(version - 1);
  return { s, p, head: await store.headPosition() };
}

const pos = (p: bigint) => sql.raw(p.toString());

describe('ledger audit verify', () => {
  it('an untouched store verifies, sealed or not, and the CLI exits 0', async () => {
    await history();
    expect((await auditVerify(t.database)).ok).toBe(true);
    await sealEvents(store);
    await history();
    const report = await auditVerify(t.database);
    expect(report.breaks).toEqual([]);
    expect(report.sealsChecked).toBe(1);
    const cli = await runCli(['audit', 'verify'], { DATABASE_URL: t.url });
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(/OK/);
  });

  it('an altered payload is named as altered at its position', async () => {
    const { s, p } = await history();
    await tamper(t.database, sql`UPDATE events SET data = '{"amount":"1.00"}' WHERE position = ${pos(p(2))}`);
    const report = await auditVerify(t.database);
    expect(report.first).toMatchObject({ kind: 'altered', position: p(2), streamId: s });
    expect(report.streamsAffected).toEqual([s]);
  });

  it('a deleted event is missing: in the middle at the next event, at the end through the stream row and the seal', async () => {
    const { s, p } = await history();
    await sealEvents(store);
    await tamper(t.database, sql`DELETE FROM events WHERE position = ${pos(p(2))}`);
    let report = await auditVerify(t.database);
    expect(report.first).toMatchObject({ kind: 'missing', position: p(3), streamId: s });
    // The seal over the range only confirms the break: it is not listed on its own.
    expect(report.breaks.map((b) => b.kind)).toEqual(['missing']);

    await tamper(t.database, sql`DELETE FROM events WHERE position = ${pos(p(3))}`);
    report = await auditVerify(t.database);
    expect(report.breaks.map((b) => [b.kind, b.position])).toEqual([
      ['missing', 1n], // the seal: it covered more events than are there
      ['missing', p(1)], // the stream row points past the last event left
    ]);
    expect(report.streamsAffected).toEqual([s]);
  });

  it('two events of a stream swapped in position order are reordered, at the earlier position', async () => {
    const { s, p } = await history();
    const swapped = sql`
      INSERT INTO events (position, stream_id, hospital_id, stream_version, event_id, type, schema_version, data,
                          metadata, occurred_at, recorded_at, content_hash, hash)
      OVERRIDING SYSTEM VALUE
      SELECT CASE position WHEN ${pos(p(1))} THEN ${pos(p(2))} ELSE ${pos(p(1))} END, stream_id, hospital_id,
             stream_version, event_id, type, schema_version, data, metadata, occurred_at, recorded_at, content_hash, hash
      FROM moved`;
    await tamper(
      t.database,
      sql`CREATE TEMP TABLE moved ON COMMIT DROP AS SELECT * FROM events WHERE position IN (${pos(p(1))}, ${pos(p(2))})`,
      sql`DELETE FROM events WHERE position IN (${pos(p(1))}, ${pos(p(2))})`,
      swapped,
    );
    const report = await auditVerify(t.database);
    expect(report.first).toMatchObject({ kind: 'reordered', position: p(1), streamId: s });
  });

  it('a forged event appended behind the store, chain and all, is inserted at its position', async () => {
    const { s } = await history();
    // The forger copies the last event as version 4, with a correct content hash and chain: only the stream
    // row, which the forger left alone, still says version 3.
    const forged = await forgeNextEvent(s);
    const report = await auditVerify(t.database);
    expect(report.first).toMatchObject({ kind: 'inserted', position: forged, streamId: s });
  });

  it('a forged event inside a sealed range is inserted, even when its stream row was forged too', async () => {
    const { s } = await history();
    const free = await hole();
    const later = await store.appendToStream(newStream(), [ev('Later')], { expectedVersion: 'no_stream' });
    // One seal over the hole: seal only once readers may pass it (no transaction could still fill it).
    await readableThrough(later.lastPosition);
    await sealEvents(store);
    await forgeNextEvent(s, { updateStreamRow: true, position: free });
    const report = await auditVerify(t.database);
    expect(report.breaks.map((b) => b.kind)).toEqual(['inserted']);
    expect(report.first?.sealNo).toBe(1n);
  });

  it('a changed stream row is named; a deleted one too, and appends to that stream then fail', async () => {
    const { s, p } = await history();
    const other = newStream();
    await store.appendToStream(other, [ev('A')], { expectedVersion: 'no_stream' });
    await tamper(t.database, sql`UPDATE streams SET version = 7 WHERE stream_id = ${s}`);
    let report = await auditVerify(t.database);
    expect(report.first).toMatchObject({ kind: 'stream-row-changed', position: p(3), streamId: s });

    await tamper(t.database, sql`DELETE FROM streams WHERE stream_id = ${other}`);
    await expect(store.appendToStream(other, [ev('B')], { expectedVersion: 1 })).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    report = await auditVerify(t.database);
    expect(report.breaks.map((b) => [b.kind, b.streamId])).toEqual([
      ['stream-row-changed', s],
      ['stream-row-missing', other],
    ]);
  });

  it('an idempotency row that is gone or points elsewhere is named (a retry would otherwise apply twice)', async () => {
    const { p } = await history();
    const s = newStream();
    const keyed = await store.appendToStream(s, [ev('A', {}, { metadata: { idempotencyKey: 'k-1' } })], {
      expectedVersion: 'no_stream',
      idempotency: { key: 'k-1', requestHash: 'r-1' },
    });
    expect((await auditVerify(t.database)).ok).toBe(true);
    await tamper(
      t.database,
      sql`UPDATE idempotency_keys SET first_position = ${pos(p(1))} WHERE key = 'k-1'`,
    );
    expect((await auditVerify(t.database)).breaks.map((b) => [b.kind, b.position])).toEqual([
      ['idempotency-row-changed', p(1)],
    ]);
    await tamper(t.database, sql`DELETE FROM idempotency_keys WHERE key = 'k-1'`);
    expect((await auditVerify(t.database)).breaks.map((b) => [b.kind, b.position, b.streamId])).toEqual([
      ['idempotency-row-missing', keyed.firstPosition, s],
    ]);
  });

  it('the CLI reports kind, position and stream, exits 2, and `ledger verify` is the same command', async () => {
    const { s, p } = await history();
    await tamper(t.database, sql`UPDATE events SET type = 'Forged' WHERE position = ${pos(p(1))}`);
    for (const argv of [['audit', 'verify'], ['verify']]) {
      const r = await runCli(argv, { DATABASE_URL: t.url });
      expect(r.code).toBe(2);
      expect(r.out).toContain(`the first at position ${p(1)}: altered in ${s}`);
    }
    const json = await runCli(['audit', 'verify', '--json', '--from', String(p(1))], { DATABASE_URL: t.url });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out).first).toMatchObject({
      kind: 'altered',
      position: String(p(1)),
      streamId: s,
    });
    // A range that leaves the tampered event out checks clean events only (stream rows are always checked).
    const later = await runCli(['audit', 'verify', '--from', String(p(2))], { DATABASE_URL: t.url });
    expect(later.code).toBe(0);
  });

  it('usage errors exit 64 before any store is opened', async () => {
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    expect((await runCli(['audit', 'verify', '--from', 'x'], env)).code).toBe(64);
    expect((await runCli(['audit', 'verify', '--from', '5', '--to', '2'], env)).code).toBe(64);
    expect((await runCli(['audit', 'verify', '--bogus'], env)).code).toBe(64);
    expect((await runCli(['audit', 'nothing'], env)).code).toBe(64);
    const help = await runCli(['audit', 'verify', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--from/);
  });
});

/** Inserts version n+1 of a stream as a copy of version n, with the hashes an append would have given it. */
async function forgeNextEvent(
  s: string,
  o: { updateStreamRow?: boolean; position?: bigint } = {},
): Promise<bigint> {
  const last = (await store.readStream(s)).events.at(-1)!;
  const eventId = randomUUID();
  const version = last.streamVersion + 1;
  const content = contentHash({ ...last, eventId });
  const hash = chainHash(Buffer.from(last.hash, 'hex'), version, content).toString('hex');
  const at = o.position === undefined ? sql`DEFAULT` : sql.raw(o.position.toString());
  const statements = [
    sql`INSERT INTO events (position, stream_id, hospital_id, stream_version, event_id, type, schema_version, data,
                            metadata, occurred_at, content_hash, hash)
        OVERRIDING SYSTEM VALUE
        VALUES (${at}, ${s}, ${last.hospitalId}, ${version}, ${eventId}::uuid, ${last.type}, ${last.schemaVersion},
                ${JSON.stringify(last.data)}::jsonb, ${JSON.stringify(last.metadata)}::jsonb, ${last.occurredAt},
                decode(${content.toString('hex')}, 'hex'), decode(${hash}, 'hex'))`,
  ];
  if (o.updateStreamRow)
    statements.push(
      sql`UPDATE streams SET version = ${version}, last_hash = decode(${hash}, 'hex') WHERE stream_id = ${s}`,
    );
  await tamper(t.database, ...statements);
  const { rows } = await sql<{ position: string }>`
    SELECT position::text FROM events WHERE event_id = ${eventId}::uuid`.execute(t.database.db);
  return BigInt(rows[0]!.position);
}

/** A position no event will take (as an append that rolled back leaves): sequences never give one back. */
/**
 * Waits until readers see every event up to `position`. A position skipped without a transaction (a hole) is
 * passed only once no transaction that could still fill it is running, anywhere on the server: on a busy
 * server (other test files) that may take a moment.
 */
async function readableThrough(position: bigint): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const seen = await store.readAll({ after: 0n, maxCount: 10_000 });
    if ((seen.at(-1)?.position ?? 0n) >= position) return;
    if (Date.now() > deadline) throw new Error(`readers did not reach position ${position}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function hole(): Promise<bigint> {
  const { rows } = await sql<{ p: string }>`
    SELECT nextval(pg_get_serial_sequence('events', 'position'))::text AS p`.execute(t.database.db);
  return BigInt(rows[0]!.p);
}
