// An export, taken and recorded: the files are written, then the export is recorded as an event (who, which
// period, from where, the manifest's SHA-256) before anyone receives them. If the record cannot be written, the
// files are removed: no export leaves the system unrecorded.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../../adapters/db/database.ts';
import { type AuditExportScope, auditExportDecider } from '../../domain/audit/export.ts';
import { handle } from '../../domain/command-handler.ts';
import type { EventStore, StreamId } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import type { CommandContext } from '../execute.ts';
import { type ExportOptions, type ExportResult, exportAudit } from './export.ts';

export interface RecordedExport extends ExportResult {
  exportId: string;
  /** The stream the export is recorded in. */
  streamId: StreamId;
  position: bigint;
}

export interface TakeExportOptions extends Omit<ExportOptions, 'database' | 'exportId' | 'hospitalId'> {
  database: Database;
  store: EventStore;
  /** The hospital the export is recorded in: the acting staff user's. */
  hospitalId: string;
  scope: AuditExportScope;
  via: 'cli' | 'api';
  sessionId?: string;
  /** Who takes it, and from where (metadata.address). */
  context: CommandContext;
  now: () => Date;
}

export async function takeAuditExport(o: TakeExportOptions): Promise<RecordedExport> {
  const exportId = randomUUID();
  const result = await exportAudit({
    database: o.database,
    fromDate: o.fromDate,
    toDate: o.toDate,
    timeZone: o.timeZone,
    outDir: o.outDir,
    anchorDir: o.anchorDir,
    exportId,
    ...(o.scope === 'hospital' ? { hospitalId: o.hospitalId } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  try {
    const recorded = await handle(
      o.store,
      auditExportDecider,
      {
        type: 'RecordAuditExport',
        hospitalId: HospitalId(o.hospitalId),
        at: o.now(),
        actor: o.context.actor,
        exportId,
        scope: o.scope,
        fromDate: o.fromDate,
        toDate: o.toDate,
        timeZone: o.timeZone,
        firstPosition: result.firstPosition.toString(),
        lastPosition: result.lastPosition.toString(),
        events: result.events,
        seals: result.seals,
        manifestSha256: result.manifestSha256,
        via: o.via,
        sessionId: o.sessionId ?? null,
      },
      {
        metadata: {
          ...o.context.metadata,
          ...(o.context.correlationId ? { correlationId: o.context.correlationId } : {}),
        },
      },
    );
    if (recorded.position === null) throw new Error(`export ${exportId} was not recorded`);
    return { ...result, exportId, streamId: recorded.streamId, position: recorded.position };
  } catch (error) {
    await Promise.all(result.files.map((f) => rm(join(o.outDir, f), { force: true })));
    throw error;
  }
}
