// What finance staff work from, read from the reconciliation read models: the discrepancy worklist (filters,
// sorting, keyset cursor pages), the days of a date range, and the imported statements. Typed kysely queries
// beside their projections; every query takes the schema it reads (default: the live one).
import { sql } from 'kysely';
import type { AnyDb } from '../projection.ts';
import { RECON_MOVEMENTS_SCHEMA, RECON_STATEMENTS_SCHEMA } from './movements.ts';
import {
  DISCREPANCY_COLUMNS,
  type DayRow,
  type DiscrepancyRow,
  HIS_SYNC_SCHEMA,
  isoSql,
  isoText,
  selectDays,
  tables,
} from './queries.ts';
import { RECONCILIATION_SCHEMA } from './read-models.ts';
import type { HisSyncJoinTable, ReconMovementsTable, ReconStatementsTable } from './tables.ts';

/** Rows per page unless the caller asks for fewer; never more than MAX_PAGE. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
/** Longest date range a day listing covers (a year of days per channel). */
export const MAX_DAY_RANGE_ROWS = 5_000;

export const DISCREPANCY_SORTS = ['business_date', 'amount', 'raised_at', 'type'] as const;
export type DiscrepancySort = (typeof DISCREPANCY_SORTS)[number];

export interface WorklistFilter {
  hospitalId: string;
  from?: string;
  to?: string;
  channel?: string;
  type?: string;
  /** A status (open, assigned, proposed, resolved, auto-resolved) or `unresolved` (any of the first three). */
  status?: string;
  minAmount?: string;
  maxAmount?: string;
  assignee?: string;
  /** An order no, refund no or channel transaction id the discrepancy is about (its subject names it). */
  ref?: string;
}

export interface WorklistPage {
  rows: (DiscrepancyRow & { raised_at: string; resolved_at: string | null })[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  next: string | null;
}

/** A cursor is the last row's sort value and id, opaque to callers (base64url JSON). */
function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id]), 'utf8').toString('base64url');
}

/** The cursor's parts, or undefined when it is not one this query wrote. */
export function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string'))
      return v as [string, string];
  } catch {
    // not a cursor of ours
  }
  return undefined;
}

/** `%`, `_` and `\` matched literally in a LIKE pattern. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const SORT_SQL: Record<DiscrepancySort, { column: string; cast: string; text: string }> = {
  business_date: { column: 'business_date', cast: 'text', text: 'business_date' },
  amount: { column: 'amount', cast: 'numeric', text: 'discrepancies.amount::text' },
  raised_at: {
    column: 'raised_at',
    cast: 'timestamptz',
    text: isoSql('discrepancies.raised_at'),
  },
  type: { column: 'type', cast: 'text', text: 'type' },
};

/** One page of the hospital's discrepancies, filtered and sorted, after `cursor`. */
export async function discrepancyPage(
  db: AnyDb,
  f: WorklistFilter,
  o: { sort?: DiscrepancySort; descending?: boolean; limit?: number; cursor?: [string, string] } = {},
  schema = RECONCILIATION_SCHEMA,
): Promise<WorklistPage> {
  const sort = SORT_SQL[o.sort ?? 'business_date'];
  const limit = Math.max(1, Math.min(MAX_PAGE, o.limit ?? DEFAULT_PAGE));
  const dir = o.descending ? 'desc' : 'asc';
  let q = tables(db, schema)
    .selectFrom('discrepancies')
    .select([
      ...DISCREPANCY_COLUMNS,
      isoText('raised_at').as('raised_at'),
      isoText('resolved_at').$castTo<string | null>().as('resolved_at'),
      sql<string>`${sql.raw(sort.text)}`.as('sort_value'),
    ])
    .where('hospital_id', '=', f.hospitalId);
  if (f.from !== undefined) q = q.where('business_date', '>=', f.from);
  if (f.to !== undefined) q = q.where('business_date', '<=', f.to);
  if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
  if (f.type !== undefined) q = q.where('type', '=', f.type as DiscrepancyRow['type']);
  if (f.status === 'unresolved') q = q.where('status', 'in', ['open', 'assigned', 'proposed']);
  else if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.minAmount !== undefined) q = q.where(sql<boolean>`discrepancies.amount >= ${f.minAmount}::numeric`);
  if (f.maxAmount !== undefined) q = q.where(sql<boolean>`discrepancies.amount <= ${f.maxAmount}::numeric`);
  if (f.assignee !== undefined) q = q.where('assignee', '=', f.assignee);
  if (f.ref !== undefined) {
    // Subjects are `<order no>`, `<refund no>`, `<order no>:<txn id>`, `txn:<txn id>`, `dup:<no>`, `his:<no>` …
    const lit = likeLiteral(f.ref);
    q = q.where((eb) =>
      eb.or([
        eb('subject', '=', f.ref!),
        eb('subject', 'like', `%:${lit}`),
        eb('subject', 'like', `${lit}:%`),
      ]),
    );
  }
  if (o.cursor) {
    const [value, id] = o.cursor;
    const cmp = sql.raw(dir === 'asc' ? '>' : '<');
    q = q.where(
      sql<boolean>`(${sql.ref(`discrepancies.${sort.column}`)}, discrepancies.discrepancy_id) ${cmp} (${value}::${sql.raw(sort.cast)}, ${id})`,
    );
  }
  const rows = await q
    // Qualified: the select list has text aliases of the same names (ORDER BY would pick those).
    .orderBy(sql.ref(`discrepancies.${sort.column}`), dir)
    .orderBy('discrepancies.discrepancy_id', dir)
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ sort_value: _s, ...r }) => r),
    next: more && last ? encodeCursor(last.sort_value, last.discrepancy_id) : null,
  };
}

