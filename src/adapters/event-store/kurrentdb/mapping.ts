// Our event envelope against KurrentDB events: stream names, event data and metadata, ids, positions, filters.
import { createHash } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  eventTypeFilter,
  type JSONEventData,
  type ReadPosition,
  type RegexFilter,
  type ResolvedEvent,
  START,
} from '@kurrent/kurrentdb-client';
import {
  type EventMetadata,
  type JsonObject,
  parseStreamId,
  STREAM_ID_PATTERN,
  type StreamId,
} from '../../../domain/event-store.ts';
import { chainHash } from '../hashing.ts';
import type { StoredEvent } from '../integrity.ts';
import type { PreparedEvent } from '../validation.ts';
import { KurrentDbError } from './errors.ts';
import { versionOfRevision } from './revisions.ts';

/**
 * Records the ledger keeps beside the events (idempotency answers, seals, checkpoints) have types starting
 * with `$`: KurrentDB's usual filter for system events keeps them out of every $all read and subscription.
 * Ledger event types always start with a letter, so the two never mix.
 */
export const IDEMPOTENCY_EVENT_TYPE = '$ledger-idempotency';
export const SEAL_EVENT_TYPE = '$ledger-seal';
export const CHECKPOINT_EVENT_TYPE = '$ledger-checkpoint';

/**
 * Streams of those records. They hold no `/`, so they never parse as a ledger stream id, and they do not
 * start with `$` (system streams need admin rights on a secure server).
 */
export const SEAL_STREAM = 'ledger-seals';
const IDEMPOTENCY_STREAM_PREFIX = 'ledger-idempotency-';
const CHECKPOINT_STREAM_PREFIX = 'ledger-checkpoint-';

/** Version of the metadata envelope below; a reader refuses envelopes it does not know. */
const ENVELOPE_VERSION = 1;

/** A ledger stream id is the KurrentDB stream name as it is: `<hospital>/<category>/<id>`. */
export function kurrentStreamName(stream: StreamId): string {
  parseStreamId(stream);
  return stream;
}

/** The ledger stream a KurrentDB stream holds, or undefined for any other stream. */
export function ledgerStreamOf(name: string): StreamId | undefined {
  return STREAM_ID_PATTERN.test(name) ? name : undefined;
}

/** One stream per (hospital, key): its first event answers every later request with that key. */
export function idempotencyStreamName(hospitalId: string, key: string): string {
  return `${IDEMPOTENCY_STREAM_PREFIX}${hospitalId}-${createHash('sha256').update(key).digest('hex')}`;
}

