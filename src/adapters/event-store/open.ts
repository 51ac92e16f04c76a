import type { EventStore, Upcaster } from '../../domain/event-store.ts';
import { type Database, type DatabaseConfig, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { sqlCheckpoints } from './checkpoints.ts';
import {
  type SealAnchoring,
  type SealResult,
  sealEvents,
  type VerifyReport,
  verifyEvents,
} from './integrity.ts';
import { SqlEventStore, type SqlEventStoreOptions } from './sql-event-store.ts';

export interface Ledger {
  /** Read models, checkpoints, leases: always here, whichever store holds the events. */
  database: Database;
  store: EventStore;
  eventStore: 'sql' | 'kurrentdb';
  /** Seals every settled event not sealed yet, in the store that holds the events. */
  seal(anchoring?: SealAnchoring): Promise<SealResult>;
  /** Recomputes every hash chain and seal of the store that holds the events. */
  verify(onProgress?: (checked: number, position: bigint) => void): Promise<VerifyReport>;
  close(): Promise<void>;
}

export interface OpenLedgerOptions extends SqlEventStoreOptions {
  migrate?: boolean;
  upcasters?: readonly Upcaster[];
  /**
   * Runs after the migrations, before the store opens: callers that read or serve pass the read models'
   * schema creation (ensureReadModels), which this adapter does not know.
   */
  prepare?: (db: Database['db']) => Promise<unknown>;
}

/**
 * Opens the database, brings its schema up to date when asked, and the event store chosen by
 * `config.eventStore`: the SQL store on that database, or KurrentDB (the database then holds read models
 * and subscription checkpoints only).
 */
export async function openLedger(config: DatabaseConfig, options: OpenLedgerOptions = {}): Promise<Ledger> {
  const choice = config.eventStore ?? { kind: 'sql' };
  const database = await openDatabase(config);
  try {
    if (options.migrate) await migrateToLatest(database.db);
    await options.prepare?.(database.db);
    if (choice.kind === 'kurrentdb') return await openKurrentLedger(database, choice.url, options);
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = new SqlEventStore(database, options);
  return {
    database,
    store,
    eventStore: 'sql',
    seal: (anchoring) => sealEvents(store, anchoring),
    verify: (onProgress) => verifyEvents(database, onProgress),
    async close() {
      await store.close();
      await database.close();
    },
  };
}

async function openKurrentLedger(
  database: Database,
  url: string,
  options: OpenLedgerOptions,
): Promise<Ledger> {
  // Loaded only when chosen: the client brings a native bridge the SQL deployments never need.
  const { connectKurrentDb } = await import('./kurrentdb/connection.ts');
  const { KurrentDbEventStore } = await import('./kurrentdb/store.ts');
  const { sealKurrentEvents, verifyKurrentEvents } = await import('./kurrentdb/integrity.ts');
  const store = new KurrentDbEventStore(connectKurrentDb(url), {
    ...(options.upcasters ? { upcasters: options.upcasters } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    checkpoints: sqlCheckpoints(database),
    ownsClient: true,
  });
  return {
    database,
    store,
    eventStore: 'kurrentdb',
    seal: (anchoring) => sealKurrentEvents(store, anchoring),
    verify: (onProgress) => verifyKurrentEvents(store, onProgress),
    async close() {
      await store.close();
      await database.close();
    },
  };
}