/** The hospital's reconciliation days from `from` to `to` (inclusive), per channel. */
export async function dayRange(
  db: AnyDb,
  f: { hospitalId: string; from: string; to: string; channel?: string; state?: string },
  schema = RECONCILIATION_SCHEMA,
): Promise<DayRow[]> {
  let q = selectDays(db, f.hospitalId, schema)
    .where('business_date', '>=', f.from)
    .where('business_date', '<=', f.to);
  if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
  if (f.state !== undefined) q = q.where('state', '=', f.state as DayRow['state']);
  return q.orderBy('business_date', 'desc').orderBy('channel').limit(MAX_DAY_RANGE_ROWS).execute();
}

export type StatementListRow = Omit<ReconStatementsTable, 'imported_at'> & { imported_at: string };

/** The hospital's statements, newest import first, optionally of a date range and channel. */
export async function statementRows(
  db: AnyDb,
  f: { hospitalId: string; from?: string; to?: string; channel?: string; limit?: number },
  schema = RECON_STATEMENTS_SCHEMA,
): Promise<StatementListRow[]> {
  let q = tables(db, schema)
    .selectFrom('recon_statements')
    .select([
      'hospital_id',
      'statement_id',
      'sha256',
      'file',
      'format',
      'party',
      'source',
      'channel',
      'merchant_id',
      'business_date',
      'lines',
      'imported',
      'origin',
      isoText('imported_at').as('imported_at'),
    ])
    .where('hospital_id', '=', f.hospitalId);
  if (f.from !== undefined) q = q.where('business_date', '>=', f.from);
  if (f.to !== undefined) q = q.where('business_date', '<=', f.to);
  if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
  return q
    .orderBy('imported_at', 'desc')
    .orderBy('statement_id')
    .limit(Math.max(1, Math.min(MAX_PAGE, f.limit ?? DEFAULT_PAGE)))
    .execute();
}

/**
 * The channels with a statement imported for any of the dates: what "every channel" reconciles (a channel whose
 * statement has not arrived would only show every platform movement as missing from it).
 */
export async function channelsOfDates(
  db: AnyDb,
  hospitalId: string,
  dates: readonly string[],
  schema = RECON_STATEMENTS_SCHEMA,
): Promise<string[]> {
  if (dates.length === 0) return [];
  const rows = await tables(db, schema)
    .selectFrom('recon_statements')
    .select('channel')
    .distinct()
    .where('hospital_id', '=', hospitalId)
    .where('imported', '=', true)
    .where('channel', 'is not', null)
    .where('business_date', 'in', [...dates])
    .execute();
  return rows.map((r) => r.channel!).sort();
}

/** The platform movement a finding's source names (`pay:<txn>`, `refund:<no>`, `settlement:<id>`). */
export async function movementById(
  db: AnyDb,
  hospitalId: string,
  movementId: string,
  schema = RECON_MOVEMENTS_SCHEMA,
): Promise<ReconMovementsTable | undefined> {
  return tables(db, schema)
    .selectFrom('recon_movements')
    .selectAll()
    .where('hospital_id', '=', hospitalId)
    .where('movement_id', '=', movementId)
    .executeTakeFirst();
}

/** The platform movements of an order (its payment, surplus payments, refunds). */
export async function movementsOfOrder(
  db: AnyDb,
  hospitalId: string,
  orderNo: string,
  schema = RECON_MOVEMENTS_SCHEMA,
): Promise<ReconMovementsTable[]> {
  return tables(db, schema)
    .selectFrom('recon_movements')
    .selectAll()
    .where('hospital_id', '=', hospitalId)
    .where('merchant_order_no', '=', orderNo)
    .orderBy('occurred_at')
    .limit(MAX_PAGE)
    .execute();
}

/** The imported statement whose SHA-256 starts with `prefix` (a finding's line reference holds 12 digits). */
export async function statementBySha(
  db: AnyDb,
  hospitalId: string,
  prefix: string,
  schema = RECON_STATEMENTS_SCHEMA,
): Promise<Pick<ReconStatementsTable, 'statement_id' | 'sha256' | 'file' | 'party' | 'format'> | undefined> {
  if (!/^[0-9a-f]{1,64}$/.test(prefix)) return undefined;
  return tables(db, schema)
    .selectFrom('recon_statements')
    .select(['statement_id', 'sha256', 'file', 'party', 'format'])
    .where('hospital_id', '=', hospitalId)
    .where('sha256', 'like', `${prefix}%`)
    .orderBy('sha256')
    .executeTakeFirst();
}

/** The HIS writeback state of an order, where the platform has it. */
export async function hisSyncOf(
  db: AnyDb,
  hospitalId: string,
  orderId: string,
): Promise<(HisSyncJoinTable & Record<string, unknown>) | undefined> {
  const his = sql<HisSyncJoinTable>`${sql.table(`${HIS_SYNC_SCHEMA}.his_sync_status`)}`;
  return (db as AnyDb)
    .selectFrom(his.as('h'))
    .selectAll()
    .where('h.hospital_id', '=', hospitalId)
    .where('h.order_id', '=', orderId)
    .executeTakeFirst() as Promise<(HisSyncJoinTable & Record<string, unknown>) | undefined>;
}
