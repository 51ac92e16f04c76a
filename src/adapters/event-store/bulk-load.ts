import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { EventStoreError, type JsonObject, parseStreamId } from '../../domain/event-store.ts';
import type { Database } from '../db/database.ts';
import { chainHash, contentHash, genesisHash } from './hashing.ts';

export interface HistoricalEvent {
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion?: number;
  data: JsonObject;
  metadata?: Record<string, string>;
  occurredAt: Date;
}

/** Rows per INSERT. */
const LOAD_CHUNK = 5_000;

/**
 * Loads a history into an EMPTY store in the order given, in large batches, with the same hashes the append
 * path computes (so `ledger verify` accepts it): for importing a legacy ledger's history and for seeding
 * benchmarks. Each stream's versions must run 1, 2, 3… in order. Not for live traffic: nothing may append
 * while it runs.
 */
export async function bulkLoad(
  database: Database,
  events: Iterable<HistoricalEvent>,
  onProgress?: (loaded: number) => void,
): Promise<number> {
  const heads = new Map<string, { version: number; hash: Buffer; hospitalId: string }>();
  let loaded = 0;
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const payload = `[${chunk.join(',')}]`;
    chunk = [];
    await sql`INSERT INTO events (stream_id, hospital_id, stream_version, event_id, type, schema_version, data, metadata,
                                  occurred_at, content_hash, hash)
      SELECT x.stream_id, x.hospital_id, x.stream_version, x.event_id, x.type, x.schema_version, x.data, x.metadata,
             x.occurred_at, decode(x.content_hash, 'hex'), decode(x.hash, 'hex')
      FROM jsonb_array_elements(${payload}::jsonb) WITH ORDINALITY AS t(e, ord),
        LATERAL jsonb_to_record(t.e) AS x(stream_id text, hospital_id text, stream_version integer, event_id uuid,
          type text, schema_version integer, data jsonb, metadata jsonb, occurred_at timestamptz, content_hash text,
          hash text)
      ORDER BY t.ord`.execute(database.db);
    onProgress?.(loaded);
  };
  const existing = await sql<{ n: string }>`SELECT count(*)::text AS n FROM events`.execute(database.db);
  if (existing.rows[0]!.n !== '0')
    throw new EventStoreError('INVALID_EVENT', 'bulk load needs an empty event store');
  for (const e of events) {
    const { hospitalId } = parseStreamId(e.streamId);
    const head = heads.get(e.streamId) ?? { version: 0, hash: genesisHash(e.streamId), hospitalId };
    if (e.streamVersion !== head.version + 1)
      throw new EventStoreError(
        'INVALID_EVENT',
        `${e.streamId}: version ${e.streamVersion} follows ${head.version}`,
      );
    const eventId = randomUUID();
    const schemaVersion = e.schemaVersion ?? 1;
    const metadata = e.metadata ?? {};
    const content = contentHash({
      streamId: e.streamId,
      eventId,
      type: e.type,
      schemaVersion,
      occurredAt: e.occurredAt,
      data: e.data,
      metadata,
    });
    const hash = chainHash(head.hash, e.streamVersion, content);
    heads.set(e.streamId, { version: e.streamVersion, hash, hospitalId });
    chunk.push(
      JSON.stringify({
        stream_id: e.streamId,
        hospital_id: hospitalId,
        stream_version: e.streamVersion,
        event_id: eventId,
        type: e.type,
        schema_version: schemaVersion,
        data: e.data,
        metadata,
        occurred_at: e.occurredAt.toISOString(),
        content_hash: content.toString('hex'),
        hash: hash.toString('hex'),
      }),
    );
    loaded++;
    if (chunk.length >= LOAD_CHUNK) await flush();
  }
  await flush();
  const streams = [...heads].map(([id, h]) => ({
    id,
    hospital: h.hospitalId,
    version: h.version,
    hash: h.hash.toString('hex'),
  }));
  for (let i = 0; i < streams.length; i += LOAD_CHUNK) {
    await sql`INSERT INTO streams (stream_id, hospital_id, version, last_hash)
      SELECT id, hospital, version, decode(hash, 'hex')
      FROM jsonb_to_recordset(${JSON.stringify(streams.slice(i, i + LOAD_CHUNK))}::jsonb)
        AS x(id text, hospital text, version integer, hash text)`.execute(database.db);
  }
  return loaded;
}
