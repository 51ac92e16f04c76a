// The store appends through append_event_rows() and append_event_rows_many() (migration 0145), which take the
// events as columns. The same appends through append_events() (0135), the jsonb path they replace, must leave
// the same rows, hashes, stream heads and staff actions, whether the store chained the hashes or the function did.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { prepareEvents } from '../../../src/adapters/event-store/validation.ts';
import type { AppendOptions, NewEvent, StreamId } from '../../../src/domain/event-store.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

let serial = 0;
/** Events with fixed ids (the hashes cover them), payloads that a naive split or escape would break. */
function events(n: number): NewEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const k = ++serial;
    return {
      eventId: `00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`,
      type: k % 5 === 0 ? 'NULL' : 'PaymentSucceeded',
      schemaVersion: 1 + (k % 2),
      data: {
        amount: `${k}.50`,
        note: `line one\nline two\t"quoted" \\ back, {braces} 中文 ${k}`,
        nested: { z: [1, 'two', null, { b: true, a: -1.5 }], a: '' },
      },
      metadata: { actor: i % 3 === 0 ? 'staff:alice' : 'bus:gateway', correlationId: `c,${k}` },
      occurredAt: new Date(Date.UTC(2026, 10, 20, 8, 0, k, k % 1000)),
    };
  });
}

type Step = { stream: StreamId; events: NewEvent[]; options: AppendOptions };

/** Appends, in order; the steps of one group are sent at once (the store combines them). */
function script(): Step[][] {
  const one = (stream: string, n: number, options: AppendOptions): Step => ({
    stream: stream as StreamId,
    events: events(n),
    options,
  });
  return [
    [one('h1/order/a', 3, { expectedVersion: 'no_stream' })], // the store chains from the genesis hash
    [one('h1/order/a', 2, { expectedVersion: 3 })], // from the head it kept
    [one('h1/order/b', 2, { expectedVersion: 'any' })], // the function chains a new stream
    [one('h1/order/b', 1, { expectedVersion: 'any' })], // and an existing one
    [one('h1/order/a', 150, { expectedVersion: 'exists' })],
    [one('h1/order/c', 2, { expectedVersion: 0, idempotency: { key: 'k1', requestHash: 'r1' } })],
    [one('h1/order/c', 2, { expectedVersion: 0, idempotency: { key: 'k1', requestHash: 'r1' } })],
    [
      one('h1/order/d', 1, { expectedVersion: 'no_stream' }),
      one('h1/order/e', 2, { expectedVersion: 'no_stream' }),
      one('h1/order/a', 1, { expectedVersion: 155 }),
      one('h1/order/f', 1, { expectedVersion: 'any', idempotency: { key: 'k2', requestHash: 'r2' } }),
      one('h1/order/b', 3, { expectedVersion: 3 }),
      one('h1/order/g', 1, { expectedVersion: 'no_stream' }),
      one('h1/order/h', 2, { expectedVersion: 'any' }),
      one('h1/order/h', 1, { expectedVersion: 'any' }),
    ],
  ];
}

/** The 0135 path: append_events() with its jsonb envelopes, the function chaining every hash. */
async function appendThrough0135(t: TestDatabase, step: Step): Promise<void> {
  const payload = `[${prepareEvents(step.stream, step.events)
    .map(
      (e) =>
        `{"id":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},"sv":${e.schemaVersion},"data":${e.data},"meta":${e.metadata},"at":${JSON.stringify(e.occurredAt)},"h":"${e.contentHash}"}`,
    )
    .join(',')}]`;
  const idem = step.options.idempotency;
  await sql`SELECT * FROM append_events(${step.stream}, 'h1', ${String(step.options.expectedVersion)},
    ${payload}::jsonb, ${idem?.key ?? null}, ${idem?.requestHash ?? null}, null)`.execute(t.database.db);
}

async function contents(t: TestDatabase) {
  const db = t.database.db;
  const events = await sql`
    SELECT stream_id, stream_version, event_id::text, type, schema_version, data::text, metadata::text,
           occurred_at::text, encode(content_hash, 'hex') AS content_hash, encode(hash, 'hex') AS hash
    FROM events ORDER BY stream_id, stream_version`.execute(db);
  const streams = await sql`
    SELECT stream_id, version, encode(last_hash, 'hex') AS head FROM streams ORDER BY stream_id`.execute(db);
  const staff = await sql`
    SELECT e.stream_id, e.stream_version, s.actor FROM staff_actions s JOIN events e USING (position)
    ORDER BY 1, 2`.execute(db);
  const keys = await sql`
    SELECT key, request_hash, stream_id, next_version FROM idempotency_keys ORDER BY key`.execute(db);
  return { events: events.rows, streams: streams.rows, staff: staff.rows, keys: keys.rows };
}

describe('PostgreSQL: appends through append_event_rows() and append_events()', () => {
  let rows: TestDatabase;
  let jsonb: TestDatabase;
  beforeAll(async () => {
    rows = await createPostgresDatabase('append_rows');
    jsonb = await createPostgresDatabase('append_jsonb');
  });
  afterAll(async () => {
    await rows.dispose();
    await jsonb.dispose();
  });

  it('leave the same events, hashes, heads, staff actions and idempotency keys', async () => {
    const steps = script();
    const store = new SqlEventStore(rows.database, { appendConcurrency: 1 });
    try {
      for (const group of steps) {
        const results = await Promise.all(
          group.map((s) => store.appendToStream(s.stream, s.events, s.options)),
        );
        for (const [i, r] of results.entries())
          if (!r.duplicate)
            expect(r.lastPosition - r.firstPosition + 1n).toBe(BigInt(group[i]!.events.length));
      }
    } finally {
      await store.close();
    }
    for (const step of steps.flat()) await appendThrough0135(jsonb, step);

    const expected = await contents(jsonb);
    expect(expected.events).toHaveLength(3 + 2 + 2 + 1 + 150 + 2 + 1 + 2 + 1 + 1 + 3 + 1 + 2 + 1);
    expect(expected.staff.length).toBeGreaterThan(0);
    expect(await contents(rows)).toEqual(expected);
  });
});
