// Statements as finance staff handle them: import a file (a built-in format, auto-detected or named, or a
// mapping the hospital configured, by name) refused whole with a specific code, file, line and reason; and the
// list of imported statements with the checks each passed and who imported it.
import { StatementError } from '../../adapters/statements/errors.ts';
import type { ParseOptions } from '../../adapters/statements/index.ts';
import type { StatementSource } from '../../adapters/statements/source.ts';
import { streamId } from '../../domain/event-store.ts';
import type { StatementImported } from '../../domain/reconciliation/events.ts';
import {
  type ReconciliationRefusal,
  type ReconciliationRefusalCode,
  refuse,
} from '../../domain/reconciliation/refusals.ts';
import type { StatementSummary } from '../../domain/reconciliation/statement-line.ts';
import { reconStatementsProjection } from '../../projections/reconciliation/movements.ts';
import { type StatementListRow, statementRows } from '../../projections/reconciliation/worklist.ts';
import { catchUp } from './catch-up.ts';
import { type ImportProgress, type ImportResult, importStatement } from './import-statement.ts';
import {
  type CatalogMapping,
  type MappingCatalog,
  resolveMapping,
  storeMappingCatalog,
} from '../mappings.ts';
import type { ReconciliationPorts } from './ports.ts';

export interface StatementImportRequest {
  hospitalId: string;
  /** `auto` (default) or a format name (wechat, alipay, bank:NAME, his …). */
  format?: string;
  /** A mapping the hospital configured, by name (UNKNOWN_MAPPING when it has none of that name). */
  mapping?: string;
  /** Expected merchant / account and business date: a file for another is refused. */
  merchantId?: string;
  businessDate?: string;
  /** The platform channel the statement reports (default: from its issuer). */
  channel?: string;
  /** Who imports it (recorded as the origin `upload:<user>`). */
  by: string;
  at?: Date;
  onProgress?: (p: ImportProgress) => void;
}

/** The refusal code each statement error is answered with. */
const STATEMENT_REFUSAL: Readonly<Record<StatementError['code'], ReconciliationRefusalCode>> = {
  MALFORMED_LINE: 'STATEMENT_MALFORMED',
  MALFORMED_FILE: 'STATEMENT_MALFORMED',
  MISSING_HEADER: 'STATEMENT_MALFORMED',
  TOTALS_MISMATCH: 'STATEMENT_TOTALS_MISMATCH',
  WRONG_MERCHANT: 'STATEMENT_WRONG_MERCHANT',
  WRONG_DATE: 'STATEMENT_WRONG_DATE',
  TRUNCATED: 'STATEMENT_TRUNCATED',
  UNSUPPORTED_FORMAT: 'STATEMENT_FORMAT_UNKNOWN',
  LIMIT_EXCEEDED: 'STATEMENT_TOO_LARGE',
  FILE_CHANGED: 'STATEMENT_CHANGED',
  IMPORT_IN_PROGRESS: 'STATEMENT_IMPORT_IN_PROGRESS',
};

/** A parser's refusal as the domain's: its code, with the file, line and reason in the details. */
export function statementRefusal(e: StatementError): ReconciliationRefusal {
  return refuse(STATEMENT_REFUSAL[e.code], { file: e.file, line: e.line, reason: e.reason, parser: e.code });
}

/** The hospital's mapping of that name, or a built-in (UNKNOWN_MAPPING, MAPPING_RETIRED): checked before a file is read. */
export function namedMapping(
  ports: Pick<ReconciliationPorts, 'store'> & { mappings?: MappingCatalog },
  hospitalId: string,
  name: string,
): Promise<CatalogMapping> {
  return resolveMapping(ports.mappings ?? storeMappingCatalog(ports.store), hospitalId, name);
}

/**
 * Imports a statement file for a hospital. Nothing is written unless the whole file verified; the same bytes
 * again answer the original import (`duplicate`).
 */
export async function importStatementFile(
  ports: Pick<ReconciliationPorts, 'store' | 'dateOptions'> &
    Partial<Pick<ReconciliationPorts, 'db'>> & { mappings?: MappingCatalog },
  source: StatementSource,
  r: StatementImportRequest,
): Promise<ImportResult> {
  const options: Omit<ParseOptions, 'mapping'> & { mapping?: string } = {};
  if (r.mapping !== undefined) options.mapping = r.mapping;
  else if (r.format !== undefined) options.format = r.format as ParseOptions['format'];
  if (r.merchantId !== undefined) options.merchantId = r.merchantId;
  if (r.businessDate !== undefined) options.businessDate = r.businessDate;
  try {
    return await importStatement(ports, source, {
      ...options,
      hospitalId: r.hospitalId,
      origin: `upload:${r.by}`,
      ...(r.channel !== undefined ? { channel: r.channel } : {}),
      ...(r.at ? { at: r.at } : {}),
      ...(r.onProgress ? { onProgress: r.onProgress } : {}),
    });
  } catch (e) {
    if (e instanceof StatementError) throw statementRefusal(e);
    throw e;
  }
}

/** The checks an imported statement passed. */
export interface StatementChecks {
  /** `totals`: every total the file states agreed with its lines; `none-stated`: the file states none. */
  kind: 'totals' | 'none-stated';
  totalsStated: number;
  verified: string[];
  lines: number;
  counts: StatementSummary['counts'];
  amounts: StatementSummary['amounts'];
  fees: string;
}

export type StatementView = StatementListRow & {
  /** Who imported it (`upload:<user>`, `simulator`, `sftp` …). */
  importedBy: string | null;
  checks: StatementChecks | null;
};

/** Most statements one listing answers. */
export const MAX_STATEMENTS_LISTED = 200;

/** The hospital's imported statements (newest first) with their checks. */
export async function listStatements(
  ports: ReconciliationPorts,
  f: { hospitalId: string; from?: string; to?: string; channel?: string; limit?: number },
): Promise<StatementView[]> {
  await catchUp(ports, [reconStatementsProjection]);
  const rows = await statementRows(ports.db, { ...f, limit: Math.min(f.limit ?? 50, MAX_STATEMENTS_LISTED) });
  const out: StatementView[] = [];
  for (const r of rows) {
    const summary = r.imported ? await importedSummary(ports, r.hospital_id, r.statement_id) : undefined;
    out.push({
      ...r,
      importedBy: r.origin,
      checks: summary
        ? {
            kind: summary.totalsStated > 0 ? 'totals' : 'none-stated',
            totalsStated: summary.totalsStated,
            verified: summary.checks.map((c) => c.name),
            lines: summary.lines,
            counts: summary.counts,
            amounts: summary.amounts,
            fees: summary.fees,
          }
        : null,
    });
  }
  return out;
}

/** The verified summary of a completed import (its last event), read without the line batches. */
async function importedSummary(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  statementId: string,
): Promise<StatementSummary | undefined> {
  const stream = streamId(hospitalId, 'statement', statementId);
  const head = await ports.store.readStream(stream, { maxCount: 1 });
  if (head.version === 0) return undefined;
  const last = (await ports.store.readStream(stream, { fromVersion: head.version })).events[0];
  if (last?.type !== 'StatementImported') return undefined;
  return (last.data as unknown as StatementImported['data']).summary;
}
