// Checks every adapter makes before it writes or reads: the same input is refused the same way by each store.
import { randomUUID } from 'node:crypto';
import {
  EventStoreError,
  type ExpectedVersion,
  LIMITS,
  type NewEvent,
  parseStreamId,
  type StreamId,
} from '../../domain/event-store.ts';
import { canonicalJson, plainCanonicalJson, sha256Hex } from './hashing.ts';

const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Events a read of $all returns when the caller names no maxCount. */
export const DEFAULT_READ_COUNT = 1_000;
/** Largest stream version a store accepts (PostgreSQL int4). */
const MAX_STREAM_VERSION = 2 ** 31 - 1;

/** One validated event, its data and metadata as canonical JSON (keys sorted): the stored and the hashed text. */
export interface PreparedEvent {
  /** Lower case. */
  eventId: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  /** ISO 8601 with milliseconds. */
  occurredAt: string;
  /** Hex SHA-256 of what the event says: contentHash() of hashing.ts. */
  contentHash: string;
}

/**
 * Validates every event of an append and prepares it; refuses the whole append on the first fault, naming
 * the event. `eventIdFor(i)` supplies an id when the event brings none (default: a random UUID).
 */
export function prepareEvents(
  stream: StreamId,
  events: readonly NewEvent[],
  eventIdFor: (index: number) => string = () => randomUUID(),
): PreparedEvent[] {
  if (!Array.isArray(events) || events.length === 0)
    throw new EventStoreError('INVALID_EVENT', 'an append needs at least one event');
  if (events.length > LIMITS.maxEventsPerAppend)
    throw new EventStoreError(
      'PAYLOAD_TOO_LARGE',
      `${events.length} events in one append; the limit is ${LIMITS.maxEventsPerAppend}`,
    );
  const streamJson = JSON.stringify(stream);
  let total = 0;
  return events.map((candidate, i) => {
    const where = `event #${i + 1}`;
    if (!isPlainObject(candidate)) throw new EventStoreError('INVALID_EVENT', `${where} is not an object`);
    const e = candidate as unknown as NewEvent;
    if (
      typeof e.type !== 'string' ||
      !EVENT_TYPE_PATTERN.test(e.type) ||
      e.type.length > LIMITS.maxTypeLength
    )
      throw new EventStoreError(
        'INVALID_EVENT',
        `${where}: type must match ${EVENT_TYPE_PATTERN} (≤ ${LIMITS.maxTypeLength})`,
      );
    if (!isPlainObject(e.data))
      throw new EventStoreError('INVALID_EVENT', `${where} (${e.type}): data must be a JSON object`);
    const metadata = e.metadata ?? {};
    if (
      !isPlainObject(metadata) ||
      Object.values(metadata).some((v) => v !== undefined && typeof v !== 'string')
    )
      throw new EventStoreError('INVALID_EVENT', `${where} (${e.type}): metadata values must be strings`);
    if (!(e.occurredAt instanceof Date) || Number.isNaN(e.occurredAt.getTime()))
      throw new EventStoreError('INVALID_EVENT', `${where} (${e.type}): occurredAt must be a valid Date`);
    const schemaVersion: number = e.schemaVersion ?? 1;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1)
      throw new EventStoreError(
        'INVALID_EVENT',
        `${where} (${e.type}): schemaVersion must be an integer ≥ 1`,
      );
    const eventId = e.eventId ?? eventIdFor(i);
    if (typeof eventId !== 'string' || !UUID_PATTERN.test(eventId))
      throw new EventStoreError('INVALID_EVENT', `${where} (${e.type}): eventId must be a UUID`);
    // Canonical JSON (keys sorted) serves both as the stored text and as the hashed content; plain data takes
    // one pass, anything else (Dates, toJSON, …) goes through JSON first, as it would be stored.
    let data = plainCanonicalJson(e.data);
    let meta = plainCanonicalJson(metadata);
    if (data === undefined || meta === undefined) {
      try {
        data = canonicalJson(JSON.parse(JSON.stringify(e.data)));
        meta = canonicalJson(JSON.parse(JSON.stringify(metadata)));
      } catch (error) {
        throw new EventStoreError(
          'INVALID_EVENT',
          `${where} (${e.type}): data is not JSON: ${(error as Error).message}`,
        );
      }
    }
    // jsonb cannot hold U+0000; every store refuses it so that a history moves between stores unchanged.
    // A plain substring scan first: the regex's look-behind is slow over a megabyte of statement lines.
    if (
      (data.includes('\\u0000') && ESCAPED_NUL.test(data)) ||
      (meta.includes('\\u0000') && ESCAPED_NUL.test(meta))
    )
      throw new EventStoreError('INVALID_EVENT', `${where} (${e.type}): text must not contain U+0000`);
    const size = Buffer.byteLength(data) + Buffer.byteLength(meta);
    if (size > LIMITS.maxEventBytes)
      throw new EventStoreError(
        'PAYLOAD_TOO_LARGE',
        `${where} (${e.type}) is ${size} bytes; the limit is ${LIMITS.maxEventBytes}`,
      );
    total += size;
    if (total > LIMITS.maxAppendBytes)
      throw new EventStoreError('PAYLOAD_TOO_LARGE', `the append exceeds ${LIMITS.maxAppendBytes} bytes`);
    const id = eventId.toLowerCase();
    const occurredAt = e.occurredAt.toISOString();
    // = contentHash(): canonicalJson([streamId, eventId, type, schemaVersion, occurredAt, data, metadata])
    const contentHash = sha256Hex(
      `[${streamJson},${JSON.stringify(id)},${JSON.stringify(e.type)},${schemaVersion},${JSON.stringify(occurredAt)},${data},${meta}]`,
    );
    return { eventId: id, type: e.type, schemaVersion, data, metadata: meta, occurredAt, contentHash };
  });
}

