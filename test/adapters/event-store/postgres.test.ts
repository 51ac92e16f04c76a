import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../src/domain/event-store.ts';
import type { TestDatabase } from '../../support/databases.ts';
import { openDatabase } from '../../../src/adapters/db/database.ts';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { eventStoreContract } from '../../contracts/event-store.contract.ts';
import { createPostgresDatabase } from '../../support/databases.ts';

eventStoreContract(
  'PostgreSQL',
  () => createPostgresDatabase('es_contract'),
  (db, o) => new SqlEventStore(db, o),
);

describe('PostgreSQL: appends that commit out of position order', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  beforeAll(async () => {
    t = await createPostgresDatabase('es_order');
    store = new SqlEventStore(t.database, { pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await store.close();
    await t.dispose();
  });

  const event = (type: string) => ({ type, data: {}, occurredAt: new Date('2026-11-20T00:00:00Z') });
  const payload = (type: string) =>
    JSON.stringify([
      {
        id: crypto.randomUUID(),
        type,
        sv: 1,
        data: {},
        meta: {},
        at: '2026-11-20T00:00:00Z',
        h: '00'.repeat(32),
      },
    ]);

  it('a later position that commits first is not seen until the earlier one commits or aborts', async () => {
    const early = new pg.Client({ connectionString: t.url });
    await early.connect();
    try {
      const before = await store.headPosition();
      const seen: RecordedEvent[] = [];
      const sub = store.subscribe({ after: before, handler: async (es) => void seen.push(...es) });
      // The early transaction draws its position, then stalls before committing.
      await early.query('BEGIN');
      const held = await early.query(
        `SELECT first_position::text FROM append_to_stream('h1/order/early', 'h1', 'any', $1::jsonb, null, null)`,
        [payload('Early')],
      );
      const late = await store.appendToStream('h1/order/late', [event('Late')], { expectedVersion: 'any' });
      expect(late.firstPosition).toBeGreaterThan(BigInt(held.rows[0].first_position));

      expect(await store.readAll({ after: before })).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([]);

      await early.query('COMMIT');
      await sub.caughtUp();
      expect(seen.map((e) => e.type)).toEqual(['Early', 'Late']);

      // A read by type is just as careful: nothing past a hole that may still fill.
      await early.query('BEGIN');
      await early.query(
        `SELECT * FROM append_to_stream('h1/order/early2', 'h1', 'any', $1::jsonb, null, null)`,
        [payload('Early')],
      );
      const late2 = await store.appendToStream('h1/order/late2', [event('Late')], { expectedVersion: 'any' });
      const mark = seen.at(-1)!.position;
      const blocked = await store.readAllPage({ after: mark, types: ['Early', 'Late'] });
      expect(blocked.events).toEqual([]);
      expect(blocked.scannedTo).toBe(mark);
      await early.query('COMMIT');
      const open = await store.readAllPage({ after: mark, types: ['Late'] });
      expect(open.events.map((e) => e.position)).toEqual([late2.firstPosition]);
      await sub.caughtUp();

      // An aborted append leaves a hole for good; readers move past it once it is settled.
      await early.query('BEGIN');
      await early.query(
        `SELECT * FROM append_to_stream('h1/order/aborted', 'h1', 'any', $1::jsonb, null, null)`,
        [payload('Aborted')],
      );
      await store.appendToStream('h1/order/after', [event('After')], { expectedVersion: 'any' });
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.map((e) => e.type)).toEqual(['Early', 'Late', 'Early', 'Late']);
      await early.query('ROLLBACK');
      await sub.caughtUp();
      expect(seen.map((e) => e.type)).toEqual(['Early', 'Late', 'Early', 'Late', 'After']);
      await sub.stop();
    } finally {
      await early.end();
    }
  });

  it('a subscriber in another process wakes on NOTIFY, not on its (here hour-long) poll', async () => {
    const other = await openDatabase({ url: t.url!, poolSize: 2 });
    const listening = new SqlEventStore(other, { pollIntervalMs: 3_600_000 });
    try {
      const before = await store.headPosition();
      const seen: string[] = [];
      const sub = listening.subscribe({
        after: before,
        handler: async (es) => void seen.push(...es.map((e) => e.type)),
      });
      await sub.caughtUp();
      await new Promise((r) => setTimeout(r, 200)); // its first empty read is done; it now sleeps on the poll
      const started = Date.now();
      await store.appendToStream('h1/order/notified', [event('Notified')], { expectedVersion: 'any' });
      // The poll is an hour away: arriving at all within the wait means NOTIFY woke the subscriber.
      while (seen.length === 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual(['Notified']);
      await sub.stop();
    } finally {
      await listening.close();
      await other.close();
    }
  });

  it('a long transaction in another database does not stall readers at a hole that is already final', async () => {
    const elsewhere = new pg.Client({
      connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await elsewhere.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      const before = await store.headPosition();
      const id = crypto.randomUUID();
      await store.appendToStream('h1/order/hole-a', [{ ...event('A'), eventId: id }], {
        expectedVersion: 'any',
      });
      // Same event id again: the append draws a position, then fails — a permanent hole.
      await store
        .appendToStream('h1/order/hole-b', [{ ...event('B'), eventId: id }], { expectedVersion: 'any' })
        .catch(() => {});
      await store.appendToStream('h1/order/hole-c', [event('C')], { expectedVersion: 'any' });
      expect((await store.readAll({ after: before })).map((e) => e.type)).toEqual(['A', 'C']);
    } finally {
      await elsewhere.query('ROLLBACK');
      await elsewhere.end();
    }
  });

  it('a hole whose owner holds an xid above the snapshot xmax is not passed', async () => {
    // The owner of the hole takes its xid after the one that commits first, but draws its position first:
    // the reader's snapshot xmax (one past the newest completed xid) is then not above the owner's xid.
    const [first, owner] = [
      new pg.Client({ connectionString: t.url }),
      new pg.Client({ connectionString: t.url }),
    ];
    await Promise.all([first.connect(), owner.connect()]);
    try {
      const before = await store.headPosition();
      await first.query('BEGIN');
      await first.query('SELECT pg_current_xact_id()');
      await owner.query('BEGIN');
      await owner.query('SELECT pg_current_xact_id()');
      const append = (c: pg.Client, stream: string, type: string) =>
        c.query(
          `SELECT first_position::text AS p FROM append_to_stream($1, 'h1', 'any', $2::jsonb, null, null)`,
          [stream, payload(type)],
        );
      const held = await append(owner, 'h1/order/xid-owner', 'Owner');
      const later = await append(first, 'h1/order/xid-first', 'First');
      expect(BigInt(later.rows[0].p)).toBeGreaterThan(BigInt(held.rows[0].p));
      await first.query('COMMIT');
      for (let i = 0; i < 3; i++) expect(await store.readAll({ after: before })).toEqual([]);
      await owner.query('COMMIT');
      let types: string[] = [];
      for (let i = 0; i < 5 && types.length < 2; i++)
        types = (await store.readAll({ after: before })).map((e) => e.type);
      expect(types).toEqual(['Owner', 'First']);
    } finally {
      await Promise.all([first.end(), owner.end()]);
    }
  });

  it('under 16 concurrent appenders a subscriber sees every event exactly once in position order', async () => {
    const before = await store.headPosition();
    const seen: bigint[] = [];
    const sub = store.subscribe({
      after: before,
      batchSize: 100,
      handler: async (es) => void seen.push(...es.map((e) => e.position)),
    });
    const appended: bigint[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 60; i++) {
          const size = 1 + ((w + i) % 3);
          const stream = `h${w % 4}/order/w${w}-${i}`;
          await store.appendToStream(
            stream,
            Array.from({ length: size }, () => event('X')),
            {
              expectedVersion: 'no_stream',
            },
          );
          // positions of one append need not be contiguous: concurrent appends interleave their draws
          appended.push(...(await store.readStream(stream)).events.map((e) => e.position));
        }
      }),
    );
    await sub.caughtUp();
    await sub.stop();
    expect(appended).toHaveLength(16 * 60 * 2);
    expect(seen).toEqual([...appended].sort((a, b) => (a < b ? -1 : 1)));
  });
});
