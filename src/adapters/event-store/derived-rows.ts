import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { genesisHash } from './hashing.ts';
import { type BreakSink, MAX_BREAKS_LISTED } from './verification.ts';

// The tables the store derives from the events and relies on: `streams` (every append reads its version and last
// hash) and `idempotency_keys` (every retried request is answered from it). A row that no longer matches the
// events makes appends fail, or a retry apply twice: the audit checks them against the events.

/** Stream rows read per page. */
const STREAM_PAGE = 5_000;

/** Every `streams` row against its events, and every stream with events against its row. */
export async function checkStreamRows(
  database: Database,
  findings: BreakSink,
  progress: (checked: number, position: bigint, phase: string) => void,
): Promise<number> {
  let after = '';
  let checked = 0;
  for (;;) {
    const { rows } = await sql<{
      stream_id: string;
      version: number;
      last_hash: string;
      at_hash: string | null;
      next_position: string | null;
      last_version: number | null;
      last_event_hash: string | null;
      last_position: string | null;
    }>`
      SELECT s.stream_id, s.version, encode(s.last_hash, 'hex') AS last_hash, encode(at.hash, 'hex') AS at_hash,
             nx.position::text AS next_position, last.stream_version AS last_version,
             encode(last.hash, 'hex') AS last_event_hash, last.position::text AS last_position
      FROM streams s
      LEFT JOIN events at ON at.stream_id = s.stream_id AND at.stream_version = s.version
      LEFT JOIN events nx ON nx.stream_id = s.stream_id AND nx.stream_version = s.version + 1
      LEFT JOIN LATERAL (
        SELECT l.stream_version, l.hash, l.position FROM events l
        WHERE l.stream_id = s.stream_id ORDER BY l.stream_version DESC LIMIT 1) last ON true
      WHERE s.stream_id > ${after}
      ORDER BY s.stream_id LIMIT ${STREAM_PAGE}`.execute(database.db);
    for (const r of rows) {
      checked++;
      const lastVersion = r.last_version ?? 0;
      const lastHash = r.last_event_hash ?? genesisHash(r.stream_id).toString('hex');
      if (lastVersion === r.version && lastHash === r.last_hash) continue;
      const lastPosition = r.last_position === null ? null : BigInt(r.last_position);
      if (lastVersion > r.version && (r.at_hash ?? genesisHash(r.stream_id).toString('hex')) === r.last_hash)
        findings.add({
          kind: 'inserted',
          position: r.next_position === null ? lastPosition : BigInt(r.next_position),
          streamId: r.stream_id,
          detail: `the stream row ends at version ${r.version}, but events run to version ${lastVersion}`,
        });
      else if (lastVersion < r.version && r.at_hash === null && r.last_hash !== lastHash)
        findings.add({
          kind: 'missing',
          position: lastPosition,
          streamId: r.stream_id,
          detail: `the stream row says version ${r.version}; the events end at version ${lastVersion}${lastPosition === null ? '' : ` (position ${lastPosition})`}: events after it are missing`,
        });
      else
        findings.add({
          kind: 'stream-row-changed',
          position: lastPosition,
          streamId: r.stream_id,
          detail: `the stream row (version ${r.version}) does not describe its events (version ${lastVersion}, last hash ${lastHash.slice(0, 12)}…)`,
        });
    }
    if (rows.length > 0) {
      after = rows.at(-1)!.stream_id;
      progress(checked, 0n, 'stream rows');
    }
    if (rows.length < STREAM_PAGE) break;
  }
  // Version 1 of every stream is there (or reported missing above): one probe per stream finds rows that are gone.
  const orphans = await sql<{ stream_id: string; last_position: string; n: number }>`
    SELECT e.stream_id, max(e.position)::text AS last_position, count(*)::int AS n
    FROM events e
    WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.stream_id = e.stream_id)
    GROUP BY e.stream_id ORDER BY max(e.position) LIMIT ${MAX_BREAKS_LISTED}`.execute(database.db);
  for (const o of orphans.rows)
    findings.add({
      kind: 'stream-row-missing',
      position: BigInt(o.last_position),
      streamId: o.stream_id,
      detail: `${o.n} event(s) but no stream row: every append to ${o.stream_id} would fail with a concurrency conflict`,
    });
  return checked;
}

/**
 * Every idempotency row against the events appended under it (same stream, its first and last positions, the
 * version after them), and every key that events carry in their metadata against its row.
 */
export async function checkIdempotencyRows(database: Database, findings: BreakSink): Promise<void> {
  const changed = await sql<{ hospital_id: string; key: string; stream_id: string; first_position: string }>`
    SELECT k.hospital_id, k.key, k.stream_id, k.first_position::text
    FROM idempotency_keys k
    LEFT JOIN events f ON f.position = k.first_position
    LEFT JOIN events l ON l.position = k.last_position
    WHERE k.first_position IS NOT NULL
      AND (f.position IS NULL OR f.stream_id <> k.stream_id OR l.position IS NULL OR l.stream_id <> k.stream_id
           OR l.stream_version <> k.next_version)
    ORDER BY k.first_position LIMIT ${MAX_BREAKS_LISTED}`.execute(database.db);
  for (const r of changed.rows)
    findings.add({
      kind: 'idempotency-row-changed',
      position: BigInt(r.first_position),
      streamId: r.stream_id,
      detail: `idempotency key ${r.key} of ${r.hospital_id} no longer points at the events appended under it`,
    });
  const missing = await sql<{ hospital_id: string; key: string; stream_id: string; first_position: string }>`
    SELECT e.hospital_id, e.metadata->>'idempotencyKey' AS key, min(e.stream_id) AS stream_id,
           min(e.position)::text AS first_position
    FROM events e
    WHERE e.metadata ? 'idempotencyKey'
      AND NOT EXISTS (SELECT 1 FROM idempotency_keys k
                      WHERE k.hospital_id = e.hospital_id AND k.key = e.metadata->>'idempotencyKey')
    GROUP BY e.hospital_id, e.metadata->>'idempotencyKey'
    ORDER BY min(e.position) LIMIT ${MAX_BREAKS_LISTED}`.execute(database.db);
  for (const r of missing.rows)
    findings.add({
      kind: 'idempotency-row-missing',
      position: BigInt(r.first_position),
      streamId: r.stream_id,
      detail: `events were appended under idempotency key ${r.key}, which has no row: a retry would be applied again`,
    });
}
