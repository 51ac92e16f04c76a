import { type RawBuilder, sql } from 'kysely';
import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyError,
  type EventFacts,
  type EventStore,
  EventStoreError,
  type ExpectedVersion,
  type FactsPage,
  type IdempotentRecord,
  type NewEvent,
  parseStreamId,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamId,
  type SubscribeOptions,
  type Subscription,
} from '../../domain/event-store.ts';
import type { Database } from '../db/database.ts';
import { type CheckpointStore, sqlCheckpoints } from './checkpoints.ts';
import { type FactsRow, factsColumns, toFacts } from './facts-read.ts';
import { chainHash, genesisHash } from './hashing.ts';
import { PollingSubscription, type StoreOptions } from './subscription.ts';
import { UpcasterTable } from './upcasting.ts';
import {
  checkAfter,
  checkExpectedVersion,
  checkFromVersion,
  checkIdempotency,
  checkInstant,
  checkTypes,
  DEFAULT_READ_COUNT,
  prepareEvents,
  readCount,
} from './validation.ts';

export const EVENTS_CHANNEL = 'ledger_events';
/** A read by type looks at most max(limit × factor, min) positions ahead. */
const TYPE_WINDOW_FACTOR = 4;
const TYPE_WINDOW_MIN = 20_000;

/** pollIntervalMs: subscribers of another process are woken by NOTIFY, this is the fallback. */
export interface SqlEventStoreOptions extends StoreOptions {
  /**
   * Groups of appends sent to the database at once. Small appends go one group at a time (those that arrive
   * while it commits go together as the next, in one transaction and one WAL flush, through
   * append_event_rows_many()); appends of 100 events or more may run beside it up to this many. Defaults to 2 on
   * PostgreSQL, 1 on PGlite.
   */
  appendConcurrency?: number;
}

type AppendRow = {
  next_version: number;
  first_position: string;
  last_position: string;
  duplicate: boolean;
  /** The stream's head after the append (null for an idempotent repeat). */
  last_hash: Uint8Array | null;
};

interface PendingAppend {
  stream: StreamId;
  hospitalId: string;
  expected: string;
  columns: EventColumns;
  /** Hex hash the columns' chain starts from, or null when the function chains them. */
  head: string | null;
  idempotency: AppendOptions['idempotency'];
  count: number;
  bytes: number;
  options: AppendOptions;
  resolve(row: AppendRow): void;
  reject(error: Error): void;
}

/** Stream heads (version, hash) a store remembers, to chain the next append to them without a read. */
const HEADS_KEPT = 10_000;

/** A combined append carries at most this many events / payload bytes; larger appends go alone. */
const COMBINE_MAX_EVENTS = 1_000;
const COMBINE_MAX_BYTES = 4 * 1024 * 1024;
/** An append of this many events may run beside another group; smaller ones wait and go together. */
const PARALLEL_MIN_EVENTS = 100;

/** An events row as the store reads it (EVENT_COLUMNS): a recorded event before upcasting, its position as text. */
type StoredRow = Omit<RecordedEvent, 'position'> & { position: string };

/** A check in progress: once no transaction of this database with an xid up to `newest` runs, every position up to `upTo` is final. */
interface PendingSettle {
  newest: string;
  upTo: bigint;
}

/**
 * The event store over SQL, identical on PostgreSQL and PGlite.
 *
 * Global order without gaps: positions come from a sequence, so a later position can commit before an
 * earlier one. readAll never returns an event past a hole until the hole is known to be final.
 *
 * Why a hole becomes final: every append takes its transaction id before it draws a position. A read that
 * shows position q committed was taken after every position below q was drawn, so whatever owns a hole
 * below q already held an xid when that read ended. The store then notes the newest xid running in this
 * database; once no transaction with an xid up to that one is still running, every hole up to q has
 * committed (and a fresh read shows it) or aborted (and stays a hole forever).
 *
 * The snapshot's xmax is not a safe bound for this: it is one past the newest *completed* xid, and an
 * appender can hold an xid above it (it took its xid after the one that committed later, but drew its
 * position first). CI caught exactly that: a subscriber skipped two events under 16 concurrent appenders.
 */
