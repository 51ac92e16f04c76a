import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.ts';
import { bulkLoad } from '../../src/adapters/event-store/bulk-load.ts';
import {
  type SealResult,
  sealEvents,
  type VerifyReport,
  verifyEvents,
} from '../../src/adapters/event-store/integrity.ts';
import type { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import {
  ConcurrencyError,
  type EventStore,
  EventStoreError,
  LIMITS,
  type NewEvent,
  type RecordedEvent,
  streamId,
  type Upcaster,
} from '../../src/domain/event-store.ts';
import type { TestDatabase } from '../support/databases.ts';

const AT = new Date('2026-11-20T08:30:00.000Z');

function ev(
  type: string,
  data: Record<string, string | number> = {},
  extra: Partial<NewEvent> = {},
): NewEvent {
  return { type, data, occurredAt: AT, metadata: { actor: 'test', correlationId: 'c-1' }, ...extra };
}

let seq = 0;
function newStream(hospital = 'h1', category = 'order'): string {
  seq++;
  return streamId(hospital, category, `${Date.now().toString(36)}-${seq}-${randomUUID().slice(0, 8)}`);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<EventStoreError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(EventStoreError);
  expect((error as EventStoreError).code).toBe(code);
  return error as EventStoreError;
}

/**
 * What an adapter can do beyond the port. A case that needs a capability is marked with it and skipped (by
 * name, in the report) where the adapter lacks it, never deleted.
 */
export interface EventStoreCapabilities {
  /** SQL tables under the store: the engine itself refuses UPDATE/DELETE/TRUNCATE, and a test can alter rows behind it. */
  sqlTables: boolean;
  /** An event id is unique across the whole store (SQL: a unique index). KurrentDB keeps ids per stream only. */
  uniqueEventIds: boolean;
  /** bulkLoad() of a history into an empty database (SQL). */
  bulkLoad: boolean;
  /** Positions are consecutive integers (an SQL sequence); KurrentDB's are log offsets, increasing with gaps. */
  densePositions: boolean;
}

export const SQL_CAPABILITIES: EventStoreCapabilities = {
  sqlTables: true,
  uniqueEventIds: true,
  bulkLoad: true,
  densePositions: true,
};

/** KurrentDB: no SQL tables under it, event ids unique per stream only, positions are log offsets. */
export const KURRENTDB_CAPABILITIES: EventStoreCapabilities = {
  sqlTables: false,
  uniqueEventIds: false,
  bulkLoad: false,
  densePositions: false,
};

/** A store under test, on data of its own (a fresh database) or at least on streams of its own (a shared server). */
export interface ContractTarget {
  store: EventStore;
  /** A second store on the same data with other upcasters. */
  reopen(options: { upcasters: readonly Upcaster[] }): EventStore;
  seal(): Promise<SealResult>;
  verify(): Promise<VerifyReport>;
  /** SQL adapters: the database under the store and how to make another one (sqlTables, bulkLoad cases). */
  sql?: {
    database: Database;
    openEmpty(): Promise<TestDatabase>;
    makeStore(database: Database): SqlEventStore;
  };
  dispose(): Promise<void>;
}

/**
 * The event-store contract for the SQL adapters. `open` gives a fresh migrated database; `makeStore` the store
 * on it.
 */
export function eventStoreContract(
  name: string,
  open: () => Promise<TestDatabase>,
  makeStore: (database: Database, options?: ConstructorParameters<typeof SqlEventStore>[1]) => SqlEventStore,
): void {
  eventStoreContractFor(
    name,
    async () => {
      const t = await open();
      const store = makeStore(t.database, { pollIntervalMs: 50 });
      const others: SqlEventStore[] = [];
      return {
        store,
        reopen(options) {
          const other = makeStore(t.database, options);
          others.push(other);
          return other;
        },
        seal: () => sealEvents(store),
        verify: () => verifyEvents(t.database),
        sql: { database: t.database, openEmpty: open, makeStore: (database) => makeStore(database) },
        async dispose() {
          for (const o of others) await o.close();
          await store.close();
          await t.dispose();
        },
      };
    },
    SQL_CAPABILITIES,
  );
}

/**
 * The event-store contract. Every adapter runs it; an adapter is done when it passes. With `skip` the whole
 * suite is reported as skipped (an adapter whose server is not configured), never silently passed.
 */
export function eventStoreContractFor(
  name: string,
  openTarget: () => Promise<ContractTarget>,
  capabilities: EventStoreCapabilities,
  options: { skip?: boolean } = {},
): void {
  describe.skipIf(options.skip === true)(`event store contract: ${name}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    const sqlOf = () => {
      if (!target.sql) throw new Error('this case needs an SQL adapter (see its capability flag)');
      return target.sql;
    };
    beforeAll(async () => {
      target = await openTarget();
      store = target.store;
    });
    afterAll(async () => {
      await target?.dispose();
    });

    describe('append and read', () => {
      it('appends events and reads them back with versions, positions, hashes and the hospital', async () => {
        const s = newStream('hospital-7');
        const r1 = await store.appendToStream(
          s,
          [ev('OrderCreated', { amount: '12.50' }), ev('PaymentRequested')],
          {
            expectedVersion: 'no_stream',
          },
        );
        expect(r1.nextExpectedVersion).toBe(2);
        expect(r1.duplicate).toBe(false);
        if (capabilities.densePositions) expect(r1.lastPosition - r1.firstPosition).toBe(1n);
        else expect(r1.lastPosition).toBeGreaterThan(r1.firstPosition);
        const r2 = await store.appendToStream(s, [ev('PaymentSucceeded', { amount: '12.50' })], {
          expectedVersion: 2,
        });
        expect(r2.firstPosition).toBeGreaterThan(r1.lastPosition);

        const read = await store.readStream(s);
        expect(read.exists).toBe(true);
        expect(read.version).toBe(3);
        expect(read.events.map((e) => [e.type, e.streamVersion])).toEqual([
          ['OrderCreated', 1],
          ['PaymentRequested', 2],
          ['PaymentSucceeded', 3],
        ]);
        const first = read.events[0]!;
        expect(first.hospitalId).toBe('hospital-7');
        expect(first.streamId).toBe(s);
        expect(first.data).toEqual({ amount: '12.50' });
        expect(first.metadata).toEqual({ actor: 'test', correlationId: 'c-1' });
        expect(first.occurredAt.toISOString()).toBe(AT.toISOString());
        expect(first.recordedAt).toBeInstanceOf(Date);
        expect(first.schemaVersion).toBe(1);
        expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(new Set(read.events.map((e) => e.hash)).size).toBe(3);
        expect(typeof first.position).toBe('bigint');
      });

      it('reads a stream from a version and with a maximum count', async () => {
        const s = newStream();
        await store.appendToStream(s, [ev('A'), ev('B'), ev('C'), ev('D')], { expectedVersion: 'no_stream' });
        const part = await store.readStream(s, { fromVersion: 2, maxCount: 2 });
        expect(part.events.map((e) => e.type)).toEqual(['B', 'C']);
        expect(part.version).toBe(4);
      });

      it('an unknown stream reads as not existing, at version 0', async () => {
        const r = await store.readStream(newStream());
        expect(r).toEqual({ exists: false, version: 0, events: [] });
      });

      it('positionAt names the last position recorded by an instant', async () => {
        await store.appendToStream(newStream(), [ev('A')], { expectedVersion: 'any' });
        expect(await store.positionAt(new Date(Date.now() + 60_000))).toBe(await store.headPosition());
        expect(await store.positionAt(new Date(0))).toBe(0n);
        await expectCode(store.positionAt(new Date('nope')), 'INVALID_EVENT');
      });

      it.skipIf(!capabilities.uniqueEventIds)(
        '[capability uniqueEventIds] keeps the given event id and refuses to store the same event id twice',
        async () => {
          const id = randomUUID();
          const s = newStream();
          await store.appendToStream(s, [ev('A', {}, { eventId: id })], { expectedVersion: 'no_stream' });
          expect((await store.readStream(s)).events[0]!.eventId).toBe(id);
          await expectCode(
            store.appendToStream(newStream(), [ev('A', {}, { eventId: id })], { expectedVersion: 'any' }),
            'INVALID_EVENT',
          );
        },
      );

      it('readAll returns events in position order after a position, in pages', async () => {
        const before = await store.headPosition();
        const s1 = newStream();
        const s2 = newStream('h2');
        await store.appendToStream(s1, [ev('A')], { expectedVersion: 'any' });
        await store.appendToStream(s2, [ev('B'), ev('C')], { expectedVersion: 'any' });
        await store.appendToStream(s1, [ev('D')], { expectedVersion: 'any' });
        const all = await store.readAll({ after: before });
        expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
        expect(all.map((e) => e.hospitalId)).toEqual(['h1', 'h2', 'h2', 'h1']);
        const page = await store.readAll({ after: before, maxCount: 2 });
        expect(page.map((e) => e.type)).toEqual(['A', 'B']);
        const next = await store.readAll({ after: page[1]!.position, maxCount: 2 });
        expect(next.map((e) => e.type)).toEqual(['C', 'D']);
        expect(await store.headPosition()).toBe(all.at(-1)!.position);
      });
    });

    describe('reading by event type', () => {
      it('readAllPage with types returns only those types, in order, and says how far it scanned', async () => {
        const before = await store.headPosition();
        await store.appendToStream(
          newStream(),
          [ev('Wanted', { n: 1 }), ev('Other'), ev('Wanted', { n: 2 })],
          {
            expectedVersion: 'any',
          },
        );
        await store.appendToStream(newStream(), [ev('Other'), ev('Other')], { expectedVersion: 'any' });
        const head = await store.headPosition();
        const page = await store.readAllPage({ after: before, types: ['Wanted'] });
        expect(page.events.map((e) => e.data.n)).toEqual([1, 2]);
        expect(page.scannedTo).toBe(head);
        expect(page.blocked).toBe(false);
        const small = await store.readAllPage({ after: before, types: ['Wanted'], maxCount: 1 });
        expect(small.events.map((e) => e.data.n)).toEqual([1]);
        expect(small.scannedTo).toBe(small.events[0]!.position);
        const rest = await store.readAllPage({ after: small.scannedTo, types: ['Wanted'], maxCount: 1 });
        expect(rest.events.map((e) => e.data.n)).toEqual([2]);
        expect(await store.readAllPage({ after: head, types: ['Wanted'] })).toEqual({
          events: [],
          scannedTo: head,
          blocked: false,
        });
      });
    });

    describe('optimistic concurrency', () => {
      it('a stale expected version fails with a typed error and writes nothing', async () => {
        const s = newStream();
        await store.appendToStream(s, [ev('A'), ev('B')], { expectedVersion: 'no_stream' });
        const head = await store.headPosition();
        const error = await store
          .appendToStream(s, [ev('C')], { expectedVersion: 1 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect((error as ConcurrencyError).code).toBe('CONCURRENCY_CONFLICT');
        expect((error as ConcurrencyError).actual).toBe(2);
        expect((error as ConcurrencyError).expected).toBe(1);
        expect((await store.readStream(s)).version).toBe(2);
        expect(await store.headPosition()).toBe(head);
      });

      it('no_stream on an existing stream and a version on a missing one are conflicts; exists on a missing one is STREAM_NOT_FOUND', async () => {
        const s = newStream();
        await store.appendToStream(s, [ev('A')], { expectedVersion: 'no_stream' });
        await expectCode(
          store.appendToStream(s, [ev('B')], { expectedVersion: 'no_stream' }),
          'CONCURRENCY_CONFLICT',
        );
        await expectCode(
          store.appendToStream(newStream(), [ev('B')], { expectedVersion: 3 }),
          'CONCURRENCY_CONFLICT',
        );
        await expectCode(
          store.appendToStream(newStream(), [ev('B')], { expectedVersion: 'exists' }),
          'STREAM_NOT_FOUND',
        );
        const r = await store.appendToStream(s, [ev('C')], { expectedVersion: 'exists' });
        expect(r.nextExpectedVersion).toBe(2);
        const any = await store.appendToStream(s, [ev('D')], { expectedVersion: 'any' });
        expect(any.nextExpectedVersion).toBe(3);
      });

      it('of many appenders racing on the same expected version exactly one wins', async () => {
        const s = newStream();
        await store.appendToStream(s, [ev('A')], { expectedVersion: 'no_stream' });
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.appendToStream(s, [ev('B', { i })], { expectedVersion: 1 }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected'))
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
        expect((await store.readStream(s)).version).toBe(2);
      });

      it('concurrent creators of a new stream: one wins with no_stream', async () => {
        const s = newStream();
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, () =>
            store.appendToStream(s, [ev('A')], { expectedVersion: 'no_stream' }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await store.readStream(s)).events).toHaveLength(1);
      });
    });

    describe('bad input gets a clear typed error and writes nothing', () => {
      it.each([
        ['no hospital', 'order/1'],
        ['an empty id', 'h1/order/'],
        ['spaces', 'h 1/order/1'],
        ['a non-string', 42],
      ])('refuses a stream id with %s', async (_label, s) => {
        await expectCode(
          store.appendToStream(s as string, [ev('A')], { expectedVersion: 'any' }),
          'INVALID_STREAM',
        );
        await expectCode(store.readStream(s as string), 'INVALID_STREAM');
      });

      it.each([
        ['-1', -1],
        ['1.5', 1.5],
        ['a word', 'latest'],
        ['missing', undefined],
        ['a bigint', 2n],
      ])('refuses an expected version that is %s', async (_label, v) => {
        await expectCode(
          store.appendToStream(newStream(), [ev('A')], { expectedVersion: v as never }),
          'INVALID_EXPECTED_VERSION',
        );
      });

      it('refuses events of the wrong shape, naming the event', async () => {
        const s = newStream();
        const bad: unknown[] = [
          [{ ...ev('A'), type: 42 }],
          [{ ...ev('A'), type: 'has space' }],
          [{ ...ev('A'), data: [1, 2] }],
          [{ ...ev('A'), data: 'text' }],
          [{ ...ev('A'), occurredAt: '2026-11-20' }],
          [{ ...ev('A'), occurredAt: new Date('nope') }],
          [{ ...ev('A'), metadata: { actor: 7 } }],
          [{ ...ev('A'), schemaVersion: 0 }],
          [{ ...ev('A'), eventId: 'not-a-uuid' }],
          [ev('A'), null],
          [{ ...ev('A'), data: { s: 'nul\u0000' } }],
          [],
        ];
        for (const events of bad) {
          const e = await expectCode(
            store.appendToStream(s, events as NewEvent[], { expectedVersion: 'any' }),
            'INVALID_EVENT',
          );
          expect(e.message.length).toBeGreaterThan(10);
        }
        expect((await store.readStream(s)).exists).toBe(false);
      });

      it('refuses an oversized event and an oversized batch, whole', async () => {
        const s = newStream();
        const big = 'x'.repeat(LIMITS.maxEventBytes + 1);
        const e1 = await expectCode(
          store.appendToStream(s, [ev('A'), ev('B', { big })], { expectedVersion: 'any' }),
          'PAYLOAD_TOO_LARGE',
        );
        expect(e1.message).toMatch(/event #2/);
        await expectCode(
          store.appendToStream(
            s,
            Array.from({ length: LIMITS.maxEventsPerAppend + 1 }, () => ev('A')),
            {
              expectedVersion: 'any',
            },
          ),
          'PAYLOAD_TOO_LARGE',
        );
        expect((await store.readStream(s)).exists).toBe(false);
      });

      it('refuses bad read arguments', async () => {
        await expectCode(store.readAll({ after: -1n }), 'INVALID_EVENT');
        await expectCode(store.readAll({ maxCount: 0 }), 'INVALID_EVENT');
        await expectCode(store.readAll({ maxCount: LIMITS.maxReadCount + 1 }), 'INVALID_EVENT');
        await expectCode(store.readStream(newStream(), { fromVersion: 0 }), 'INVALID_EVENT');
      });
    });

    describe('idempotency', () => {
      it('re-submitting an applied key returns the original result and appends nothing', async () => {
        const s = newStream();
        const idempotency = { key: `k-${randomUUID()}`, requestHash: 'h-1' };
        const first = await store.appendToStream(s, [ev('A'), ev('B')], {
          expectedVersion: 'no_stream',
          idempotency,
        });
        const head = await store.headPosition();
        const again = await store.appendToStream(s, [ev('A'), ev('B')], {
          expectedVersion: 'no_stream',
          idempotency,
        });
        expect(again).toEqual({ ...first, duplicate: true });
        expect(await store.headPosition()).toBe(head);
        expect((await store.readStream(s)).version).toBe(2);
        expect(await store.findIdempotent('h1', idempotency.key)).toEqual({
          key: idempotency.key,
          requestHash: 'h-1',
          result: { ...first, duplicate: true },
        });
        expect(await store.findIdempotent('h2', idempotency.key)).toBeUndefined();
      });

      it('the same key with another request is refused', async () => {
        const s = newStream();
        const key = `k-${randomUUID()}`;
        await store.appendToStream(s, [ev('A')], {
          expectedVersion: 'any',
          idempotency: { key, requestHash: 'one' },
        });
        await expectCode(
          store.appendToStream(s, [ev('A')], {
            expectedVersion: 'any',
            idempotency: { key, requestHash: 'two' },
          }),
          'IDEMPOTENCY_KEY_REUSED',
        );
        expect((await store.readStream(s)).version).toBe(1);
      });

      it('concurrent duplicates append once and all get the same result', async () => {
        const s = newStream();
        const idempotency = { key: `k-${randomUUID()}`, requestHash: 'same' };
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.appendToStream(s, [ev('A')], { expectedVersion: 'any', idempotency }),
          ),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(results.map((r) => r.firstPosition)).size).toBe(1);
        expect((await store.readStream(s)).events).toHaveLength(1);
      });

      it('a failed append does not consume its key', async () => {
        const s = newStream();
        const idempotency = { key: `k-${randomUUID()}`, requestHash: 'x' };
        await store.appendToStream(s, [ev('A')], { expectedVersion: 'no_stream' });
        await expectCode(
          store.appendToStream(s, [ev('B')], { expectedVersion: 'no_stream', idempotency }),
          'CONCURRENCY_CONFLICT',
        );
        const ok = await store.appendToStream(s, [ev('B')], { expectedVersion: 1, idempotency });
        expect(ok.duplicate).toBe(false);
      });
    });

    describe('schema versions', () => {
      it('upcasts old events on read and never rewrites them', async () => {
        const s = newStream();
        await store.appendToStream(s, [ev('PaymentSucceeded', { amountFen: 1250 }, { schemaVersion: 1 })], {
          expectedVersion: 'no_stream',
        });
        const upcasting = target.reopen({
          upcasters: [
            {
              type: 'PaymentSucceeded',
              fromVersion: 1,
              upcast: (data) => ({ amount: (Number(data.amountFen) / 100).toFixed(2) }),
            },
            { type: 'PaymentSucceeded', fromVersion: 2, upcast: (data) => ({ ...data, currency: 'CNY' }) },
          ],
        });
        const read = (await upcasting.readStream(s)).events[0]!;
        expect(read.schemaVersion).toBe(3);
        expect(read.data).toEqual({ amount: '12.50', currency: 'CNY' });
        const raw = (await store.readStream(s)).events[0]!;
        expect(raw.schemaVersion).toBe(1);
        expect(raw.data).toEqual({ amountFen: 1250 });
      });
    });

    describe('subscriptions', () => {
      it('deliver every event once, in position order, live, and resume from the stored checkpoint', async () => {
        const name = `sub-${randomUUID()}`;
        const start = await store.headPosition();
        const seen: RecordedEvent[] = [];
        let sub = store.subscribe({
          after: start,
          checkpoint: name,
          batchSize: 3,
          handler: async (es) => void seen.push(...es),
        });
        const s = newStream();
        await store.appendToStream(s, [ev('A'), ev('B')], { expectedVersion: 'any' });
        await store.appendToStream(newStream(), [ev('C')], { expectedVersion: 'any' });
        await sub.caughtUp();
        expect(seen.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        await sub.stop();

        await store.appendToStream(s, [ev('D'), ev('E')], { expectedVersion: 'any' });
        const resumed: RecordedEvent[] = [];
        sub = store.subscribe({
          after: 0n,
          checkpoint: name,
          handler: async (es) => void resumed.push(...es),
        });
        await sub.caughtUp();
        expect(resumed.map((e) => e.type)).toEqual(['D', 'E']);
        expect(sub.position()).toBe(resumed.at(-1)!.position);
        await sub.stop();
      });

      it('many concurrent appenders and a live subscriber: each event arrives exactly once, in position order', async () => {
        const start = await store.headPosition();
        const seen: bigint[] = [];
        const sub = store.subscribe({
          after: start,
          batchSize: 50,
          handler: async (es) => void seen.push(...es.map((e) => e.position)),
        });
        const writers = 8;
        const perWriter = 40;
        const appended: bigint[] = [];
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              const r = await store.appendToStream(
                newStream(`h${w % 3}`),
                [ev('X', { w, i }), ev('Y', { w, i })],
                {
                  expectedVersion: 'no_stream',
                },
              );
              appended.push(r.firstPosition, r.lastPosition);
            }
          }),
        );
        await sub.caughtUp();
        await sub.stop();
        expect(seen).toHaveLength(writers * perWriter * 2);
        expect(new Set(seen).size).toBe(seen.length);
        for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
        expect(new Set(seen)).toEqual(new Set(appended));
      });

      it('a handler that fails is retried from the same place, nothing skipped', async () => {
        const start = await store.headPosition();
        await store.appendToStream(newStream(), [ev('A'), ev('B')], { expectedVersion: 'any' });
        let failures = 0;
        const seen: string[] = [];
        const sub = store.subscribe({
          after: start,
          handler: async (es) => {
            if (failures++ < 2) throw new Error('projection hiccup');
            seen.push(...es.map((e) => e.type));
          },
          onError: () => {},
        });
        await sub.caughtUp();
        await sub.stop();
        expect(seen).toEqual(['A', 'B']);
      });
    });

    describe('immutability and integrity', () => {
      it.skipIf(!capabilities.sqlTables)(
        '[capability sqlTables] the database refuses UPDATE, DELETE and TRUNCATE on events',
        async () => {
          const s = newStream();
          await store.appendToStream(s, [ev('A')], { expectedVersion: 'no_stream' });
          const db = sqlOf().database.db;
          await expect(sql`UPDATE events SET type = 'B' WHERE stream_id = ${s}`.execute(db)).rejects.toThrow(
            /append-only/,
          );
          await expect(sql`DELETE FROM events WHERE stream_id = ${s}`.execute(db)).rejects.toThrow(
            /append-only/,
          );
          await expect(sql`TRUNCATE events`.execute(db)).rejects.toThrow(/append-only/);
          expect((await store.readStream(s)).events[0]!.type).toBe('A');
        },
      );

      it('verify passes on an untouched store and seals cover every settled event', async () => {
        await store.appendToStream(newStream(), [ev('A'), ev('B')], { expectedVersion: 'any' });
        const sealed = await target.seal();
        expect(sealed.lastSealedPosition).toBe(await store.headPosition());
        const report = await target.verify();
        expect(report.problem).toBeUndefined();
        expect(report.ok).toBe(true);
        expect(report.sealsChecked).toBeGreaterThan(0);
        const again = await target.seal();
        expect(again.sealsWritten).toBe(0);
      });

      it.skipIf(!capabilities.sqlTables)(
        '[capability sqlTables] the chain a store continues from a head it remembers is the chain verify recomputes, also when another store moved the head',
        async () => {
          const other = sqlOf().makeStore(sqlOf().database);
          try {
            const s = newStream();
            await store.appendToStream(s, [ev('A'), ev('B')], { expectedVersion: 'no_stream' });
            await store.appendToStream(s, [ev('C')], { expectedVersion: 2 });
            await other.appendToStream(s, [ev('D')], { expectedVersion: 3 }); // the first store's head is stale now
            await expect(store.appendToStream(s, [ev('X')], { expectedVersion: 3 })).rejects.toBeInstanceOf(
              ConcurrencyError,
            );
            await store.appendToStream(s, [ev('E')], { expectedVersion: 4 });
            await store.appendToStream(s, [ev('F'), ev('G')], { expectedVersion: 5 });
            await store.appendToStream(s, [ev('H')], { expectedVersion: 'any' });
            await other.appendToStream(s, [ev('I')], { expectedVersion: 'exists' });
            // Appends queued together go through one combined call, each from its own remembered head.
            const streams = Array.from({ length: 6 }, () => newStream());
            await Promise.all(
              streams.map((t) => store.appendToStream(t, [ev('A')], { expectedVersion: 'no_stream' })),
            );
            await Promise.all(streams.map((t) => store.appendToStream(t, [ev('B')], { expectedVersion: 1 })));
            await Promise.all(
              streams.map((t) => store.appendToStream(t, [ev('C'), ev('D')], { expectedVersion: 2 })),
            );
            const read = await store.readStream(s);
            expect(read.events.map((e) => [e.streamVersion, e.type])).toEqual(
              ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'].map((type, i) => [i + 1, type]),
            );
            const report = await target.verify();
            expect(report.problem).toBeUndefined();
            expect(report.ok).toBe(true);
          } finally {
            await other.close();
          }
        },
      );

      it.skipIf(!capabilities.sqlTables)(
        '[capability sqlTables] verify names the first position whose data was altered behind the triggers',
        async () => {
          const s = newStream();
          const r = await store.appendToStream(
            s,
            [ev('A', { amount: '10.00' }), ev('B', { amount: '5.00' })],
            {
              expectedVersion: 'no_stream',
            },
          );
          await tamper(
            sqlOf().database,
            sql`UPDATE events SET data = '{"amount":"1.00"}' WHERE position = ${r.lastPosition.toString()}::bigint`,
          );
          const report = await target.verify();
          expect(report.ok).toBe(false);
          expect(report.problem!.position).toBe(r.lastPosition);
          expect(report.problem!.reason).toMatch(/content/);
          await tamper(
            sqlOf().database,
            sql`UPDATE events SET data = '{"amount":"5.00"}' WHERE position = ${r.lastPosition.toString()}::bigint`,
          );
          expect((await target.verify()).ok).toBe(true);
        },
      );

      it.skipIf(!capabilities.sqlTables)(
        '[capability sqlTables] verify detects a deleted event, inside a stream and at its end',
        async () => {
          const s = newStream();
          const r = await store.appendToStream(s, [ev('A'), ev('B'), ev('C')], {
            expectedVersion: 'no_stream',
          });
          await target.seal();
          await tamper(
            sqlOf().database,
            sql`DELETE FROM events WHERE position = ${r.lastPosition.toString()}::bigint`,
          );
          const report = await target.verify();
          expect(report.ok).toBe(false);
          expect(report.problem!.reason).toMatch(/seal|missing/);
        },
      );
    });

    describe('bulk load', () => {
      it.skipIf(!capabilities.bulkLoad)(
        '[capability bulkLoad] a loaded history has the hashes appends compute: verify accepts it, and appends continue it',
        async () => {
          const target = sqlOf();
          const empty = await target.openEmpty();
          const loaded = target.makeStore(empty.database);
          try {
            const at = new Date('2026-11-20T08:00:00Z');
            const history = [1, 2, 3].flatMap((k) =>
              [1, 2, 3, 4].map((v) => ({
                streamId: `h1/order/bulk-${k}`,
                streamVersion: v,
                type: v === 1 ? 'OrderCreated' : 'Noted',
                data: { n: v, amount: `${k}${v}.50`, nested: { b: [1, 'x'], a: null } },
                metadata: { actor: 'system:import' },
                occurredAt: new Date(at.getTime() + k * 1000 + v),
              })),
            );
            expect(await bulkLoad(empty.database, history)).toBe(12);
            expect((await sealEvents(loaded)).lastSealedPosition).toBe(12n);
            const report = await verifyEvents(empty.database);
            expect(report.problem).toBeUndefined();
            expect(report.ok).toBe(true);
            const read = await loaded.readStream('h1/order/bulk-2');
            expect(read.events.map((e) => [e.streamVersion, e.data.n])).toEqual([
              [1, 1],
              [2, 2],
              [3, 3],
              [4, 4],
            ]);
            const next = await loaded.appendToStream('h1/order/bulk-2', [ev('After')], {
              expectedVersion: 4,
            });
            expect(next.nextExpectedVersion).toBe(5);
            expect((await verifyEvents(empty.database)).ok).toBe(true);
          } finally {
            await loaded.close();
            await empty.dispose();
          }
        },
      );
    });
  });
}

/** Changes stored events as an attacker with superuser rights would: triggers off, change, triggers on. */
async function tamper(database: Database, statement: ReturnType<typeof sql>): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE events DISABLE TRIGGER USER`.execute(trx);
    await statement.execute(trx);
    await sql`ALTER TABLE events ENABLE TRIGGER USER`.execute(trx);
  });
}
