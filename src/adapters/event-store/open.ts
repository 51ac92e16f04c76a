import type { EventStore, Upcaster } from '../../domain/event-store.ts';
import { type Database, type DatabaseConfig, openDatabase } from '../db/database.ts';
import { migrateToLatest, migrationsFingerprint } from '../db/migrate.ts';
import { seedFromTemplate } from '../db/pglite-template.ts';
import { type StampPart, stampsMatch, writeStamps } from '../db/schema-stamp.ts';
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
   * schema creation (readModelPreparation), which this adapter does not know. A plain function runs on every
   * start; a Preparation is skipped, like the migrations, while the database's stamp says it is done.
   */
  prepare?: ((db: Database['db']) => Promise<unknown>) | Preparation;
}

/** Schema work after the migrations, and how to tell it is already done (schema-stamp.ts). */
export interface Preparation {
  /** Names the work's stamp. */
  part: string;
  run(db: Database['db']): Promise<unknown>;
  /** Changes whenever `run` would make something different. */
  fingerprint(): Promise<string>;
  /** The schemas `run` makes: the work counts as done only while they all exist. */
  schemas(): readonly string[];
}

/**
 * Opens the database, brings its schema up to date when asked, and the event store chosen by
 * `config.eventStore`: the SQL store on that database, or KurrentDB (the database then holds read models
 * and subscription checkpoints only).
 */
export async function openLedger(config: DatabaseConfig, options: OpenLedgerOptions = {}): Promise<Ledger> {
  const choice = config.eventStore ?? { kind: 'sql' };
  const parts = await stampParts(options);
  await seedPreparedFolder(config, options, parts);
  const database = await openDatabase(config);
  try {
    await bringSchemaUp(database, options, parts);
    if (choice.kind === 'kurrentdb') return await openKurrentLedger(database, choice.url, options);
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = new SqlEventStore(database, options);
  return ledgerOver(database, store, 'sql', {
    seal: (anchoring) => sealEvents(store, anchoring),
    verify: (onProgress) => verifyEvents(database, onProgress),
  });
}

/** A Ledger over an open store; closing it closes the store, then the database. */
function ledgerOver(
  database: Database,
  store: EventStore & { close(): Promise<void> },
  eventStore: Ledger['eventStore'],
  integrity: Pick<Ledger, 'seal' | 'verify'>,
): Ledger {
  return {
    database,
    store,
    eventStore,
    ...integrity,
    async close() {
      await store.close();
      await database.close();
    },
  };
}

/** The fingerprints of the schema work `options` asks for. */
async function stampParts(options: OpenLedgerOptions): Promise<StampPart[]> {
  const parts: StampPart[] = [];
  if (options.migrate) parts.push({ part: 'migrations', fingerprint: migrationsFingerprint() });
  const prepare = options.prepare;
  if (prepare && typeof prepare !== 'function')
    parts.push({ part: prepare.part, fingerprint: await prepare.fingerprint() });
  return parts;
}

/**
 * Migrates and prepares as `options` ask, unless the stamp shows this code's work is already done (one query);
 * stamps what it did. A plain-function `prepare` always runs.
 */
async function bringSchemaUp(
  database: Database,
  options: OpenLedgerOptions,
  parts: StampPart[],
): Promise<void> {
  const { db } = database;
  const prepare = options.prepare;
  const schemas = prepare && typeof prepare !== 'function' ? prepare.schemas() : [];
  if (!(await stampsMatch(db, parts, schemas))) {
    if (options.migrate) await migrateToLatest(db);
    if (prepare && typeof prepare !== 'function') await prepare.run(db);
    await writeStamps(db, parts);
  }
  if (typeof prepare === 'function') await prepare(db);
}

/**
 * A new PGlite folder starts as a copy of one already migrated and prepared by this code (made once per
 * checkout and schema, see pglite-template.ts), so its first start skips initdb and the schema work.
 */
async function seedPreparedFolder(
  config: DatabaseConfig,
  options: OpenLedgerOptions,
  parts: StampPart[],
): Promise<void> {
  if (config.url || config.loadDataDir || !config.dataDir || parts.length === 0) return;
  if (typeof options.prepare === 'function') return;
  const key = parts.map((p) => `${p.part}=${p.fingerprint}`).join(' ');
  await seedFromTemplate(
    config.dataDir,
    async (dir) => {
      const database = await openDatabase({ dataDir: dir });
      try {
        await bringSchemaUp(database, options, parts);
      } catch (error) {
        await database.close();
        throw error;
      }
      return database;
    },
    process.env,
    key,
  );
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
  return ledgerOver(database, store, 'kurrentdb', {
    seal: (anchoring) => sealKurrentEvents(store, anchoring),
    verify: (onProgress) => verifyKurrentEvents(store, onProgress),
  });
}
