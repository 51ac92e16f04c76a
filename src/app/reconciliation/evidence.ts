// Evidence files on a discrepancy or a manual match: checked (type by magic bytes, size), stored once by their
// SHA-256 in evidence.blobs, and attached by an event on each discrepancy concerned (so the trace and the audit
// export list them). Served back only as a download of the stored type, never inlined or run.
import { type Kysely, sql } from 'kysely';
import { handle } from '../../domain/command-handler.ts';
import { streamId } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import { discrepancyDecider } from '../../domain/reconciliation/discrepancy.ts';
import { checkEvidence } from '../../domain/reconciliation/evidence.ts';
import type { EvidenceAttached } from '../../domain/reconciliation/events.ts';
import { refuse } from '../../domain/reconciliation/refusals.ts';
import { showMatch } from './manual-matching.ts';
import { type ReconciliationPorts, staff } from './ports.ts';

interface EvidenceDb {
  'evidence.blobs': {
    hospital_id: string;
    sha256: string;
    content_type: string;
    bytes: number;
    content: Uint8Array;
  };
}
const edb = (ports: ReconciliationPorts) => ports.db as unknown as Kysely<EvidenceDb>;

export type EvidenceView = EvidenceAttached['data'] & { attachedAt: string };

export interface AttachRequest {
  hospitalId: string;
  by: string;
  at?: Date;
  file: string;
  bytes: Uint8Array;
  note?: string;
  /** One of: the discrepancy, or the match (attached to each of its items). */
  discrepancyId?: string;
  matchId?: string;
}

/** Checks and stores the file, then attaches it. Refused whole (nothing stored) when the file is refused. */
export async function attachEvidence(ports: ReconciliationPorts, o: AttachRequest): Promise<EvidenceView[]> {
  const checked = checkEvidence(o.file, o.bytes);
  const targets = o.matchId
    ? (await showMatch(ports, o.hospitalId, o.matchId)).items.map((i) => i.discrepancyId)
    : [o.discrepancyId ?? ''];
  for (const id of targets) {
    const s = await ports.store.readStream(streamId(o.hospitalId, 'discrepancy', id));
    if (s.events.length === 0) throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
  }
  await edb(ports)
    .insertInto('evidence.blobs')
    .values({
      hospital_id: o.hospitalId,
      sha256: checked.sha256,
      content_type: checked.contentType,
      bytes: checked.bytes,
      content: o.bytes,
    })
    .onConflict((oc) => oc.columns(['hospital_id', 'sha256']).doNothing())
    .execute();
  const at = o.at ?? new Date();
  for (const id of targets)
    await handle(ports.store, discrepancyDecider, {
      type: 'AttachEvidence',
      hospitalId: HospitalId(o.hospitalId),
      at,
      actor: staff(o.by),
      discrepancyId: id,
      matchId: o.matchId ?? null,
      sha256: checked.sha256,
      file: checked.file,
      contentType: checked.contentType,
      bytes: checked.bytes,
      note: o.note ?? '',
    });
  return (await listEvidence(ports, { hospitalId: o.hospitalId, discrepancyId: targets[0]! })).filter(
    (e) => e.sha256 === checked.sha256,
  );
}

/** The evidence attached to a discrepancy (or to a match: the union over its items), oldest first. */
export async function listEvidence(
  ports: ReconciliationPorts,
  o: { hospitalId: string; discrepancyId?: string; matchId?: string },
): Promise<EvidenceView[]> {
  const ids = o.matchId
    ? (await showMatch(ports, o.hospitalId, o.matchId)).items.map((i) => i.discrepancyId)
    : [o.discrepancyId ?? ''];
  const out = new Map<string, EvidenceView>();
  for (const id of ids)
    for (const e of (await ports.store.readStream(streamId(o.hospitalId, 'discrepancy', id))).events)
      if (e.type === 'EvidenceAttached') {
        const d = e.data as EvidenceAttached['data'];
        if (o.matchId && d.matchId !== o.matchId) continue;
        const key = o.matchId ? d.sha256 : `${d.sha256}:${e.position}`;
        if (!out.has(key)) out.set(key, { ...d, attachedAt: e.occurredAt.toISOString() });
      }
  return [...out.values()];
}

/** The stored bytes of an evidence file of this hospital. */
export async function readEvidence(
  ports: ReconciliationPorts,
  hospitalId: string,
  sha256: string,
): Promise<{ contentType: string; bytes: Uint8Array }> {
  const row = await edb(ports)
    .selectFrom('evidence.blobs')
    .select(['content_type', 'content'])
    .where('hospital_id', '=', hospitalId)
    .where('sha256', '=', sql<string>`${sha256}`)
    .executeTakeFirst();
  if (!row) throw refuse('EVIDENCE_NOT_FOUND', { sha256 });
  return { contentType: row.content_type, bytes: new Uint8Array(row.content) };
}
