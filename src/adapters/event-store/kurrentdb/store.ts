import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  type Filter,
  type FORWARDS,
  type KurrentDBClient,
  type ResolvedEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyError,
  type EventStore,
  EventStoreError,
  type ExpectedVersion,
  type IdempotentRecord,
  type NewEvent,
  parseStreamId,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamResult,
  type RecordedEvent,
  STREAM_ID_PATTERN,
  type StreamId,
  type SubscribeOptions,
  type Subscription,
  type Upcaster,
} from '../../../domain/event-store.ts';
import type { CheckpointStore } from '../checkpoints.ts';
import { genesisHash } from '../hashing.ts';
import { PollingSubscription, type SubscribableStore } from '../subscription.ts';
import { UpcasterTable } from '../upcasting.ts';
import {
  checkAfter,
  checkExpectedVersion,
  checkFromVersion,
  checkIdempotency,
  checkInstant,
  checkTypes,
  DEFAULT_READ_COUNT,
  type PreparedEvent,
  prepareEvents,
  readCount,
} from '../validation.ts';
import { kurrentCheckpoints } from './checkpoints.ts';
import { isStreamNotFound, isWrongExpectedVersion, KurrentDbError, translateError } from './errors.ts';
import { answerFromRecord, IdempotencyRecords } from './idempotency.ts';
import { LiveWakeups } from './live.ts';
import {
  fromResolved,
  idempotentEventId,
  type KurrentLedgerEvent,
  kurrentStreamName,
  ledgerFilter,
  readPositionAfter,
  toEventData,
} from './mapping.ts';
import { revisionOfVersion, streamStateOfVersion } from './revisions.ts';

/** Deadline of every call to KurrentDB, unless the store is given another. */
export const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** Rounds of read-head-then-append for one append: 'any' and 'exists' retry when another writer moved the stream. */
const MAX_APPEND_ROUNDS = 16;
/** positionAt scans $all backwards from its end; it gives up, loudly, after this many events. */
const POSITION_AT_MAX_SCAN = 5_000_000;

export interface KurrentDbEventStoreOptions {
  upcasters?: readonly Upcaster[];
  /** Subscribers read again this often even without a wake-up from the live subscription. */
  pollIntervalMs?: number;
  /** Where named subscription checkpoints live; defaults to KurrentDB streams (`ledger-checkpoint-…`). */
  checkpoints?: CheckpointStore;
  /** Deadline of each call to the server. */
  deadlineMs?: number;
  /** Whether close() disposes the client (true when the store made it). */
  ownsClient?: boolean;
}

/** Only ledger streams `<hospital>/<category>/<id>`: system streams and the ledger's own records stay out. */
const LEDGER_STREAMS: Filter = streamNameFilter({ regex: STREAM_ID_PATTERN.source });

interface Head {
  version: number;
  hash: Buffer;
}

/**
 * The event store on KurrentDB (EventStoreDB) through the official client.
 *
 * Every append reads the stream's last event first: the hash chain continues from its hash, and the append
 * is sent with that exact revision, so no other write slips between the two. Positions are commit positions
 * in $all, which KurrentDB only shows once final: reads never meet an in-flight hole.
 *
 * Idempotency: the events of an append with a key get ids derived from hospital, key and index, so a
 * retried append is recognised (by the server for an exact expected version, by its tail otherwise), and the
 * result is recorded in a per-key stream whose first event wins. Unlike the SQL stores, the record is
 * written after the events, not in the same transaction.
 */
export class KurrentDbEventStore implements EventStore, SubscribableStore {
  private readonly upcasters: UpcasterTable;
  /** Deadline of each call to the server. */
  readonly deadlineMs: number;
  private readonly checkpoints: CheckpointStore;
  private readonly idempotency: IdempotencyRecords;
  private readonly live: LiveWakeups;
  readonly pollIntervalMs: number;

  constructor(
    readonly client: KurrentDBClient,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {
    this.upcasters = new UpcasterTable(options.upcasters);
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.checkpoints = options.checkpoints ?? kurrentCheckpoints(client, this.deadlineMs);
    this.idempotency = new IdempotencyRecords(client, this.deadlineMs);
    this.live = new LiveWakeups(client);
  }

  async appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { hospitalId } = parseStreamId(stream);
    const expected = checkExpectedVersion(options?.expectedVersion);
    const idem = options.idempotency;
    if (idem) checkIdempotency(idem.key, idem.requestHash);
    const prepared = prepareEvents(
      stream,
      events,
      idem ? (i) => idempotentEventId(hospitalId, idem.key, i) : undefined,
    );
    for (let round = 1; ; round++) {
      if (idem) {
        const prior = await this.idempotency.find(hospitalId, idem.key);
        if (prior) return answerFromRecord(prior, idem);
      }
      const head = await this.readHead(stream);
      const version = head?.version ?? 0;
      let written = idem ? await this.findWritten(stream, expected, version, prepared) : undefined;
      if (!written) {
        checkExpectation(stream, expected, version);
        try {
          written = await this.write(stream, prepared, head);
        } catch (error) {
          // Someone else appended between the head read and the write: the next round decides again.
          if (isWrongExpectedVersion(error) && round < MAX_APPEND_ROUNDS) continue;
          throw translateError(error, { operation: `append to ${stream}`, stream, expected });
        }
      }
      const result: AppendResult = {
        streamId: stream,
        nextExpectedVersion: written.at(-1)!.streamVersion,
        firstPosition: written[0]!.position,
        lastPosition: written.at(-1)!.position,
        duplicate: false,
      };
      return idem ? this.idempotency.record(hospitalId, idem, result) : result;
    }
  }

