// The event-store port: the one contract every adapter (PostgreSQL, PGlite, later KurrentDB) honours.
// Types only: the domain stays pure; adapters live in src/adapters/event-store.

/** A stream id is `<hospitalId>/<category>/<id>`: every stream belongs to exactly one hospital (tenant). */
export type StreamId = string;

export const STREAM_ID_PATTERN = /^([A-Za-z0-9_-]{1,64})\/([a-z][a-z0-9-]{0,63})\/([A-Za-z0-9_.:-]{1,128})$/;

export const LIMITS = {
  /** Events one append may carry; larger batches must be split by the caller. */
  maxEventsPerAppend: 5_000,
  /** Serialized size of one event's data + metadata (a statement's lines are imported ~1,000 per event). */
  maxEventBytes: 1024 * 1024,
  /** Serialized size of one append. */
  maxAppendBytes: 16 * 1024 * 1024,
  /** Events one read may return. */
  maxReadCount: 10_000,
  maxTypeLength: 128,
  maxIdempotencyKeyLength: 200,
} as const;

export function streamId(hospitalId: string, category: string, id: string): StreamId {
  const s = `${hospitalId}/${category}/${id}`;
  if (!STREAM_ID_PATTERN.test(s)) throw new EventStoreError('INVALID_STREAM', `invalid stream id: ${s}`);
  return s;
}

export function parseStreamId(s: StreamId): { hospitalId: string; category: string; id: string } {
  const m = STREAM_ID_PATTERN.exec(s);
  if (!m) throw new EventStoreError('INVALID_STREAM', `invalid stream id: ${String(s)}`);
  return { hospitalId: m[1]!, category: m[2]!, id: m[3]! };
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  /** Who caused it: a user id, a bus client id, `system:<job>`. */
  actor?: string;
  channel?: string;
  device?: string;
  idempotencyKey?: string;
  [k: string]: string | undefined;
}

/**
 * An aggregate's events described as one map (event type string → data), each as its `{ type, data }` shape,
 * keyed by type: `EventsOf<M>['X']` is event X, `EventsOf<M>[keyof M]` the union of them all.
 */
export type EventsOf<M> = { [T in keyof M & string]: { type: T; data: M[T] } };

/** Event `T` of such a map (`EventOf<M, 'X'>`), or with no type named the union of all its events. */
export type EventOf<M, T extends keyof M & string = keyof M & string> = EventsOf<M>[T];

export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  type: Type;
  data: Data;
  /** Business time: when it happened in the world (a payment's success time), not when it was stored. */
  occurredAt: Date;
  metadata?: EventMetadata;
  /** Defaults to a random UUID. */
  eventId?: string;
  /** Defaults to 1. */
  schemaVersion?: number;
}

export interface RecordedEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  /** Global, gap-tolerant, strictly increasing order across all streams. */
  position: bigint;
  streamId: StreamId;
  hospitalId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  eventId: string;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
  occurredAt: Date;
  recordedAt: Date;
  /** Hex SHA-256 chained to the previous event of the stream. */
  hash: string;
}

/** A number is the exact version the stream must be at (0 = must not exist yet). */
export type ExpectedVersion = number | 'any' | 'no_stream' | 'exists';

export interface Idempotency {
  /** Scoped to the hospital of the stream. */
  key: string;
  /** A hash of the request that produced the events; the same key with another hash is refused. */
  requestHash: string;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  idempotency?: Idempotency;
}

export interface AppendResult {
  streamId: StreamId;
  /** The stream's version after the append: pass it as the next expectedVersion. */
  nextExpectedVersion: number;
  firstPosition: bigint;
  lastPosition: bigint;
  /** True when the idempotency key had already been applied: nothing was appended, this is the original result. */
  duplicate: boolean;
}

export interface ReadStreamResult<E extends RecordedEvent = RecordedEvent> {
  exists: boolean;
  /** Current version of the whole stream (0 when it does not exist). */
  version: number;
  events: E[];
}

export interface SubscribeOptions {
  /** Deliver events after this position (exclusive). Ignored when `checkpoint` holds a stored position. */
  after?: bigint;
  /** Name under which the store keeps this subscriber's checkpoint, so a restart resumes where it stopped. */
  checkpoint?: string;
  batchSize?: number;
  /** Called with consecutive batches in position order; the next batch waits for the promise. */
  handler: (events: RecordedEvent[]) => Promise<void>;
  onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Resolves once the subscriber has delivered everything committed up to now. */
  caughtUp(): Promise<void>;
  /** Position of the last delivered event. */
  position(): bigint;
  stop(): Promise<void>;
}

export interface ReadAllOptions {
  /** Exclusive. */
  after?: bigint;
  maxCount?: number;
  /** Only events of these types (projections skip what they do not handle); positions of others are still passed. */
  types?: readonly string[];
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /** Every event after `after` and up to here (of the asked types) is in `events`: resume reading after it. */
  scannedTo: bigint;
  /** True when the read stopped at a position an append still in flight may fill. */
  blocked: boolean;
}

/**
 * What a read model rebuilt from history needs of an event: its place, tenant, type and (upcast) data. No
 * metadata, hash, ids or recording time, so a rebuild's read carries a fraction of each row.
 */
export type EventFacts = Pick<
  RecordedEvent,
  'position' | 'hospitalId' | 'type' | 'schemaVersion' | 'data' | 'occurredAt'
>;

/** readAllPage's answer in facts. */
export interface FactsPage {
  events: EventFacts[];
  scannedTo: bigint;
  blocked: boolean;
}

export interface IdempotentRecord {
  key: string;
  requestHash: string;
  result: AppendResult;
}

export interface EventStore {
  appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  readStream(
    stream: StreamId,
    options?: { fromVersion?: number; maxCount?: number },
  ): Promise<ReadStreamResult>;
  /** Events strictly after `after`, in position order, only those no in-flight transaction can precede. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** readAll, also saying how far it looked (`scannedTo`: every event up to there of the asked types was returned). */
  readAllPage(options?: ReadAllOptions): Promise<ReadAllPage>;
  /**
   * readAllPage of some types, each event as its facts only: the lean read of a projection build. Same
   * pages, positions and hole rules as readAllPage. Optional: a build reads a store without it by readAllPage.
   */
  readFactsPage?(options: ReadAllOptions & { types: readonly string[] }): Promise<FactsPage>;
  /** Position of the last event a subscriber may safely see. */
  headPosition(): Promise<bigint>;
  /** The last position recorded at or before an instant: what the ledger knew then (as-of builds). */
  positionAt(instant: Date): Promise<bigint>;
  subscribe(options: SubscribeOptions): Subscription;
  findIdempotent(hospitalId: string, key: string): Promise<IdempotentRecord | undefined>;
  close(): Promise<void>;
}

export type EventStoreErrorCode =
  | 'CONCURRENCY_CONFLICT'
  | 'STREAM_NOT_FOUND'
  | 'INVALID_STREAM'
  | 'INVALID_EVENT'
  | 'INVALID_EXPECTED_VERSION'
  | 'PAYLOAD_TOO_LARGE'
  | 'IDEMPOTENCY_KEY_REUSED';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EventStoreError';
  }
}

export class ConcurrencyError extends EventStoreError {
  constructor(
    readonly stream: StreamId,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super('CONCURRENCY_CONFLICT', `stream ${stream} is at version ${actual}, expected ${String(expected)}`, {
      stream,
      expected,
      actual,
    });
    this.name = 'ConcurrencyError';
  }
}

/** Upcasters turn an old stored schema version into the current one on read; stored events are never rewritten. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: JsonObject, metadata: EventMetadata): JsonObject;
}
