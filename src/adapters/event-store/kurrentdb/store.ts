import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  type Filter,
  type KurrentDBClient,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type IdempotentRecord,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamResult,
  type RecordedEvent,
  STREAM_ID_PATTERN,
  type StreamId,
  type SubscribeOptions,
  type Subscription,
} from '../../../domain/event-store.ts';
import { pick } from '../../../domain/pick.ts';
import type { CheckpointStore } from '../checkpoints.ts';
import { PollingSubscription, type StoreOptions, type SubscribableStore } from '../subscription.ts';
import { UpcasterTable } from '../upcasting.ts';
import {
  checkAfter,
  checkInstant,
  checkTypes,
  DEFAULT_READ_COUNT,
  readCount,
  streamWindow,
} from '../validation.ts';
import { Appender } from './append.ts';
import { kurrentCheckpoints } from './checkpoints.ts';
import { KurrentDbError, translateError } from './errors.ts';
import { IdempotencyRecords } from './idempotency.ts';
import { LiveWakeups } from './live.ts';
import { LedgerStreams } from './streams.ts';
import { fromResolved, type KurrentLedgerEvent, ledgerFilter, readPositionAfter } from './mapping.ts';
import { revisionOfVersion } from './revisions.ts';

/** Deadline of every call to KurrentDB, unless the store is given another. */
export const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** positionAt scans $all backwards from its end; it gives up, loudly, after this many events. */
const POSITION_AT_MAX_SCAN = 5_000_000;

export interface KurrentDbEventStoreOptions extends StoreOptions {
  /** Where named subscription checkpoints live; defaults to KurrentDB streams (`ledger-checkpoint-…`). */
  checkpoints?: CheckpointStore;
  /** Deadline of each call to the server. */
  deadlineMs?: number;
  /** Whether close() disposes the client (true when the store made it). */
  ownsClient?: boolean;
}

/** Only ledger streams `<hospital>/<category>/<id>`: system streams and the ledger's own records stay out. */
const LEDGER_STREAMS: Filter = streamNameFilter({ regex: STREAM_ID_PATTERN.source });

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
  private readonly streams: LedgerStreams;
  private readonly appender: Appender;
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
    this.streams = new LedgerStreams(client, this.deadlineMs);
    this.appender = new Appender(client, this.streams, this.idempotency, this.deadlineMs);
  }

  appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.appender.append(stream, events, options);
  }

  async readStream(
    stream: StreamId,
    options: { fromVersion?: number; maxCount?: number } = {},
  ): Promise<ReadStreamResult> {
    const { fromVersion, limit } = streamWindow(stream, options);
    const events: RecordedEvent[] = [];
    for await (const r of this.streams.read(stream, {
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
    const head = await this.streams.head(stream);
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
      ...pick(e, 'position', 'streamId', 'hospitalId', 'streamVersion', 'eventId', 'type'),
      schemaVersion,
      data,
      ...pick(e, 'metadata', 'occurredAt', 'recordedAt', 'hash'),
    };
  }

  async close(): Promise<void> {
    this.live.close();
    if (this.options.ownsClient) await this.client.dispose();
  }
}

function later(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