  /** Appends at exactly the head's revision and returns the events as stored (with their positions). */
  private async write(
    stream: StreamId,
    prepared: readonly PreparedEvent[],
    head: Head | undefined,
  ): Promise<KurrentLedgerEvent[]> {
    const version = head?.version ?? 0;
    const chained = toEventData(stream, prepared, head?.hash ?? genesisHash(stream), version + 1);
    await this.client.appendToStream(
      kurrentStreamName(stream),
      chained.map((c) => c.event),
      { streamState: streamStateOfVersion(version), deadline: this.deadlineMs },
    );
    // Read back: the append answers the last position only, and each event has its own.
    const stored = await this.readVersions(stream, version + 1, prepared.length);
    if (stored.length !== prepared.length || stored.some((e, i) => e.eventId !== prepared[i]!.eventId))
      throw new KurrentDbError(
        'KURRENTDB_FAILED',
        `the events read back from ${stream} after an append are not those appended`,
        false,
      );
    return stored;
  }

  /**
   * The events of this idempotent append if an earlier attempt already stored them (a crash or timeout
   * between the events and the record): at the expected version for an exact one, at the tail otherwise.
   */
  private async findWritten(
    stream: StreamId,
    expected: ExpectedVersion,
    version: number,
    prepared: readonly PreparedEvent[],
  ): Promise<KurrentLedgerEvent[] | undefined> {
    const n = prepared.length;
    const before = typeof expected === 'number' ? expected : expected === 'no_stream' ? 0 : version - n;
    if (before < 0 || version < before + n) return undefined;
    const stored = await this.readVersions(stream, before + 1, n);
    const same = stored.length === n && stored.every((e, i) => e.eventId === prepared[i]!.eventId);
    return same ? stored : undefined;
  }

  private async readVersions(
    stream: StreamId,
    fromVersion: number,
    count: number,
  ): Promise<KurrentLedgerEvent[]> {
    const out: KurrentLedgerEvent[] = [];
    for await (const r of this.readStreamRaw(stream, {
      fromRevision: revisionOfVersion(fromVersion),
      maxCount: count,
    })) {
      const e = fromResolved(r);
      if (e) out.push(e);
    }
    return out;
  }