/** The expected version, checked: a non-negative integer, 'any', 'no_stream' or 'exists'. */
export function checkExpectedVersion(expected: ExpectedVersion | undefined): ExpectedVersion {
  if (expected === 'any' || expected === 'no_stream' || expected === 'exists') return expected;
  if (
    typeof expected === 'number' &&
    Number.isSafeInteger(expected) &&
    expected >= 0 &&
    expected <= MAX_STREAM_VERSION
  )
    return expected;
  throw new EventStoreError(
    'INVALID_EXPECTED_VERSION',
    `expectedVersion must be a non-negative integer, 'any', 'no_stream' or 'exists', got ${typeof expected === 'string' ? JSON.stringify(expected) : String(expected)}`,
  );
}

export function checkIdempotency(key: unknown, requestHash: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > LIMITS.maxIdempotencyKeyLength)
    throw new EventStoreError(
      'INVALID_EVENT',
      `idempotency key must be 1–${LIMITS.maxIdempotencyKeyLength} characters`,
    );
  if (typeof requestHash !== 'string' || requestHash.length === 0)
    throw new EventStoreError('INVALID_EVENT', 'idempotency requestHash must be a non-empty string');
}

/** A read's maxCount, checked against the read limit. */
export function readCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > LIMITS.maxReadCount)
    throw new EventStoreError(
      'INVALID_EVENT',
      `maxCount must be an integer from 1 to ${LIMITS.maxReadCount}`,
    );
  return n;
}

/** A readStream's fromVersion (1 = the first event). */
export function checkFromVersion(fromVersion: number): number {
  if (!Number.isSafeInteger(fromVersion) || fromVersion < 1)
    throw new EventStoreError(
      'INVALID_EVENT',
      `fromVersion must be an integer ≥ 1, got ${String(fromVersion)}`,
    );
  return fromVersion;
}

/** A readAll's `after`: a non-negative bigint position. */
/** A readStream's window, checked: the stream, its first version, the most events read (undefined: all). */
export function streamWindow(
  stream: StreamId,
  options: { fromVersion?: number; maxCount?: number },
): { fromVersion: number; limit: number | undefined } {
  parseStreamId(stream);
  const fromVersion = checkFromVersion(options.fromVersion ?? 1);
  return { fromVersion, limit: options.maxCount === undefined ? undefined : readCount(options.maxCount) };
}

export function checkAfter(after: unknown): bigint {
  if (typeof after !== 'bigint' || after < 0n)
    throw new EventStoreError('INVALID_EVENT', `after must be a non-negative bigint position`);
  return after;
}

export function checkTypes(types: unknown): readonly string[] {
  if (!Array.isArray(types) || types.some((t) => typeof t !== 'string'))
    throw new EventStoreError('INVALID_EVENT', 'types must be an array of event type names');
  return types;
}

export function checkInstant(instant: unknown): Date {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime()))
    throw new EventStoreError('INVALID_EVENT', 'positionAt needs a valid instant');
  return instant;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** An escaped U+0000 in JSON text: `\u0000` not itself preceded by an odd run of backslashes (`\\u0000` is text). */
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;
