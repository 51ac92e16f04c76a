// The auditor's export over HTTP: GET /v1/audit/exports?from=DATE&to=DATE answers a tar archive of the caller's
// hospital's events of the period (the files of `ledger audit export`), so that `curl … -o export.tar` fetches
// it. The export is recorded as an event (who, period, address, manifest SHA-256) before the first byte is sent;
// the manifest's SHA-256 and the export id are also answered as headers, for the auditor's own records.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'typebox';
import { tarOfFiles } from '../../adapters/archive/tar.ts';
import { DEFAULT_ANCHOR_DIR } from '../../adapters/event-store/anchors.ts';
import { ExportError } from '../../app/audit/export.ts';
import { takeAuditExport } from '../../app/audit/record-export.ts';
import { addDays, DEFAULT_TIME_ZONE, isBusinessDate, isTimeZone } from '../../domain/business-date.ts';
import { ApiError } from '../errors.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

/** The longest period one request exports: a year; a longer one is several requests. */
export const MAX_EXPORT_DAYS = 366;

const DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const ExportQuery = Type.Object({
  from: Type.String({ pattern: DATE, description: 'First local day of the period (YYYY-MM-DD)' }),
  to: Type.String({ pattern: DATE, description: 'Last local day of the period, inclusive (YYYY-MM-DD)' }),
  timeZone: Type.Optional(
    Type.String({
      maxLength: 64,
      description: `The zone the days are local to (IANA name, default ${DEFAULT_TIME_ZONE})`,
    }),
  ),
});

export function auditExportRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['audit']);
  api.get(
    '/v1/audit/exports',
    'audit',
    "A tar archive of the caller's hospital's events of a period, with their seals, anchors, public keys, a manifest and SHA256SUMS (as `ledger audit export`; docs/audit.md says how to check it). Recorded as an event before it is sent; headers x-ledger-export-id and x-ledger-manifest-sha256",
    { querystring: ExportQuery },
    async (c, req, reply) => {
      const { from, to } = req.query;
      const timeZone = req.query.timeZone ?? DEFAULT_TIME_ZONE;
      if (!isBusinessDate(from)) throw new ApiError('VALIDATION_FAILED', { field: 'from', reason: 'a date' });
      if (!isBusinessDate(to) || to < from)
        throw new ApiError('VALIDATION_FAILED', { field: 'to', reason: 'a date, not before from' });
      if (to >= addDays(from, MAX_EXPORT_DAYS))
        throw new ApiError('VALIDATION_FAILED', { field: 'to', reason: `at most ${MAX_EXPORT_DAYS} days` });
      if (!isTimeZone(timeZone))
        throw new ApiError('VALIDATION_FAILED', { field: 'timeZone', reason: 'an IANA time zone' });

      const dir = await mkdtemp(join(tmpdir(), 'ledger-audit-export-'));
      const cleanup = () => rm(dir, { recursive: true, force: true });
      let taken: Awaited<ReturnType<typeof takeAuditExport>>;
      try {
        taken = await takeAuditExport({
          database: ctx.options.database,
          store: ctx.deps.store,
          fromDate: from,
          toDate: to,
          timeZone,
          outDir: dir,
          anchorDir: ctx.options.anchorDir ?? DEFAULT_ANCHOR_DIR,
          hospitalId: c.hospitalId,
          scope: 'hospital',
          via: 'api',
          ...(c.principal.kind === 'staff' && c.principal.sessionId
            ? { sessionId: c.principal.sessionId }
            : {}),
          context: { actor: c.actor, correlationId: String(req.id), metadata: { address: req.ip } },
          now: ctx.deps.now,
        });
      } catch (error) {
        await cleanup();
        if (error instanceof ExportError) throw new ApiError('AUDIT_EXPORT_EMPTY', { from, to, timeZone });
        throw error;
      }
      const root = `audit-export-${c.hospitalId}-${from}-${to}`;
      return reply
        .header('content-type', 'application/x-tar')
        .header('content-disposition', `attachment; filename="${root}.tar"`)
        .header('cache-control', 'no-store')
        .header('x-ledger-export-id', taken.exportId)
        .header('x-ledger-manifest-sha256', taken.manifestSha256)
        .send(tarOfFiles(dir, root, taken.files, cleanup));
    },
  );
}