  /** The stream's version and last hash; undefined when it does not exist. */
  private async readHead(stream: StreamId): Promise<Head | undefined> {
    for await (const r of this.readStreamRaw(stream, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    })) {
      const e = fromResolved(r);
      if (e) return { version: e.streamVersion, hash: Buffer.from(e.hash, 'hex') };
    }
    return undefined;
  }

  /** A stream read that ends quietly on a missing stream and throws the port's errors otherwise. */
  private async *readStreamRaw(
    stream: StreamId,
    options: {
      direction?: typeof BACKWARDS | typeof FORWARDS;
      fromRevision?: bigint | typeof END;
      maxCount?: number;
    },
  ): AsyncGenerator<ResolvedEvent> {
    try {
      yield* this.client.readStream(kurrentStreamName(stream), { ...options, deadline: this.deadlineMs });
    } catch (error) {
      if (isStreamNotFound(error)) return;
      throw translateError(error, { operation: `read ${stream}`, stream });
    }
  }

  async readStream(
    stream: StreamId,
    options: { fromVersion?: number; maxCount?: number } = {},
  ): Promise<ReadStreamResult> {
    parseStreamId(stream);
    const fromVersion = checkFromVersion(options.fromVersion ?? 1);
    const limit = options.maxCount === undefined ? undefined : readCount(options.maxCount);
    const events: RecordedEvent[] = [];
    for await (const r of this.readStreamRaw(stream, {
      fromRevision: revisionOfVersion(fromVersion),
      ...(limit !== undefined ? { maxCount: limit } : {}),
    })) {
      const e = fromResolved(r);
      if (e) events.push(this.toRecorded(e));
    }
    if (fromVersion === 1 && limit === undefined) {
      const version = events.at(-1)?.streamVersion ?? 0;
      return { exists: version > 0, version, events };
    }
    const head = await this.readHead(stream);
    return { exists: head !== undefined, version: head?.version ?? 0, events };
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readAllPage(options)).events;
  }

  async readAllPage(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const after = checkAfter(options.after ?? 0n);
    const limit = readCount(options.maxCount ?? DEFAULT_READ_COUNT);
    const types = options.types === undefined ? undefined : checkTypes(options.types);
    // A short filtered page has looked at everything up to the end of $all, which is at least the head
    // taken before the read.
    const head = types ? await this.headPosition() : after;
    const { events, lastSeen, full } = await this.readAllRaw(
      after,
      limit,
      types ? ledgerFilter(types) : LEDGER_STREAMS,
    );
    const recorded = events.map((e) => this.toRecorded(e));
    const reached = full ? lastSeen : later(lastSeen, head);
    return { events: recorded, scannedTo: later(reached, after), blocked: false };
  }

  /** Ledger events strictly after `after`, at most `limit`; how far the read looked; whether it filled up. */
  private async readAllRaw(
    after: bigint,
    limit: number,
    filter: Filter,
  ): Promise<{ events: KurrentLedgerEvent[]; lastSeen: bigint; full: boolean }> {
    const events: KurrentLedgerEvent[] = [];
    let lastSeen = after;
    let seen = 0;
    try {
      // The read starts at `after` inclusive: one more, and the event at `after` is dropped.
      for await (const r of this.client.readAll({
        fromPosition: readPositionAfter(after),
        maxCount: limit + 1,
        filter,
        deadline: this.deadlineMs,
      })) {
        const e = fromResolved(r as AllStreamResolvedEvent);
        if (!e || e.position <= after) continue;
        lastSeen = e.position;
        events.push(e);
        if (++seen === limit) break;
      }
    } catch (error) {
      throw translateError(error, { operation: 'read $all' });
    }
    return { events, lastSeen, full: seen === limit };
  }

  async headPosition(): Promise<bigint> {
    try {
      for await (const r of this.client.readAll({
        direction: BACKWARDS,
        fromPosition: END,
        maxCount: 1,
        filter: LEDGER_STREAMS,
        deadline: this.deadlineMs,
      }))
        if (r.event) return fromResolved(r)?.position ?? 0n;
      return 0n;
    } catch (error) {
      throw translateError(error, { operation: 'read the head of $all' });
    }
  }

  async positionAt(instant: Date): Promise<bigint> {
    const at = checkInstant(instant).getTime();
    let scanned = 0;
    try {
      for await (const r of this.client.readAll({
        direction: BACKWARDS,
        fromPosition: END,
        maxCount: POSITION_AT_MAX_SCAN,
        filter: LEDGER_STREAMS,
        deadline: this.deadlineMs,
      })) {
        scanned++;
        const e = fromResolved(r);
        if (e && e.recordedAt.getTime() <= at) return e.position;
      }
    } catch (error) {
      throw translateError(error, { operation: 'find a position by time' });
    }
    if (scanned >= POSITION_AT_MAX_SCAN)
      throw new KurrentDbError(
        'KURRENTDB_UNSUPPORTED',
        `positionAt scanned ${POSITION_AT_MAX_SCAN} events back from the end of $all without reaching ${instant.toISOString()}`,
        false,
      );
    return 0n;
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription(this, options);
  }

  onAppend(wake: () => void): () => void {
    return this.live.add(wake);
  }

  loadCheckpoint(name: string): Promise<bigint | undefined> {
    return this.checkpoints.load(name);
  }

  storeCheckpoint(name: string, position: bigint): Promise<void> {
    return this.checkpoints.store(name, position);
  }

  findIdempotent(hospitalId: string, key: string): Promise<IdempotentRecord | undefined> {
    return this.idempotency.find(hospitalId, key);
  }

  /** Stored ledger events after `after`, not upcast: what sealing and verification hash. */
  async readStored(after: bigint, maxCount: number): Promise<KurrentLedgerEvent[]> {
    return (await this.readAllRaw(checkAfter(after), readCount(maxCount), LEDGER_STREAMS)).events;
  }

  private toRecorded(e: KurrentLedgerEvent): RecordedEvent {
    const { schemaVersion, data } = this.upcasters.apply(e.type, e.schemaVersion, e.data, e.metadata);
    return {
      position: e.position,
      streamId: e.streamId,
      hospitalId: e.hospitalId,
      streamVersion: e.streamVersion,
      eventId: e.eventId,
      type: e.type,
      schemaVersion,
      data,
      metadata: e.metadata,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      hash: e.hash,
    };
  }

  async close(): Promise<void> {
    this.live.close();
    if (this.options.ownsClient) await this.client.dispose();
  }
}

/** The checks KurrentDB would make with our expected version, made on the head just read (the append then pins it). */
export function checkExpectation(stream: StreamId, expected: ExpectedVersion, version: number): void {
  if (expected === 'any') return;
  if (expected === 'exists') {
    if (version === 0)
      throw new EventStoreError('STREAM_NOT_FOUND', `stream ${stream} does not exist`, { stream });
    return;
  }
  const wanted = expected === 'no_stream' ? 0 : expected;
  if (version !== wanted) throw new ConcurrencyError(stream, expected, version);
}

function later(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