export function checkpointStreamName(name: string): string {
  return `${CHECKPOINT_STREAM_PREFIX}${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
}

/** Namespace of the deterministic event ids (a fixed random UUID: ids never collide with another scheme's). */
const EVENT_ID_NAMESPACE = Buffer.from('5f1b9c2e8a4d4c6b9e3a7d2f1c0b8e47', 'hex');

/**
 * The id of event `index` of the append carrying idempotency `key` for `hospitalId`: a UUID version 5
 * (SHA-1 of namespace and name, RFC 9562). A retried append carries the same ids, so KurrentDB recognises
 * it as the write it already holds.
 */
export function idempotentEventId(hospitalId: string, key: string, index: number): string {
  const digest = createHash('sha1')
    .update(EVENT_ID_NAMESPACE)
    .update(JSON.stringify([hospitalId, key, index]))
    .digest();
  const b = digest.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** What the ledger keeps in a KurrentDB event's metadata. */
export interface MetadataEnvelope {
  /** Copies for KurrentDB's own tooling ($by_correlation_id projection, the UI); ours are in `metadata`. */
  $correlationId?: string;
  $causationId?: string;
  /** The caller's metadata exactly as given (the hashed content). */
  metadata: EventMetadata;
  ledger: {
    v: number;
    hospitalId: string;
    /** Business time, ISO 8601. */
    occurredAt: string;
    schemaVersion: number;
    /** Hex SHA-256 chained to the previous event of the stream. */
    hash: string;
  };
}

export interface ChainedEvent {
  event: JSONEventData;
  /** Hex, the chained hash: the next event's previous hash. */
  hash: string;
}

/**
 * The client events of one append, their hashes chained from `previousHash` (the stream's last hash, or its
 * genesis hash) with versions from `firstVersion`.
 */
export function toEventData(
  stream: StreamId,
  prepared: readonly PreparedEvent[],
  previousHash: Buffer,
  firstVersion: number,
): ChainedEvent[] {
  const { hospitalId } = parseStreamId(stream);
  let previous = previousHash;
  return prepared.map((p, i) => {
    const hash = chainHash(previous, firstVersion + i, Buffer.from(p.contentHash, 'hex'));
    previous = hash;
    const metadata = JSON.parse(p.metadata) as EventMetadata;
    const envelope: MetadataEnvelope = {
      ...(metadata.correlationId !== undefined ? { $correlationId: metadata.correlationId } : {}),
      ...(metadata.causationId !== undefined ? { $causationId: metadata.causationId } : {}),
      metadata,
      ledger: {
        v: ENVELOPE_VERSION,
        hospitalId,
        occurredAt: p.occurredAt,
        schemaVersion: p.schemaVersion,
        hash: hash.toString('hex'),
      },
    };
    return {
      hash: envelope.ledger.hash,
      event: {
        id: p.eventId,
        contentType: 'application/json',
        type: p.type,
        data: JSON.parse(p.data) as JsonObject,
        metadata: envelope as unknown as Record<string, unknown>,
      },
    };
  });
}

/** A ledger event as KurrentDB holds it, before upcasting. */
export interface KurrentLedgerEvent extends StoredEvent {
  hospitalId: string;
  recordedAt: Date;
  revision: bigint;
}

/** Largest value a real log position takes; the client reports 2^64 − 1 where a read knows no position. */
const MAX_LOG_POSITION = 2n ** 63n - 1n;

/**
 * A KurrentDB event of a ledger stream as the ledger stored it; undefined for events of other streams
 * (the ledger's own records, system events, links). An event in a ledger-named stream without the ledger's
 * envelope is refused: someone else wrote there.
 */
export function fromResolved(
  resolved: ResolvedEvent | AllStreamResolvedEvent,
): KurrentLedgerEvent | undefined {
  const e = resolved.event;
  if (!e) return undefined;
  const streamId = ledgerStreamOf(e.streamId);
  if (streamId === undefined || e.type.startsWith('$')) return undefined;
  const envelope = e.metadata as Partial<MetadataEnvelope> | undefined;
  const ledger = envelope?.ledger;
  if (
    !e.isJson ||
    typeof e.data !== 'object' ||
    e.data === null ||
    Array.isArray(e.data) ||
    typeof envelope !== 'object' ||
    envelope === null ||
    !ledger ||
    ledger.v !== ENVELOPE_VERSION ||
    typeof ledger.hash !== 'string' ||
    typeof ledger.occurredAt !== 'string' ||
    typeof ledger.schemaVersion !== 'number'
  )
    throw new KurrentDbError(
      'KURRENTDB_FOREIGN_EVENT',
      `event ${e.id} (${e.type}) at revision ${e.revision} of ${e.streamId} was not written by the ledger`,
      false,
    );
  return {
    position: positionOf(resolved),
    streamId,
    hospitalId: ledger.hospitalId ?? parseStreamId(streamId).hospitalId,
    streamVersion: versionOfRevision(e.revision),
    revision: e.revision,
    eventId: e.id,
    type: e.type,
    schemaVersion: ledger.schemaVersion,
    data: e.data as JsonObject,
    metadata: envelope.metadata ?? {},
    occurredAt: new Date(ledger.occurredAt),
    recordedAt: e.created,
    hash: ledger.hash,
  };
}

/** The global position: the event's commit position in $all (each event of an append has its own). */
export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): bigint {
  const e = resolved.event!;
  const candidates = [e.position?.commit, resolved.commitPosition, e.position?.prepare];
  for (const p of candidates) if (p !== undefined && p > 0n && p <= MAX_LOG_POSITION) return p;
  throw new KurrentDbError(
    'KURRENTDB_UNSUPPORTED',
    `KurrentDB reported no $all position for ${e.streamId}@${e.revision}: the ledger needs a server that reports positions on every read`,
    false,
  );
}

/** Where a forward $all read starts to see events strictly after `after` (the read is inclusive: skip `after`). */
export function readPositionAfter(after: bigint): ReadPosition {
  return after === 0n ? START : { commit: after, prepare: after };
}

/** Server-side filter for $all: ledger events only (no `$` types), or only the given types. */
export function ledgerFilter(types?: readonly string[]): RegexFilter {
  if (types === undefined) return eventTypeFilter({ regex: '^[^$]' });
  // A type list that matches nothing still needs a valid regex: an empty alternation matches only ''.
  const alternatives = types.filter((t) => t.length > 0 && !t.startsWith('$')).map(escapeRegex);
  return eventTypeFilter({ regex: `^(?:${alternatives.join('|')})$` });
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