export class SqlEventStore implements EventStore {
  private readonly upcasters: UpcasterTable;
  private readonly wakers = new Set<() => void>();
  private unlisten: Promise<() => Promise<void>> | undefined;
  private notifyPending = false;
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;
  private readonly appendConcurrency: number;
  readonly pollIntervalMs: number;
  /** Every position up to this is final: a read that starts after it was set sees all that committed. */
  private finalTo = 0n;
  private pending: PendingSettle | undefined;
  private readonly checkpoints: CheckpointStore;
  /** The heads of streams this store appended to last, oldest first: the next append's chain starts there. */
  private readonly heads = new Map<string, { version: number; hash: Buffer }>();

  constructor(
    readonly database: Database,
    options: SqlEventStoreOptions = {},
  ) {
    this.upcasters = new UpcasterTable(options.upcasters);
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.appendConcurrency = Math.max(1, Math.min(options.appendConcurrency ?? 2, database.concurrency));
    this.checkpoints = sqlCheckpoints(database);
  }

  async appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { hospitalId } = parseStreamId(stream);
    const expectedVersion = checkExpectedVersion(options?.expectedVersion);
    const expected = String(expectedVersion);
    // The chain is computed here when its start is known: a new stream's genesis, or the head this store left
    // the stream at when the caller expects that version. The function checks that start against the stream.
    const known = this.heads.get(stream);
    const base =
      expectedVersion === 'no_stream' || expectedVersion === 0
        ? { version: 0, hash: genesisHash(stream) }
        : known && known.version === expectedVersion
          ? known
          : undefined;
    const columns = eventColumns(stream, events, base);
    const idem = options.idempotency;
    if (idem) checkIdempotency(idem.key, idem.requestHash);
    let row: AppendRow;
    try {
      row = await new Promise<AppendRow>((resolve, reject) => {
        this.queue.push({
          stream,
          hospitalId,
          expected,
          columns,
          head: base ? base.hash.toString('hex') : null,
          idempotency: idem,
          count: events.length,
          bytes: columns.data.length + columns.meta.length,
          options,
          resolve,
          reject,
        });
        this.pump();
      });
    } catch (error) {
      this.heads.delete(stream);
      throw error;
    }
    if (!row.duplicate) {
      // The head as stored (the function's own chain when it did not take ours).
      this.remember(stream, row.next_version, row.last_hash ? Buffer.from(row.last_hash) : undefined);
      this.announce();
    }
    return {
      streamId: stream,
      nextExpectedVersion: row.next_version,
      firstPosition: BigInt(row.first_position),
      lastPosition: BigInt(row.last_position),
      duplicate: row.duplicate,
    };
  }

  private remember(stream: StreamId, version: number, hash: Buffer | undefined): void {
    this.heads.delete(stream);
    if (!hash) return;
    this.heads.set(stream, { version, hash });
    if (this.heads.size > HEADS_KEPT) this.heads.delete(this.heads.keys().next().value!);
  }

  /**
   * Group commit. Small appends go one group at a time: those that queue up while a group commits go
   * together as the next group, in one transaction and one WAL flush (a second group sent alongside would
   * wait for the first one's flush and then flush again). An append of PARALLEL_MIN_EVENTS or more is work of
   * its own (parsing and indexing, not the flush) and may start while another group runs, up to
   * appendConcurrency groups.
   */
  private pump(): void {
    while (this.inFlight < this.appendConcurrency && this.queue.length > 0) {
      if (this.inFlight > 0 && this.queue[0]!.count < PARALLEL_MIN_EVENTS) return;
      let events = 0;
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length) {
        const next = this.queue[n]!;
        if (n > 0 && (events + next.count > COMBINE_MAX_EVENTS || bytes + next.bytes > COMBINE_MAX_BYTES))
          break;
        events += next.count;
        bytes += next.bytes;
        n++;
      }
      const batch = this.queue.splice(0, n);
      this.inFlight++;
      void this.run(batch).finally(() =>
        // Free the slot on the next turn: the appenders just answered queue their next appends first, and
        // those go together instead of the first one going alone.
        setImmediate(() => {
          this.inFlight--;
          this.pump();
        }),
      );
    }
  }

  private async run(batch: PendingAppend[]): Promise<void> {
    if (batch.length > 1) {
      // Lock streams in one order in every combined transaction, so two of them never deadlock; appends to
      // the same stream keep their order (the sort is stable).
      const ordered = batch
        .map((p, i) => ({ p, i }))
        .sort((a, b) => (a.p.stream < b.p.stream ? -1 : a.p.stream > b.p.stream ? 1 : a.i - b.i))
        .map((x) => x.p);
      const json = JSON.stringify(
        ordered.map((p) => ({
          s: p.stream,
          t: p.hospitalId,
          x: p.expected,
          n: p.count,
          ...(p.idempotency ? { k: p.idempotency.key, r: p.idempotency.requestHash } : {}),
          ...(p.head ? { p: p.head } : {}),
        })),
      );
      const chained = ordered.filter((p) => p.head);
      const all = joinColumns(ordered.map((p) => p.columns));
      try {
        const { rows } = await sql<AppendRow & { ord: number }>`
          SELECT * FROM append_event_rows_many(${json}::jsonb, ${columnArgs(all)},
            decode(${chained.length > 0 ? chained.map((p) => p.columns.chain).join('') : null}, 'hex'))`.execute(
          this.database.db,
        );
        for (const r of rows) ordered[r.ord - 1]!.resolve(r);
        return;
      } catch {
        // One of them failed (a stale expected version, a duplicate event id, …) and took the others with it:
        // each goes again alone and gets its own result or error.
      }
    }
    for (const p of batch) {
      try {
        const { rows } = await sql<AppendRow>`
          SELECT * FROM append_event_rows(${p.stream}, ${p.hospitalId}, ${p.expected}, decode(${p.head}, 'hex'),
                                          ${p.idempotency?.key ?? null}, ${p.idempotency?.requestHash ?? null},
                                          ${columnArgs(p.columns)}, decode(${p.columns.chain}, 'hex'))`.execute(
          this.database.db,
        );
        p.resolve(rows[0]!);
      } catch (error) {
        p.reject(mapAppendError(error, p.stream, p.options.expectedVersion));
      }
    }
  }

  async readStream(
    stream: StreamId,
    options: { fromVersion?: number; maxCount?: number } = {},
  ): Promise<ReadStreamResult> {
    parseStreamId(stream);
    const fromVersion = checkFromVersion(options.fromVersion ?? 1);
    const limit = options.maxCount === undefined ? null : readCount(options.maxCount);
    const { rows } = await sql<StoredRow>`
      SELECT ${sql.raw(EVENT_COLUMNS)} FROM events
      WHERE stream_id = ${stream} AND stream_version >= ${fromVersion}
      ORDER BY stream_version LIMIT ${limit}`.execute(this.database.db);
    const events = rows.map((r) => this.toRecorded(r));
    if (fromVersion === 1 && limit === null) {
      const version = events.at(-1)?.streamVersion ?? 0;
      return { exists: version > 0, version, events };
    }
    const head = await sql<{
      version: number;
    }>`SELECT version FROM streams WHERE stream_id = ${stream}`.execute(this.database.db);
    const version = head.rows[0]?.version ?? 0;
    return { exists: head.rows.length > 0, version, events };
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readAllPage(options)).events;
  }

  async readAllPage(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const after = checkAfter(options.after ?? 0n);
    const limit = readCount(options.maxCount ?? DEFAULT_READ_COUNT);
    if (options.types !== undefined)
      return this.readTypes(after, limit, checkTypes(options.types), this.full);
    const trusted = this.finalTo; // taken before the read: holes up to it are final in what the read shows
    const rows = await this.selectAfter(after, limit, null);
    const page = (rs: StoredRow[], blocked: boolean): ReadAllPage => ({
      events: rs.map((r) => this.toRecorded(r)),
      scannedTo: rs.length > 0 ? BigInt(rs.at(-1)!.position) : after,
      blocked,
    });
    const cut = openGapAt(rows, after, trusted);
    if (cut < 0) return page(rows, false);
    const seen = BigInt(rows.at(-1)!.position);
    const finalTo = await this.settle(seen);
    // The first missing position the read could not trust (the gap ends just before row `cut`).
    const gapFrom = cut === 0 ? after + 1n : BigInt(rows[cut - 1]!.position) + 1n;
    const missing = gapFrom > trusted ? gapFrom : trusted + 1n;
    if (finalTo < missing) return page(rows.slice(0, cut), true);
    // A fresh read, started after the holes up to finalTo became final, shows every event that committed there.
    const upTo = finalTo < seen ? finalTo : seen;
    return page(await this.selectAfter(after, limit, upTo), upTo < seen);
  }

  async readFactsPage(options: ReadAllOptions & { types: readonly string[] }): Promise<FactsPage> {
    const after = checkAfter(options.after ?? 0n);
    const limit = readCount(options.maxCount ?? DEFAULT_READ_COUNT);
    return this.readTypes(after, limit, checkTypes(options.types), this.facts);
  }

  /** How readTypes reads a row: every column, or the facts (the lean read of a projection build). */
  private readonly full: ReadShape<RecordedEvent> = {
    columns: sql.raw(EVENT_COLUMNS),
    map: (r) => {
      const {
        upper: _u,
        in_range: _n,
        pos: _p,
        ...row
      } = r as StoredRow & { upper?: unknown; in_range?: unknown; pos?: unknown };
      return this.toRecorded(row);
    },
  };
  private get facts(): ReadShape<EventFacts> {
    return { columns: factsColumns(this.upcasters), map: (r) => toFacts(this.upcasters, r as FactsRow) };
  }

  /**
   * Events of some types only. The range read is safe when it holds no hole (its rows of every type are
   * contiguous) or its holes are settled; otherwise it falls back to the plain, contiguous read.
   */
  private async readTypes<E extends EventFacts>(
    after: bigint,
    limit: number,
    types: readonly string[],
    shape: ReadShape<E>,
  ): Promise<{ events: (E | RecordedEvent)[]; scannedTo: bigint; blocked: boolean }> {
    // One statement, one snapshot: the page, how far it reaches, and whether that range has any hole.
    // A bounded window of positions keeps each read a short range scan of the primary key, however rare the
    // wanted types are.
    const windowEnd = after + BigInt(Math.max(limit * TYPE_WINDOW_FACTOR, TYPE_WINDOW_MIN));
    const trusted = this.finalTo;
    const { rows } = await sql<{ position: string | null; upper: string | null; in_range: string }>`
      WITH head AS (SELECT least(max(position), ${windowEnd.toString()}::bigint) AS head FROM events),
      page AS (
        SELECT ${shape.columns}, events.position AS pos FROM events, head
        WHERE events.position > ${after.toString()}::bigint AND events.position <= head.head
          AND events.type = ANY(${[...types]}::text[])
        ORDER BY events.position LIMIT ${limit}),
      bound AS (
        SELECT CASE WHEN (SELECT count(*) FROM page) = ${limit} THEN (SELECT max(pos) FROM page)
                    ELSE (SELECT head FROM head) END AS upper)
      SELECT page.*, bound.upper::text AS upper,
             (SELECT count(*) FROM events e WHERE e.position > ${after.toString()}::bigint AND e.position <= bound.upper)::text
               AS in_range
      FROM bound LEFT JOIN page ON true ORDER BY page.pos`.execute(this.database.db);
    const first = rows[0];
    if (!first || first.upper === null || BigInt(first.upper) <= after)
      return { events: [], scannedTo: after, blocked: false };
    const upper = BigInt(first.upper);
    const found = rows.filter((r) => r.position !== null);
    if (BigInt(first.in_range) === upper - after || upper <= trusted)
      return { events: found.map(shape.map), scannedTo: upper, blocked: false };
    if ((await this.settle(upper)) >= upper) {
      // Whatever could fill a hole up to `upper` has ended: a fresh read of that range is final.
      const { rows: final } = await sql`
        SELECT ${shape.columns} FROM events
        WHERE events.position > ${after.toString()}::bigint AND events.position <= ${upper.toString()}::bigint
          AND events.type = ANY(${[...types]}::text[])
        ORDER BY events.position`.execute(this.database.db);
      return { events: final.map(shape.map), scannedTo: upper, blocked: false };
    }
    const plain = await this.readAllPage({ after, maxCount: limit });
    const wanted = new Set(types);
    return { ...plain, events: plain.events.filter((e) => wanted.has(e.type)) };
  }

  private async selectAfter(after: bigint, limit: number, upTo: bigint | null): Promise<StoredRow[]> {
    const { rows } = await sql<StoredRow>`
      SELECT ${sql.raw(EVENT_COLUMNS)} FROM events WHERE events.position > ${after.toString()}::bigint
        AND (${upTo?.toString() ?? null}::bigint IS NULL OR events.position <= ${upTo?.toString() ?? null}::bigint)
      ORDER BY events.position LIMIT ${limit}`.execute(this.database.db);
    return rows;
  }

  /**
   * Moves the final horizon as far as it safely can and returns it. `seen`: the highest position shown by a
   * read that has already ended, so every position up to it was drawn by a transaction that held an xid then.
   *
   * Only transactions of this database can append, so a long transaction elsewhere on the server never holds
   * readers back. pg_stat_activity shows every backend's xid to every role.
   */
  private async settle(seen: bigint): Promise<bigint> {
    const pending = this.pending;
    const { rows } = await sql<{ ended: boolean; newest: string | null }>`
      WITH running AS (
        SELECT a.backend_xid AS xid FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_xid IS NOT NULL)
      SELECT (${pending?.newest ?? null}::text IS NULL OR NOT EXISTS (
                SELECT 1 FROM running WHERE age(running.xid) >= age(${pending?.newest ?? null}::text::xid))) AS ended,
             (SELECT running.xid::text FROM running ORDER BY age(running.xid) LIMIT 1) AS newest`.execute(
      this.database.db,
    );
    const { ended, newest } = rows[0]!;
    const raise = (to: bigint) => {
      if (to > this.finalTo) this.finalTo = to;
    };
    if (pending && ended) {
      raise(pending.upTo);
      if (this.pending === pending) this.pending = undefined;
    }
    if (newest === null) {
      // No transaction of this database holds an xid: whatever drew a position up to `seen` (or up to what a
      // pending check covers, seen by a read that ended before this query) has ended.
      raise(seen);
      if (this.pending) raise(this.pending.upTo);
      this.pending = undefined;
    } else if (!this.pending && seen > this.finalTo) {
      this.pending = { newest, upTo: seen };
    }
    return this.finalTo;
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await sql<{
      head: string;
    }>`SELECT coalesce(max(position), 0)::text AS head FROM events`.execute(this.database.db);
    return BigInt(rows[0]!.head);
  }

  async positionAt(instant: Date): Promise<bigint> {
    checkInstant(instant);
    const { rows } = await sql<{ position: string }>`
      SELECT coalesce(max(position), 0)::text AS position FROM events WHERE recorded_at <= ${instant}`.execute(
      this.database.db,
    );
    return BigInt(rows[0]!.position);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription(this, options);
  }

  loadCheckpoint(name: string): Promise<bigint | undefined> {
    return this.checkpoints.load(name);
  }

  storeCheckpoint(name: string, position: bigint): Promise<void> {
    return this.checkpoints.store(name, position);
  }

  async findIdempotent(hospitalId: string, key: string): Promise<IdempotentRecord | undefined> {
    const { rows } = await sql<{
      request_hash: string;
      stream_id: string;
      next_version: number | null;
      first_position: string | null;
      last_position: string | null;
    }>`SELECT request_hash, stream_id, next_version, first_position::text, last_position::text
       FROM idempotency_keys WHERE hospital_id = ${hospitalId} AND key = ${key}`.execute(this.database.db);
    const r = rows[0];
    if (!r || r.next_version === null) return undefined;
    return {
      key,
      requestHash: r.request_hash,
      result: {
        streamId: r.stream_id,
        nextExpectedVersion: r.next_version,
        firstPosition: BigInt(r.first_position!),
        lastPosition: BigInt(r.last_position!),
        duplicate: true,
      },
    };
  }

  /** Wakes subscribers when events may have arrived: in-process at once, other processes via NOTIFY. */
  onAppend(wake: () => void): () => void {
    this.wakers.add(wake);
    if (!this.unlisten && this.database.kind === 'postgres') {
      this.unlisten = this.database.listen(EVENTS_CHANNEL, () => this.wakeAll());
      this.unlisten.catch(() => {}); // polling still delivers
    }
    return () => this.wakers.delete(wake);
  }

  private wakeAll(): void {
    for (const wake of this.wakers) wake();
  }

  private announce(): void {
    this.wakeAll();
    if (this.database.kind !== 'postgres' || this.notifyPending) return;
    // One NOTIFY per burst of appends: NOTIFY serialises committing transactions, so it stays out of the append.
    this.notifyPending = true;
    setTimeout(() => {
      this.notifyPending = false;
      this.database.notify(EVENTS_CHANNEL).catch(() => {});
    }, 2);
  }

  private toRecorded(r: StoredRow): RecordedEvent {
    return this.upcasters.recorded({ ...r, position: BigInt(r.position) });
  }

  async close(): Promise<void> {
    this.wakers.clear();
    if (this.unlisten) await (await this.unlisten.catch(() => async () => {}))();
    this.unlisten = undefined;
  }
}

