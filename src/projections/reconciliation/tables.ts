// Row types of the reconciliation read models, as kysely reads them (numeric columns come back as decimal text,
// timestamptz as Date, jsonb parsed). Keyed by unqualified table name: a query picks the schema (the live one,
// an as-of or a rebuild schema) with `db.withSchema(schema)`.
import type { Kysely } from 'kysely';
import type { DiscrepancyType } from '../../domain/reconciliation/types.ts';

/** Money as numeric(18,2): written as decimal text, read back as decimal text (never a JS number). */
type Numeric = string;
type CountAmounts = Record<string, { count: number; amount: string }>;

export interface ReconMovementsTable {
  hospital_id: string;
  movement_id: string;
  kind: 'payment' | 'refund' | 'settlement';
  channel: string;
  merchant_order_no: string;
  refund_no: string | null;
  channel_txn_id: string | null;
  channel_refund_id: string | null;
  amount: Numeric;
  occurred_at: Date;
  business_date: string;
  business_type: string;
  surplus: boolean;
  /** bigint, as text. */
  position: string;
}

export interface ReconStatementsTable {
  hospital_id: string;
  statement_id: string;
  sha256: string;
  file: string;
  format: string;
  party: string;
  source: string;
  channel: string | null;
  merchant_id: string | null;
  business_date: string | null;
  lines: number;
  imported: boolean;
  origin: string | null;
  imported_at: Date;
}

export interface ReconDaysTable {
  hospital_id: string;
  channel: string;
  business_date: string;
  state: 'balanced' | 'open' | 'closed';
  runs: number;
  last_run_id: string | null;
  matched_count: number;
  matched_amount: Numeric;
  timing_count: number;
  timing_amount: Numeric;
  pending_count: number;
  pending_amount: Numeric;
  by_type: Record<DiscrepancyType, { count: number; amount: string }>;
  parties: CountAmounts;
  discrepancies_open: number;
  discrepancies_resolved: number;
  closed_by: string | null;
  reopened: number;
  updated_at: Date;
}

export interface DiscrepanciesTable {
  hospital_id: string;
  discrepancy_id: string;
  type: DiscrepancyType;
  channel: string;
  business_date: string;
  subject: string;
  amount: Numeric;
  reason: string;
  status: string;
  assignee: string | null;
  action: string | null;
  resolution_reason: string | null;
  proposed_by: string | null;
  approved_by: string | null;
  raised_at: Date;
  resolved_at: Date | null;
}

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
