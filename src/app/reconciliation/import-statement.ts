// Import a statement file: parse, verify whole, store as events (src/adapters/statements/import.ts does the
// work; nothing is written unless the whole file verified). The use case every edge calls.
//
// A bank, HIS or insurance file may name its mapping (a hospital's managed one, or a built-in) resolved through
// the MappingCatalog; the import records which mapping and version read it, and which totals check it used: the
// file's own totals row, or, for a file without one, its count and net against the platform's movements of that
// day (a mapping with `platformCheck: refuse` refuses a file that disagrees).
import {
  type ImportOptions as FileImportOptions,
  type ImportResult,
  type ImportReview,
  importStatement as importStatementFile,
} from '../../adapters/statements/import.ts';
import { StatementError } from '../../adapters/statements/errors.ts';
import type { StatementSource } from '../../adapters/statements/source.ts';
import { describeVerdict } from '../../domain/mappings/totals.ts';
import type { StatementSummary } from '../../domain/reconciliation/statement-line.ts';
import {
  type CatalogMapping,
  type MappingCatalog,
  resolveMapping,
  storeMappingCatalog,
  totalsVerdict,
} from '../mappings.ts';
import type { ReconciliationPorts } from './ports.ts';

export type { ImportProgress, ImportResult } from '../../adapters/statements/import.ts';

export interface ImportOptions extends Omit<FileImportOptions, 'review' | 'mapping'> {
  /** The mapping to read the file with, by name (a hospital's own, or a built-in): no format detection. */
  mapping?: string;
}

export function importStatement(
  ports: ImportPorts,
  source: StatementSource,
  options: ImportOptions,
): Promise<ImportResult> {
  return run(ports, source, options);
}

/** Without the read side (`db`), a file without totals gets no platform check: its verdict says so. */
export type ImportPorts = Pick<ReconciliationPorts, 'store' | 'dateOptions'> &
  Partial<Pick<ReconciliationPorts, 'db'>> & { mappings?: MappingCatalog };

async function run(
  ports: ImportPorts,
  source: StatementSource,
  options: ImportOptions,
): Promise<ImportResult> {
  // The file's wall-clock times are in the hospital's zone unless the caller says otherwise.
  const timeZone = options.timeZone ?? ports.dateOptions?.timeZone;
  const { mapping: name, ...rest } = options;
  const used: CatalogMapping | undefined = name
    ? await resolveMapping(ports.mappings ?? storeMappingCatalog(ports.store), options.hospitalId, name)
    : undefined;
  const review = async (summary: StatementSummary, channel: string | null): Promise<ImportReview> => {
    const r: ImportReview = {};
    if (used) r.mapping = { name: used.name, version: used.version, builtin: used.builtin };
    else if (summary.mapping) r.mapping = { name: summary.mapping, version: 0, builtin: true };
    // The channels' own bills always state totals (their parsers refuse them otherwise): checked while parsed.
    const { db } = ports;
    const verdict = db
      ? await totalsVerdict({ ...ports, db }, options.hospitalId, summary, channel)
      : await totalsVerdict(undefined, options.hospitalId, summary, channel);
    r.totalsCheck = verdict;
    if (
      verdict.method === 'platform' &&
      verdict.outcome === 'disagrees' &&
      used?.definition.platformCheck === 'refuse'
    )
      throw new StatementError('TOTALS_MISMATCH', summary.file, 0, describeVerdict(verdict));
    return r;
  };
  return importStatementFile({ store: ports.store }, source, {
    ...rest,
    ...(timeZone ? { timeZone } : {}),
    ...(used ? { mapping: used.definition } : {}),
    review,
  });
}
