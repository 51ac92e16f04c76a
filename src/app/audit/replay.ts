import { sql } from 'kysely';
import type { EventStore } from '../../domain/event-store.ts';
import {
  type AnyDb,
  asOfSchema,
  type BuildProgress,
  buildProjection,
  projectionNamed,
  qualified,
} from '../../projections/index.ts';

// `ledger audit replay --as-of T`: the balances and the orders as the ledger knew them at an instant, built from
// the events into schemas of their own (beside the live read models, which stay untouched).

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

export interface Replay {
  asOf: Date;
  /** The last position recorded at or before the instant: everything up to it, nothing after. */
  position: bigint;
  schemas: { balances: string; orders: string };
  balances: ReplayedBalance[];
  orders: ReplayedOrder[];
}

export async function replayAsOf(o: ReplayOptions): Promise<Replay> {
  const position = await o.store.positionAt(o.asOf);
  const schemas = { balances: '', orders: '' };
  for (const name of ['balances', 'orders'] as const) {
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
  return { asOf: o.asOf, position, schemas, balances: balances.rows, orders: orders.rows };
}
