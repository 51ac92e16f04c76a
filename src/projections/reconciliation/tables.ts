// Row types of the reconciliation read models, as kysely reads them (numeric columns come back as decimal text,
// timestamptz as Date, jsonb parsed). Keyed by unqualified table name: a query picks the schema (the live one,
// an as-of or a rebuild schema) with `db.withSchema(schema)`.
import type { Kysely, Selectable } from 'kysely';
import type { RowOf } from '../projection.ts';
import type { reconMovementsTable, reconStatementsTable } from './movements.ts';
import type { discrepanciesTable, reconDaysTable } from './read-models.ts';

/** Per discrepancy type or party: how many and how much (decimal text). */
export interface CountAmount {
  count: number;
  amount: string;
}

export type ReconMovementsTable = Selectable<RowOf<typeof reconMovementsTable>>;
export type ReconStatementsTable = Selectable<RowOf<typeof reconStatementsTable>>;
export type ReconDaysTable = Selectable<RowOf<typeof reconDaysTable>>;
export type DiscrepanciesTable = Selectable<RowOf<typeof discrepanciesTable>>;

/** The reconciliation read models' tables (recon_movements, recon_statements, and reconciliation's two). */
export interface ReconciliationTables {
  recon_movements: ReconMovementsTable;
  recon_statements: ReconStatementsTable;
  recon_days: ReconDaysTable;
  discrepancies: DiscrepanciesTable;
}

/**
 * The HIS writeback state a platform payment is matched with (his_sync read model: only the columns
 * reconciliation joins on), addressed with its schema since the join crosses read models.
 */
export interface HisSyncJoinTable {
  hospital_id: string;
  order_id: string;
  status: string;
}

export type ReconciliationDb = Kysely<ReconciliationTables>;
