// The database as kysely sees it: every table the ledger reads, keyed by its unqualified name. Queries name
// the schema with `withSchema`, so the same typed query reads a live read model (rm_<name>), a rebuild beside
// it, or an as-of copy.
import type { Kysely } from 'kysely';
import type { AnyDb, AnyTrx, RowOf } from './projection.ts';
import type { dailyTotalsTable } from './read-models/daily-totals.ts';
import type { depositBalancesTable } from './read-models/deposits.ts';
import type { hisSyncTable } from './read-models/his-sync.ts';
import type { ordersTable } from './read-models/orders.ts';
import type { paymentAttemptsTable } from './read-models/payment-attempts.ts';
import type { schedulesTable, scheduleRunsTable } from './read-models/schedules.ts';
import type { accountBalancesTable, journalLinesTable } from './read-models/ledger.ts';
import type { ReconciliationTables } from './reconciliation/tables.ts';
import type { DefaultedTimestamp, Generated, Int8Column, TimestampColumn } from './columns.ts';

/** In every projection schema: where the read model stands and which code version built it. */
export interface ProjectionCheckpointTable {
  projection: string;
  position: Int8Column;
  version: number;
  updated_at: DefaultedTimestamp;
}

/** The ledger's own read models (balances, journal, orders, HIS sync, deposits, daily totals). */
export interface LedgerTables {
  account_balances: RowOf<typeof accountBalancesTable>;
  journal_lines: RowOf<typeof journalLinesTable>;
  orders: RowOf<typeof ordersTable>;
  his_sync_status: RowOf<typeof hisSyncTable>;
  deposit_balances: RowOf<typeof depositBalancesTable>;
  daily_totals: RowOf<typeof dailyTotalsTable>;
  schedules: RowOf<typeof schedulesTable>;
  schedule_runs: RowOf<typeof scheduleRunsTable>;
  payment_attempts: RowOf<typeof paymentAttemptsTable>;
  projection_checkpoint: ProjectionCheckpointTable;
}

export interface ReadModels extends LedgerTables, ReconciliationTables {}

/** The event store (schema public; migrations/0001). Written only through append_event_rows() (migrations/0145). */
export interface EventStoreTables {
  events: {
    position: Generated<string>;
    stream_id: string;
    hospital_id: string;
    stream_version: number;
    event_id: string;
    type: string;
    schema_version: number;
    data: unknown;
    metadata: unknown;
    occurred_at: TimestampColumn;
    recorded_at: DefaultedTimestamp;
    content_hash: Uint8Array;
    hash: Uint8Array;
  };
  streams: {
    stream_id: string;
    hospital_id: string;
    version: number;
    last_hash: Uint8Array;
    created_at: DefaultedTimestamp;
    updated_at: DefaultedTimestamp;
  };
  idempotency_keys: {
    hospital_id: string;
    key: string;
    request_hash: string;
    stream_id: string;
    next_version: number | null;
    first_position: Int8Column | null;
    last_position: Int8Column | null;
    created_at: DefaultedTimestamp;
  };
  seals: {
    seal_no: Int8Column;
    from_position: Int8Column;
    to_position: Int8Column;
    event_count: number;
    prev_hash: Uint8Array;
    hash: Uint8Array;
    sealed_at: DefaultedTimestamp;
  };
  /** Named subscriptions' positions. */
  checkpoints: { name: string; position: Int8Column; updated_at: DefaultedTimestamp };
}

/** Schema of the bus tables (migrations/0003). */
export const BUS_SCHEMA = 'bus';

export interface BusTables {
  clients: {
    client_id: string;
    hospital_id: string;
    kind: string;
    channel_id: string | null;
    sealed_secret: string;
    disabled: Generated<boolean>;
    read_scope: Generated<string>;
    patient_ids: Generated<string>;
    created_at: DefaultedTimestamp;
    updated_at: DefaultedTimestamp;
  };
}

export interface Database extends ReadModels, EventStoreTables, BusTables {}

/** A handle for typed queries (the untyped `Kysely<any>` of the database adapter is assignable to it). */
export type ReadDb = Kysely<Database>;

/** The same handle, typed (a transaction included: it is a Kysely too). */
export function typed(db: AnyDb | AnyTrx): ReadDb {
  return db as ReadDb;
}
