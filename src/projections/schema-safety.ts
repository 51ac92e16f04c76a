import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type AnyDb, type AnyTrx, checkIdentifier, type Projection } from './projection.ts';

/**
 * Builds drop and rename schemas. Whatever they drop must be something a build created: the name must be one
 * of the projection's own (`asof_<projection>[_…]`, `rm_<projection>`, `rm_<projection>__next|__old`) and
 * the schema may hold nothing but the projection's tables and its checkpoint. `public`, the system schemas,
 * the event store and other projections' schemas never pass.
 */
export class UnsafeSchemaError extends Error {
  readonly code = 'UNSAFE_SCHEMA';
  constructor(
    readonly schema: string,
    reason: string,
  ) {
    super(`refusing schema "${schema}": ${reason}`);
    this.name = 'UnsafeSchemaError';
  }
}

/** The rebuild's scratch copies: `<live>__next` is built, the old live copy becomes `<live>__old`. */
export const REBUILD_SUFFIXES = ['__next', '__old'] as const;
const MAX_IDENTIFIER = 63;

function checked(projection: Projection, schema: string, pattern: RegExp, expected: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new UnsafeSchemaError(schema, 'not a plain SQL identifier');
  if (!pattern.test(schema))
    throw new UnsafeSchemaError(schema, `projection ${projection.name} builds only into ${expected}`);
  return schema;
}

/** Where buildProjection may write (and drop first): an as-of copy or the rebuild's scratch copy. */
export function checkBuildTarget(projection: Projection, schema: string): string {
  const n = checkIdentifier(projection.name);
  return checked(
    projection,
    schema,
    new RegExp(`^(?:asof_${n}(?:_[a-z0-9_]+)?|rm_${n}__next)$`),
    `asof_${n}[_…] or rm_${n}__next`,
  );
}

/** What rebuildProjection may swap out: the projection's live schema (or an as-of copy of it). */
export function checkRebuildTarget(projection: Projection, live: string): string {
  const n = checkIdentifier(projection.name);
  checked(
    projection,
    live,
    new RegExp(`^(?:rm_${n}|asof_${n}(?:_[a-z0-9_]+)?)$`),
    `rm_${n} or asof_${n}[_…]`,
  );
  if (
    live.endsWith('__next') ||
    live.length + Math.max(...REBUILD_SUFFIXES.map((s) => s.length)) > MAX_IDENTIFIER
  )
    throw new UnsafeSchemaError(live, 'its rebuild copies would not have names of their own');
  return live;
}

const tablesOf = new WeakMap<Projection, Promise<ReadonlySet<string>>>();

class Probed extends Error {
  constructor(readonly tables: ReadonlySet<string>) {
    super('probe rolled back');
  }
}

/**
 * The tables a projection creates, learnt by letting it create them in a scratch schema inside a transaction
 * that is then rolled back: always what `createTables` really does, with nothing left behind.
 */
export function projectionTables(db: AnyDb, projection: Projection): Promise<ReadonlySet<string>> {
  let known = tablesOf.get(projection);
  if (!known) {
    known = db
      .transaction()
      .execute(async (trx) => {
        const probe = `probe_${randomUUID().replaceAll('-', '')}`;
        await sql`CREATE SCHEMA ${sql.id(probe)}`.execute(trx);
        await projection.createTables(trx, probe);
        const { rows } = await sql<{ relname: string }>`
          SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ${probe} AND c.relkind IN ('r', 'p')`.execute(trx);
        throw new Probed(new Set(rows.map((r) => r.relname)));
      })
      .then(
        () => new Set<string>(),
        (e: unknown) => {
          if (e instanceof Probed) return e.tables;
          throw e;
        },
      );
    tablesOf.set(projection, known);
    known.catch(() => tablesOf.delete(projection));
  }
  return known;
}

/**
 * Refuses (UnsafeSchemaError) a schema that holds anything but this projection's tables, their indexes and
 * sequences, and its checkpoint, or whose tables something outside depends on (a view, a foreign key): all of
 * that would go with a DROP SCHEMA … CASCADE. A schema that does not exist passes.
 */
export async function assertOwnSchema(
  db: AnyDb | AnyTrx,
  projection: Projection,
  tables: ReadonlySet<string>,
  schema: string,
): Promise<void> {
  const own = new Set([...tables, 'projection_checkpoint']);
  const { rows: found } = await sql<{ oid: string }>`
    SELECT oid::text FROM pg_namespace WHERE nspname = ${schema}`.execute(db);
  const nsp = found[0]?.oid;
  if (nsp === undefined) return;
  const { rows: relations } = await sql<{ relname: string; relkind: string; owner: string | null }>`
    SELECT c.relname, c.relkind::text,
      (SELECT o.relname FROM pg_depend d JOIN pg_class o ON o.oid = d.refobjid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
          AND d.deptype IN ('a', 'i') LIMIT 1) AS owner
    FROM pg_class c WHERE c.relnamespace = ${nsp}::oid`.execute(db);
  const foreign = relations.filter((r) =>
    r.relkind === 'r'
      ? !own.has(r.relname)
      : !['i', 'S'].includes(r.relkind) || (r.relkind === 'S' && !own.has(r.owner ?? '')),
  );
  if (foreign.length > 0)
    throw new UnsafeSchemaError(
      schema,
      `it holds ${foreign.map((r) => r.relname).join(', ')}, which projection ${projection.name} did not create`,
    );
  const { rows: others } = await sql<{ what: string }>`
    SELECT 'function ' || proname AS what FROM pg_proc WHERE pronamespace = ${nsp}::oid
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t
      WHERE t.typnamespace = ${nsp}::oid AND t.typrelid = 0
        AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typrelid <> 0)
    UNION ALL
    SELECT 'a dependent ' || d.classid::regclass::text FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid
      WHERE d.refclassid = 'pg_class'::regclass AND c.relnamespace = ${nsp}::oid AND d.deptype = 'n'
        -- a table's own CHECK constraint depends 'normally' on its columns: it goes with the table
        AND NOT (d.classid = 'pg_constraint'::regclass AND EXISTS (
          SELECT 1 FROM pg_constraint k JOIN pg_class kc ON kc.oid = k.conrelid
          WHERE k.oid = d.objid AND kc.relnamespace = ${nsp}::oid))
    LIMIT 5`.execute(db);
  if (others.length > 0)
    throw new UnsafeSchemaError(schema, `it holds or feeds ${others.map((r) => r.what).join(', ')}`);
  if (relations.some((r) => r.relname === 'projection_checkpoint')) {
    const { rows } = await sql<{ projection: string }>`
      SELECT projection FROM ${sql.id(schema, 'projection_checkpoint')}
      WHERE projection <> ${projection.name} LIMIT 1`.execute(db);
    if (rows[0])
      throw new UnsafeSchemaError(schema, `it holds the checkpoint of projection ${rows[0].projection}`);
  }
}

/** Drops a schema after checking, in the same transaction, that it is the projection's own. */
export async function dropOwnSchema(
  trx: AnyTrx,
  projection: Projection,
  tables: ReadonlySet<string>,
  schema: string,
): Promise<void> {
  await assertOwnSchema(trx, projection, tables, schema);
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(trx);
}