/** The select list of a read and how a row it returns becomes an event. */
interface ReadShape<E> {
  columns: RawBuilder<unknown>;
  map(row: unknown): E;
}

/** The columns of a StoredRow: a RecordedEvent's names. */
const EVENT_COLUMNS = `position::text AS position, stream_id AS "streamId", hospital_id AS "hospitalId",
  stream_version AS "streamVersion", event_id::text AS "eventId", type, schema_version AS "schemaVersion", data,
  metadata, occurred_at AS "occurredAt", recorded_at AS "recordedAt", encode(hash, 'hex') AS hash`;

/**
 * An append's events as append_event_rows() takes them (migrations/0145), one text per column: the elements
 * of an array literal (ids, types, schema versions, instants; none needs quoting or escaping: each was checked
 * against its pattern, and the types are quoted so that a type named NULL stays a name), the JSON texts one a
 * line (serialised JSON holds no raw newline), and the hex hashes concatenated.
 */
interface EventColumns {
  ids: string;
  types: string;
  svs: string;
  ats: string;
  data: string;
  meta: string;
  content: string;
  /** The chained hashes from the known head, or null without one. */
  chain: string | null;
}

/**
 * Validates every event and builds the columns the SQL function takes; refuses the whole append on any fault.
 * From a known head (`base`), the columns also carry the chained hashes.
 */
