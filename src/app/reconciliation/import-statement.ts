// Import a statement file: parse, verify whole, store as events (src/adapters/statements/import.ts does the
// work; nothing is written unless the whole file verified). The use case every edge calls.
import {
  type ImportOptions,
  type ImportResult,
  importStatement as importStatementFile,
} from '../../adapters/statements/import.ts';
import type { StatementSource } from '../../adapters/statements/source.ts';
import type { ReconciliationPorts } from './ports.ts';

export type { ImportOptions, ImportProgress, ImportResult } from '../../adapters/statements/import.ts';

export function importStatement(
  ports: Pick<ReconciliationPorts, 'store' | 'dateOptions'>,
  source: StatementSource,
  options: ImportOptions,
): Promise<ImportResult> {
  // The file's wall-clock times are in the hospital's zone unless the caller says otherwise.
  const timeZone = options.timeZone ?? ports.dateOptions?.timeZone;
  return importStatementFile({ store: ports.store }, source, {
    ...options,
    ...(timeZone ? { timeZone } : {}),
  });
}
