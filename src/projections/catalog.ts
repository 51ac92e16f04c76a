import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { createHash } from 'node:crypto';
import type { BusinessDateOptions } from '../domain/business-date.ts';
import { createProjectionSchema } from './checkpoint.ts';
import { type AnyDb, liveSchema, type Projection } from './projection.ts';
import { dailyTotalsProjection } from './read-models/daily-totals.ts';
import { depositsProjection } from './read-models/deposits.ts';
import { hisSyncProjection } from './read-models/his-sync.ts';
import { mappingsProjection } from './read-models/mappings.ts';
import { balancesProjection, journalProjection } from './read-models/ledger.ts';
import { ordersProjection } from './read-models/orders.ts';
import { paymentAttemptsProjection } from './read-models/payment-attempts.ts';
import { scheduleRunsProjection, schedulesProjection } from './read-models/schedules.ts';
import { reconMovementsProjection, reconStatementsProjection } from './reconciliation/movements.ts';
import { reconciliationProjection } from './reconciliation/read-models.ts';

/** Every projection the platform keeps, by name. Live tables live in schema rm_<name>. */
export function allProjections(dateOptions: BusinessDateOptions = {}): Projection[] {
  return [
    balancesProjection,
    journalProjection,
    ordersProjection,
    hisSyncProjection,
    depositsProjection,
    dailyTotalsProjection(dateOptions),
    reconMovementsProjection(dateOptions),
    reconStatementsProjection,
    reconciliationProjection,
    mappingsProjection,
    schedulesProjection,
    scheduleRunsProjection,
    paymentAttemptsProjection,
  ];
}

export function projectionNamed(name: string, dateOptions: BusinessDateOptions = {}): Projection {
  const p = allProjections(dateOptions).find((x) => x.name === name);
  if (!p)
    throw new Error(
      `unknown projection "${name}"; known: ${allProjections()
        .map((x) => x.name)
        .join(', ')}`,
    );
  return p;
}

export interface ReadModelState {
  name: string;
  schema: string;
  /** Code version. */
  version: number;
  /** Version whose tables the live schema holds. */
  storedVersion: number;
  /** created: made now, empty, at position 0; current: holds this version; stale: a runner rebuilds it. */
  state: 'created' | 'current' | 'stale';
}

/** Key of the transaction-level advisory lock that serialises read-model schema creation across processes. */
const ENSURE_LOCK_KEY = 0x4c45_5244; // "LERD"

/**
 * Read models are owned here, not by the migrations: creates every live schema that is missing (tables,
 * indexes, checkpoint at position 0 stamped with the code version) and reports each one's version. A schema
 * another code version built is left untouched for its runner to rebuild beside it and swap in; until then
 * readers keep reading it. Safe to call from several processes at once.
 */
export async function ensureReadModels(
  db: AnyDb,
  projections: readonly Projection[] = allProjections(),
): Promise<ReadModelState[]> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${ENSURE_LOCK_KEY})`.execute(trx);
    const existing = new Set(
      (
        await sql<{ nspname: string }>`SELECT nspname FROM pg_namespace WHERE nspname = ANY(${projections.map(
          liveSchema,
        )})`.execute(trx)
      ).rows.map((r) => r.nspname),
    );
    const states: ReadModelState[] = [];
    for (const p of projections) {
      const schema = liveSchema(p);
      const storedVersion = await createProjectionSchema(trx, p, schema);
      const state = !existing.has(schema) ? 'created' : storedVersion === p.version ? 'current' : 'stale';
      states.push({ name: p.name, schema, version: p.version, storedVersion, state });
    }
    return states;
  });
}

/**
 * The statements ensureReadModels would run on a database that holds nothing yet, and those creating every
 * projection's tables: run against a driver that executes nothing and records them. Their digest changes
 * whenever a read model's schema does (a table, a column, an index, a version).
 */
async function readModelStatements(projections: readonly Projection[]): Promise<string[]> {
  const statements: string[] = [];
  const recorder = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (e) => {
      if (e.level === 'query') statements.push(`${e.query.sql} ${JSON.stringify(e.query.parameters)}`);
    },
  });
  const db = recorder as AnyDb;
  await ensureReadModels(db, projections);
  for (const p of projections) await p.createTables(db, liveSchema(p));
  return statements;
}

/** A digest of every statement that makes `projections`' schemas: it changes whenever one of them does. */
export async function readModelsFingerprint(projections: readonly Projection[]): Promise<string> {
  const statements = await readModelStatements(projections);
  return createHash('sha256').update(statements.join('\n')).digest('hex').slice(0, 24);
}

/**
 * The read models' schema work as a start runs it: what ensureReadModels makes, the digest that tells when it
 * is already done (stamped by the start that did it), and the schemas that must still exist.
 */
export const readModelPreparation = {
  part: 'read-models',
  run: (db: AnyDb) => ensureReadModels(db),
  async fingerprint(): Promise<string> {
    fingerprintMemo ??= readModelsFingerprint(allProjections());
    return fingerprintMemo;
  },
  schemas: (): string[] => allProjections().map(liveSchema),
};
let fingerprintMemo: Promise<string> | undefined;