function eventColumns(
  stream: StreamId,
  events: readonly NewEvent[],
  base: { version: number; hash: Buffer } | undefined,
): EventColumns {
  const prepared = prepareEvents(stream, events);
  let chain: string | null = null;
  if (base) {
    let hash = base.hash;
    chain = prepared
      .map((e, i) => {
        hash = chainHash(hash, base.version + i + 1, Buffer.from(e.contentHash, 'hex'));
        return hash.toString('hex');
      })
      .join('');
  }
  return {
    ids: prepared.map((e) => e.eventId).join(','),
    types: prepared.map((e) => `"${e.type}"`).join(','),
    svs: prepared.map((e) => e.schemaVersion).join(','),
    ats: prepared.map((e) => e.occurredAt).join(','),
    data: prepared.map((e) => e.data).join('\n'),
    meta: prepared.map((e) => e.metadata).join('\n'),
    content: prepared.map((e) => e.contentHash).join(''),
    chain,
  };
}

/** The columns of several appends, one after another (the chains are joined by the caller: only some have one). */
function joinColumns(columns: readonly EventColumns[]): Omit<EventColumns, 'chain'> {
  const join = (key: keyof Omit<EventColumns, 'chain'>, separator: string) =>
    columns.map((c) => c[key]).join(separator);
  return {
    ids: join('ids', ','),
    types: join('types', ','),
    svs: join('svs', ','),
    ats: join('ats', ','),
    data: join('data', '\n'),
    meta: join('meta', '\n'),
    content: join('content', ''),
  };
}

