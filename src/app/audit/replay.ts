import { sql } from 'kysely';
import type { EventStore } from '../../domain/event-store.ts';
import type { DiscrepancyState } from '../../domain/reconciliation/discrepancy.ts';
import {
  type AnyDb,
  asOfSchema,
  type BuildProgress,
  buildProjection,
  projectionNamed,
  qualified,
} from '../../projections/index.ts';

// `ledger audit replay --as-of T`: the balances, the orders and the reconciliation (days and discrepancies) as the
// ledger knew them at an instant, built from the events into schemas of their own (beside the live read models,
// which stay untouched).

/** Orders returned at most (a replay is read by a person; the schema keeps them all). */
export const MAX_REPLAY_ORDERS = 10_000;

export interface ReplayOptions {
  db: AnyDb;
  store: EventStore;
  asOf: Date;
  hospitalId?: string;
  onProgress?: (projection: string, p: BuildProgress) => void;
}

export interface ReplayedBalance {
  hospitalId: string;
  account: string;
  kind: string;
  debitTotal: string;
  creditTotal: string;
  balance: string;
  entries: number;
}

export interface ReplayedOrder {
  hospitalId: string;
  orderId: string;
  kind: string;
  status: string;
  amount: string;
  paid: string;
  refunded: string;
  outstanding: string;
  channel: string | null;
  channelTxnId: string | null;
}

export interface ReplayedReconDay {
  hospitalId: string;
  channel: string;
  businessDate: string;
  state: string;
  runs: number;
  matchedCount: number;
  matchedAmount: string;
  pendingCount: number;
  discrepanciesOpen: number;
  discrepanciesResolved: number;
}

export interface ReplayedDiscrepancy
  extends Pick<DiscrepancyState, 'discrepancyId' | 'channel' | 'businessDate' | 'subject' | 'amount'> {
  hospitalId: string;
  type: string;
  status: string;
  action: string | null;
}

export interface Replay {
  asOf: Date;
  /** The last position recorded at or before the instant: everything up to it, nothing after. */
  position: bigint;
  schemas: { balances: string; orders: string; reconciliation: string };
  balances: ReplayedBalance[];
  orders: ReplayedOrder[];
  reconciliation: { days: ReplayedReconDay[]; discrepancies: ReplayedDiscrepancy[] };
}

export async function replayAsOf(o: ReplayOptions): Promise<Replay> {
  const position = await o.store.positionAt(o.asOf);
  const schemas = { balances: '', orders: '', reconciliation: '' };
  for (const name of ['balances', 'orders', 'reconciliation'] as const) {
    const projection = projectionNamed(name);
    schemas[name] = asOfSchema(projection, o.asOf);
    await buildProjection({
      db: o.db,
      store: o.store,
      projection,
      schema: schemas[name],
      toPosition: position,
      fresh: true,
      onProgress: (p) => o.onProgress?.(name, p),
    });
  }
  const hospital = o.hospitalId ?? null;
  const balances = await sql<ReplayedBalance>`
    SELECT hospital_id AS "hospitalId", account, kind, debit_total::text AS "debitTotal",
           credit_total::text AS "creditTotal", balance::text AS balance, entries
    FROM ${qualified(schemas.balances, 'account_balances')}
    WHERE ${hospital}::text IS NULL OR hospital_id = ${hospital}
    ORDER BY hospital_id, account`.execute(o.db);
  const orders = await sql<ReplayedOrder>`
    SELECT hospital_id AS "hospitalId", order_id AS "orderId", kind, status, amount::text AS amount,
           paid::text AS paid, refunded::text AS refunded, outstanding::text AS outstanding, channel,
           channel_txn_id AS "channelTxnId"
    FROM ${qualified(schemas.orders, 'orders')}
    WHERE ${hospital}::text IS NULL OR hospital_id = ${hospital}
    ORDER BY hospital_id, order_id LIMIT ${MAX_REPLAY_ORDERS}`.execute(o.db);
  const days = await sql<ReplayedReconDay>`
    SELECT hospital_id AS "hospitalId", channel, business_date AS "businessDate", state, runs,
           matched_count AS "matchedCount", matched_amount::text AS "matchedAmount", pending_count AS "pendingCount",
           discrepancies_open AS "discrepanciesOpen", discrepancies_resolved AS "discrepanciesResolved"
    FROM ${qualified(schemas.reconciliation, 'recon_days')}
    WHERE ${hospital}::text IS NULL OR hospital_id = ${hospital}
    ORDER BY hospital_id, business_date, channel LIMIT ${MAX_REPLAY_ORDERS}`.execute(o.db);
  const discrepancies = await sql<ReplayedDiscrepancy>`
    SELECT hospital_id AS "hospitalId", discrepancy_id AS "discrepancyId", type, channel,
           business_date AS "businessDate", subject, amount::text AS amount, status, action
    FROM ${qualified(schemas.reconciliation, 'discrepancies')}
    WHERE ${hospital}::text IS NULL OR hospital_id = ${hospital}
    ORDER BY hospital_id, business_date, discrepancy_id LIMIT ${MAX_REPLAY_ORDERS}`.execute(o.db);
  return {
    asOf: o.asOf,
    position,
    schemas,
    balances: balances.rows,
    orders: orders.rows,
    reconciliation: { days: days.rows, discrepancies: discrepancies.rows },
  };
}
