import { sql } from 'kysely';
import type { EventFacts, EventStore } from '../domain/event-store.ts';
import { applyBatch, createProjectionSchema, readCheckpoint } from './checkpoint.ts';
import { type PositionedPage, readPagesTo } from './pages.ts';
import {
  type AnyDb,
  type AnyTrx,
  checkIdentifier,
  liveSchema,
  type Projection,
  qualified,
  type TableOptions,
} from './projection.ts';
import {
  assertOwnSchema,
  checkBuildTarget,
  checkRebuildTarget,
  dropOwnSchema,
  projectionTables,
} from './schema-safety.ts';

export interface BuildProgress {
  position: bigint;
  target: bigint;
  events: number;
}

/** Events read per page while building; the next page is read while the current one is applied. */
export const BUILD_BATCH = 5_000;

export interface BuildOptions {
  db: AnyDb;
  store: EventStore;
  projection: Projection;
  schema: string;
  /** Stop after this position (as-of builds); default: whatever the store holds when the build starts. */
  toPosition?: bigint;
  /** Drop the schema first (only ever one of the projection's own: see schema-safety.ts). */
  fresh?: boolean;
  batchSize?: number;
  onProgress?: (p: BuildProgress) => void;
}

/**
 * Builds a projection into a schema of its own from its checkpoint (0 when fresh) up to a position. A fresh
 * build makes the tables' secondary indexes once at the end rather than keeping them up to date batch by batch;
 * a build stopped before that leaves them to the next one (every build and runner start creates what is
 * missing), so only the time differs.
 */
export async function buildProjection(o: BuildOptions): Promise<BuildProgress> {
  checkBuildTarget(o.projection, o.schema);
  const tables = await projectionTables(o.db, o.projection);
  await o.db.transaction().execute(async (trx) => {
    if (o.fresh) await dropOwnSchema(trx, o.projection, tables, o.schema);
    else await assertOwnSchema(trx, o.projection, tables, o.schema);
  });
  if (!o.fresh) return catchUpProjection(o);
  const built = await catchUp(o, { indexes: false });
  await createProjectionSchema(o.db, o.projection, o.schema);
  return built;
}

/**
 * Applies what the store holds beyond the schema's checkpoint (up to `toPosition`), creating the schema's
 * tables if need be. Drops nothing: safe on a live schema (a reaction's queue, a read model caught up on
 * demand); the checkpoint's compare-and-set keeps a live runner beside it honest.
 */
export function catchUpProjection(o: Omit<BuildOptions, 'fresh'>): Promise<BuildProgress> {
  return catchUp(o, {});
}

/** What a build reads and how it applies it: whole events, or the facts alone (the store's lean read). */
interface BuildSource<E extends EventFacts> {
  read(options: { after: bigint; maxCount: number; types: readonly string[] }): Promise<PositionedPage<E>>;
  apply(trx: AnyTrx, schema: string, events: readonly E[]): Promise<void>;
}

async function catchUp(o: Omit<BuildOptions, 'fresh'>, tables: TableOptions): Promise<BuildProgress> {
  const { store, projection } = o;
  await createProjectionSchema(o.db, projection, o.schema, tables);
  const applyFacts = projection.applyFacts;
  const readFacts = store.readFactsPage?.bind(store);
  if (applyFacts && readFacts) return applyPages(o, { read: readFacts, apply: applyFacts });
  return applyPages(o, { read: (options) => store.readAllPage(options), apply: projection.apply });
}

async function applyPages<E extends EventFacts>(
  o: Omit<BuildOptions, 'fresh'>,
  source: BuildSource<E>,
): Promise<BuildProgress> {
  const target = o.toPosition ?? (await o.store.headPosition());
  const batch = o.batchSize ?? BUILD_BATCH;
  let position = (await readCheckpoint(o.db, o.schema)) ?? 0n;
  let count = 0;
  // Only the types the projection handles are read: most of the history is skipped in the database.
  const types = [...o.projection.handles];
  const applier = { handles: o.projection.handles, apply: source.apply };
  await readPagesTo(
    (after) => source.read({ after, maxCount: batch, types }),
    position,
    target,
    async (events, upTo) => {
      if (!(await applyBatch(o.db, applier, o.schema, events, position, upTo)))
        throw new Error(`projection ${o.projection.name}: checkpoint of ${o.schema} moved during the build`);
      position = upTo;
      count += events.length;
      o.onProgress?.({ position, target, events: count });
      return upTo;
    },
  );
  return { position, target, events: count };
}

/**
 * Rebuilds a projection from position 0 beside the live one, then swaps the two schemas in one transaction.
 * Readers keep reading the old copy until the swap; a live runner continues from the new copy's checkpoint
 * (the checkpoint lives in the schema), so nothing is lost or applied twice.
 */
export async function rebuildProjection(
  o: Omit<BuildOptions, 'schema' | 'toPosition' | 'fresh'> & { schema?: string },
): Promise<BuildProgress> {
  const live = checkRebuildTarget(o.projection, o.schema ?? liveSchema(o.projection));
  const next = `${live}__next`;
  const old = `${live}__old`;
  const tables = await projectionTables(o.db, o.projection);
  const built = await buildProjection({ ...o, schema: next, fresh: true });
  // Catch up what arrived during the build, then swap.
  const final = await buildProjection({ ...o, schema: next, fresh: false, onProgress: undefined });
  await o.db.transaction().execute(async (trx) => {
    const liveExists = (await readCheckpoint(trx, live)) !== undefined;
    if (liveExists) {
      // Waits for a live runner's batch in flight; its next batch sees the swapped schema.
      await sql`LOCK TABLE ${qualified(live, 'projection_checkpoint')} IN ACCESS EXCLUSIVE MODE`.execute(trx);
      await dropOwnSchema(trx, o.projection, tables, old);
      await assertOwnSchema(trx, o.projection, tables, live);
      await sql`ALTER SCHEMA ${sql.id(live)} RENAME TO ${sql.id(old)}`.execute(trx);
    }
    await assertOwnSchema(trx, o.projection, tables, next);
    await sql`ALTER SCHEMA ${sql.id(next)} RENAME TO ${sql.id(live)}`.execute(trx);
    if (liveExists) await sql`DROP SCHEMA ${sql.id(old)} CASCADE`.execute(trx);
  });
  return { ...final, events: built.events + final.events };
}

/** `asof_<name>_<yyyymmddhhmmss>`: where an as-of build goes unless told otherwise. */
export function asOfSchema(projection: Projection, instant: Date): string {
  const stamp = instant
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  return checkIdentifier(`asof_${projection.name}_${stamp}`);
}
