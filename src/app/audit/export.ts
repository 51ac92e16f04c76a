import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../adapters/db/database.ts';
import { AnchorDir } from '../../adapters/event-store/anchors.ts';
import {
  positionsRecordedBetween,
  readEventsWithPredecessors,
  readSeals,
  type SealRow,
} from '../../adapters/event-store/audit-read.ts';
import { genesisHash } from '../../adapters/event-store/hashing.ts';
import { addDays, localParts } from '../../domain/business-date.ts';

// An export an auditor checks with no access to the system: the events of a period as JSON lines and CSV, the
// seals and anchors over them, the public keys, and a manifest with every file's SHA-256. docs/audit.md gives the
// procedure (sha256sum, then a short Python script that recomputes every hash).

export const EXPORT_FORMAT = 'ledger-audit-export/1';
const EXPORT_PAGE = 5_000;
export const EXPORT_FILES = {
  eventsJsonl: 'events.jsonl',
  eventsCsv: 'events.csv',
  seals: 'seals.jsonl',
  anchors: 'anchors.jsonl',
  otherHospitals: 'other-hospitals.jsonl',
  manifest: 'manifest.json',
  sums: 'SHA256SUMS',
} as const;

const CSV_COLUMNS = [
  'position',
  'hospitalId',
  'streamId',
  'streamVersion',
  'eventId',
  'type',
  'schemaVersion',
  'occurredAt',
  'recordedAt',
  'data',
  'metadata',
  'contentHash',
  'hash',
  'prevHash',
] as const;

export interface ExportOptions {
  database: Database;
  /** First local day exported, 'YYYY-MM-DD'. */
  fromDate: string;
  /** Last local day exported (inclusive). */
  toDate: string;
  timeZone: string;
  outDir: string;
  anchorDir: string;
  /** Only this hospital's events; the other hospitals' events in the exported positions appear as hashes only. */
  hospitalId?: string;
  /** Written into the manifest, and the id the export is recorded under. */
  exportId?: string;
  onProgress?: (events: number, position: bigint, last: bigint) => void;
}

export interface ExportResult {
  outDir: string;
  firstPosition: bigint;
  lastPosition: bigint;
  events: number;
  seals: number;
  anchors: number;
  /** Other hospitals' events inside the exported positions, exported as position and hash only. */
  otherHospitalEvents: number;
  /** SHA-256 (hex) of manifest.json. */
  manifestSha256: string;
  /** Every file written, in the order an archive lists them. */
  files: string[];
}

export class ExportError extends Error {
  readonly code = 'AUDIT_EXPORT';
}