/** The event arguments of append_event_rows() and append_event_rows_many(), from p_ids to p_content. */
function columnArgs(c: Omit<EventColumns, 'chain'>): RawBuilder<unknown> {
  return sql`${`{${c.ids}}`}::uuid[], ${`{${c.types}}`}::text[], ${`{${c.svs}}`}::integer[],
    ${`{${c.ats}}`}::timestamptz[], string_to_array(${c.data}, E'\\n'), string_to_array(${c.meta}, E'\\n'),
    decode(${c.content}, 'hex')`;
}

/**
 * U+0000 as serialised JSON writes it: `\u0000` after an even number of backslashes. The text `C:\u0000`
 * (a backslash, then `u0000`) serialises as `C:\\u0000` and is ordinary text jsonb stores.
 */

function mapAppendError(error: unknown, stream: StreamId, expected: ExpectedVersion): Error {
  const e = error as { code?: string; detail?: string; message?: string };
  const detail = (): Record<string, unknown> => {
    try {
      return JSON.parse(e.detail ?? '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  switch (e.code) {
    case 'LE001':
      return new ConcurrencyError(stream, expected, Number(detail().actual ?? 0));
    case 'LE003':
      return new EventStoreError('STREAM_NOT_FOUND', `stream ${stream} does not exist`, { stream });
    case 'LE004':
      return new EventStoreError(
        'IDEMPOTENCY_KEY_REUSED',
        'idempotency key was already used for another request',
        {
          stream,
          ...detail(),
        },
      );
    case '23505': // unique_violation: an event id that is already stored
      return new EventStoreError('INVALID_EVENT', `duplicate event id: ${e.detail ?? e.message ?? ''}`, {
        stream,
      });
    case '22P02': // invalid_text_representation (e.g. a malformed uuid the pattern let through)
    case '22P05': // untranslatable_character
      return new EventStoreError('INVALID_EVENT', e.message ?? 'invalid event', { stream });
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * The index of the first row that follows a gap the caller cannot trust (one that reaches above `trusted`),
 * or -1 when every gap in `rows` lies at or below `trusted`.
 */
function openGapAt(rows: readonly StoredRow[], after: bigint, trusted: bigint): number {
  let expected = after + 1n;
  for (let i = 0; i < rows.length; i++) {
    const position = BigInt(rows[i]!.position);
    if (position !== expected && position - 1n > trusted) return i;
    expected = position + 1n;
  }
  return -1;
}
