// Typed reads of the reconciliation read models (tables.ts), beside their projections. Every query takes the
// schema it reads (default: the live one), so an as-of or a rebuild schema reads the same way.
import { type Kysely, sql } from 'kysely';
import { type DayWindow, statementDates } from '../../domain/reconciliation/window.ts';
import type { AnyDb, AnyTrx } from '../projection.ts';
import { hisSyncProjection } from '../read-models/his-sync.ts';
import { liveSchema } from '../runner.ts';
import { RECON_MOVEMENTS_SCHEMA, RECON_STATEMENTS_SCHEMA } from './movements.ts';
import { RECONCILIATION_SCHEMA } from './read-models.ts';
import type {
  DiscrepanciesTable,
  ReconciliationTables,
  ReconDaysTable,
  ReconStatementsTable,
} from './tables.ts';

/** Rows per discrepancy listing (a day with more discrepancies than this is paged by the caller). */
export const MAX_LIST_ROWS = 10_000;
/** Schema of the HIS writeback read model the platform movements are joined with. */
export const HIS_SYNC_SCHEMA = liveSchema(hisSyncProjection);

/** The reconciliation tables of `schema`, typed. */
export const tables = (db: AnyDb | AnyTrx, schema: string) =>
  (db as unknown as Kysely<ReconciliationTables>).withSchema(schema);

/** Orders among `orderNos` the platform knows a payment of (for refunds whose payment is on no statement). */
export async function paidOrders(
  db: AnyDb,
  hospitalId: string,
  orderNos: readonly string[],
  schema = RECON_MOVEMENTS_SCHEMA,
): Promise<Set<string>> {
  if (orderNos.length === 0) return new Set();
  const rows = await tables(db, schema)
    .selectFrom('recon_movements')
    .select('merchant_order_no')
    .distinct()
    .where('hospital_id', '=', hospitalId)
    .where('kind', '=', 'payment')
    .where('merchant_order_no', '=', sql<string>`ANY(${[...orderNos]})`)
    .execute();
  return new Set(rows.map((r) => r.merchant_order_no));
}

export type StatementRow = Pick<
  ReconStatementsTable,
  'statement_id' | 'sha256' | 'party' | 'format' | 'channel' | 'business_date' | 'lines'
>;

/** Imported statements a run of the window reads: the channel's and the HIS extracts, dated around the date. */
export async function statementsOfWindow(
  db: AnyDb,
  q: { hospitalId: string; channel: string; window: DayWindow },
  schema = RECON_STATEMENTS_SCHEMA,
): Promise<StatementRow[]> {
  return tables(db, schema)
    .selectFrom('recon_statements')
    .select(['statement_id', 'sha256', 'party', 'format', 'channel', 'business_date', 'lines'])
    .where('hospital_id', '=', q.hospitalId)
    .where('imported', '=', true)
    .where((eb) => eb.or([eb('channel', '=', q.channel), eb('party', '=', 'his')]))
    .where((eb) =>
      eb.or([eb('business_date', 'is', null), eb('business_date', 'in', statementDates(q.window))]),
    )
    .orderBy('sha256')
    .execute();
}

export type DiscrepancyRow = Omit<DiscrepanciesTable, 'raised_at' | 'resolved_at'>;

/** What a discrepancy is about: its id, type, channel, date, subject and amount (as text). */
export const DISCREPANCY_ITEM = [
  'discrepancy_id',
  'type',
  'channel',
  'business_date',
  'subject',
  sql<string>`amount::text`.as('amount'),
] as const;

/** A DiscrepancyRow's columns. */
export const DISCREPANCY_COLUMNS = [
  'hospital_id',
  ...DISCREPANCY_ITEM,
  'reason',
  'status',
  'assignee',
  'action',
  'resolution_reason',
  'proposed_by',
  'approved_by',
] as const;

/** SQL of a timestamptz column as ISO-8601 UTC text with microseconds (what the API answers). */
export const isoSql = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/** A timestamptz column selected as ISO-8601 text (isoSql). */
export const isoText = (column: string) => sql<string>`${sql.raw(isoSql(column))}`;

export interface DiscrepancyFilter {
  hospitalId: string;
  channel?: string;
  businessDate?: string;
  status?: string;
}

export async function listDiscrepancyRows(
  db: AnyDb,
  f: DiscrepancyFilter,
  schema = RECONCILIATION_SCHEMA,
): Promise<DiscrepancyRow[]> {
  let q = tables(db, schema)
    .selectFrom('discrepancies')
    .select(DISCREPANCY_COLUMNS)
    .where('hospital_id', '=', f.hospitalId);
  if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
  if (f.businessDate !== undefined) q = q.where('business_date', '=', f.businessDate);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  return q
    .orderBy('business_date')
    .orderBy('channel')
    .orderBy('type')
    .orderBy('subject')
    .limit(MAX_LIST_ROWS)
    .execute();
}

export type DayRow = Omit<ReconDaysTable, 'last_run_id' | 'updated_at'>;

/** A hospital's reconciliation days, as DayRow (amounts as text), for the callers to narrow. */
export function selectDays(db: AnyDb, hospitalId: string, schema = RECONCILIATION_SCHEMA) {
  return tables(db, schema)
    .selectFrom('recon_days')
    .select([
      'hospital_id',
      'channel',
      'business_date',
      'state',
      'runs',
      'matched_count',
      sql<string>`matched_amount::text`.as('matched_amount'),
      'timing_count',
      sql<string>`timing_amount::text`.as('timing_amount'),
      'pending_count',
      sql<string>`pending_amount::text`.as('pending_amount'),
      'by_type',
      'parties',
      'discrepancies_open',
      'discrepancies_resolved',
      'closed_by',
      'reopened',
    ])
    .where('hospital_id', '=', hospitalId);
}

export async function dayRows(
  db: AnyDb,
  f: { hospitalId: string; businessDate: string; channel?: string },
  schema = RECONCILIATION_SCHEMA,
): Promise<DayRow[]> {
  let q = selectDays(db, f.hospitalId, schema).where('business_date', '=', f.businessDate);
  if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
  return q.orderBy('channel').execute();
}

/** Days still holding pending items (未达账项) and not closed: what the deadline job looks at again. */
export async function daysWithPending(
  db: AnyDb,
  limit: number,
  schema = RECONCILIATION_SCHEMA,
): Promise<{ hospitalId: string; channel: string; businessDate: string }[]> {
  const rows = await tables(db, schema)
    .selectFrom('recon_days')
    .select(['hospital_id', 'channel', 'business_date'])
    .where('pending_count', '>', 0)
    .where('state', '<>', 'closed')
    .orderBy('business_date')
    .orderBy('hospital_id')
    .orderBy('channel')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ hospitalId: r.hospital_id, channel: r.channel, businessDate: r.business_date }));
}