/** The instant a local day starts in a zone (the zone's offset at that day's UTC midnight, corrected once). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d);
  const offsetAt = (t: number) => {
    const p = localParts(new Date(t), timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - t;
  };
  const guess = utcMidnight - offsetAt(utcMidnight);
  return new Date(utcMidnight - offsetAt(guess));
}

/** RFC 4180 cell: quoted when it holds a separator, a quote or a line break. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

function sha256File(file: string): { sha256: string; bytes: number } {
  const data = readFileSync(file);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

export async function exportAudit(o: ExportOptions): Promise<ExportResult> {
  const from = startOfLocalDay(o.fromDate, o.timeZone);
  const to = startOfLocalDay(addDays(o.toDate, 1), o.timeZone);
  const range = await positionsRecordedBetween(o.database, from, to, o.hospitalId);
  if (!range)
    throw new ExportError(
      `no event${o.hospitalId ? ` of ${o.hospitalId}` : ''} was recorded between ${o.fromDate} and ${o.toDate} (${o.timeZone})`,
    );
  // Widened to whole seals, so that every seal in the export can be recomputed from the export alone.
  const allSeals = await readSeals(o.database);
  let { first, last } = range;
  for (const s of allSeals) {
    if (s.fromPosition <= first && first <= s.toPosition) first = s.fromPosition;
    if (s.fromPosition <= last && last <= s.toPosition) last = s.toPosition;
  }
  const seals = allSeals.filter((s) => s.fromPosition >= first && s.toPosition <= last);
  const sealNos = new Set(seals.map((s) => s.sealNo.toString()));
  const anchorDir = new AnchorDir(o.anchorDir);
  const anchors = anchorDir.anchors().filter((a) => sealNos.has(a.sealNo));
  const keyIds = new Set([...seals.map((s) => s.keyId), ...anchors.map((a) => a.keyId)]);
  const publicKeys = [...anchorDir.keys().values()].filter((k) => keyIds.has(k.keyId));

  mkdirSync(o.outDir, { recursive: true });
  const jsonl = createWriteStream(join(o.outDir, EXPORT_FILES.eventsJsonl), { encoding: 'utf8' });
  const csv = createWriteStream(join(o.outDir, EXPORT_FILES.eventsCsv), { encoding: 'utf8' });
  // Seals cover every hospital's events: another hospital's event is exported as its position and hash, which
  // the seal needs and which tell nothing of its content.
  const others = createWriteStream(join(o.outDir, EXPORT_FILES.otherHospitals), { encoding: 'utf8' });
  let otherCount = 0;
  // The BOM makes spreadsheet programs read the file as UTF-8 (Chinese text otherwise turns to mojibake).
  await write(csv, `\uFEFF${CSV_COLUMNS.join(',')}\r\n`);
  let count = 0;
  const streams = new Set<string>();
  let after = first - 1n;
  try {
    for (;;) {
      const rows = await readEventsWithPredecessors(o.database, after, last, EXPORT_PAGE);
      for (const r of rows) {
        if (o.hospitalId !== undefined && r.hospital_id !== o.hospitalId) {
          await write(others, `${JSON.stringify({ position: r.position, hash: r.hash })}\n`);
          otherCount++;
          continue;
        }
        const event = {
          position: r.position,
          hospitalId: r.hospital_id,
          streamId: r.stream_id,
          streamVersion: r.stream_version,
          eventId: r.event_id,
          type: r.type,
          schemaVersion: r.schema_version,
          occurredAt: r.occurred_at.toISOString(),
          recordedAt: r.recorded_at.toISOString(),
          data: r.data,
          metadata: r.metadata,
          contentHash: r.content_hash,
          hash: r.hash,
          // The hash this event chains from: its stream's previous event, or the stream's genesis hash.
          prevHash: r.prev_hash ?? (r.stream_version === 1 ? genesisHash(r.stream_id).toString('hex') : null),
        };
        await write(jsonl, `${JSON.stringify(event)}\n`);
        const cells = CSV_COLUMNS.map((c) => {
          const v = event[c];
          return csvCell(v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
        });
        await write(csv, `${cells.join(',')}\r\n`);
        streams.add(r.stream_id);
        count++;
      }
      if (rows.length > 0) {
        after = BigInt(rows.at(-1)!.position);
        o.onProgress?.(count, after, last);
      }
      if (rows.length < EXPORT_PAGE) break;
    }
  } finally {
    await close(jsonl);
    await close(csv);
    await close(others);
  }
  writeFileSync(
    join(o.outDir, EXPORT_FILES.seals),
    seals.map((s) => `${JSON.stringify(sealLine(s))}\n`).join(''),
  );
  writeFileSync(join(o.outDir, EXPORT_FILES.anchors), anchors.map((a) => `${JSON.stringify(a)}\n`).join(''));

  const dataFiles = [
    EXPORT_FILES.eventsJsonl,
    EXPORT_FILES.eventsCsv,
    EXPORT_FILES.seals,
    EXPORT_FILES.anchors,
    EXPORT_FILES.otherHospitals,
  ];
  const files = Object.fromEntries(dataFiles.map((f) => [f, sha256File(join(o.outDir, f))]));
  const manifest = {
    format: EXPORT_FORMAT,
    exportId: o.exportId ?? null,
    generatedAt: new Date().toISOString(),
    requested: { fromDate: o.fromDate, toDate: o.toDate, timeZone: o.timeZone, from, to },
    hospitalId: o.hospitalId ?? null,
    positions: { first: first.toString(), last: last.toString() },
    counts: {
      events: count,
      streams: streams.size,
      seals: seals.length,
      anchors: anchors.length,
      otherHospitalEvents: otherCount,
    },
    files,
    anchors,
    publicKeys,
    hashing: {
      content:
        'sha256(canonical JSON of [streamId, eventId, type, schemaVersion, occurredAt, data, metadata])',
      chain:
        'sha256(prevHash ‖ int4 big-endian streamVersion ‖ contentHash); version 1 chains from sha256(streamId)',
      seal: "fold of sha256(acc ‖ int8 big-endian position ‖ hash) over every event of the seal range (other hospitals' from other-hospitals.jsonl), from prevHash",
    },
  };
  writeFileSync(join(o.outDir, EXPORT_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  const sums = [...dataFiles, EXPORT_FILES.manifest].map(
    (f) => `${sha256File(join(o.outDir, f)).sha256}  ${f}\n`,
  );
  writeFileSync(join(o.outDir, EXPORT_FILES.sums), sums.join(''));
  return {
    manifestSha256: sha256File(join(o.outDir, EXPORT_FILES.manifest)).sha256,
    files: [...dataFiles, EXPORT_FILES.manifest, EXPORT_FILES.sums],
    otherHospitalEvents: otherCount,
    outDir: o.outDir,
    firstPosition: first,
    lastPosition: last,
    events: count,
    seals: seals.length,
    anchors: anchors.length,
  };
}

function sealLine(s: SealRow) {
  return {
    sealNo: s.sealNo.toString(),
    fromPosition: s.fromPosition.toString(),
    toPosition: s.toPosition.toString(),
    eventCount: s.eventCount,
    prevHash: s.prevHash,
    hash: s.hash,
    keyId: s.keyId,
    signature: s.signature,
  };
}
