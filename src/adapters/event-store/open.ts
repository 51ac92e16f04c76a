import { type Database, type DatabaseConfig, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { SqlEventStore, type SqlEventStoreOptions } from './sql-event-store.ts';

export interface Ledger {
  database: Database;
  store: SqlEventStore;
  close(): Promise<void>;
}

export interface OpenLedgerOptions extends SqlEventStoreOptions {
  migrate?: boolean;
  /**
   * Runs after the migrations, before the store opens: callers that read or serve pass the read models'
   * schema creation (ensureReadModels), which this adapter does not know.
   */
  prepare?: (db: Database['db']) => Promise<unknown>;
}

/** Opens the database, brings its schema up to date when asked, and the event store on it. */
export async function openLedger(config: DatabaseConfig, options: OpenLedgerOptions = {}): Promise<Ledger> {
  const database = await openDatabase(config);
  try {
    if (options.migrate) await migrateToLatest(database.db);
    await options.prepare?.(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = new SqlEventStore(database, options);
  return {
    database,
    store,
    async close() {
      await store.close();
      await database.close();
    },
  };
}
