import { type Kysely, sql, type Transaction } from 'kysely';
import type { EventFacts, RecordedEvent } from '../domain/event-store.ts';
import { MAX_TOTAL_INTEGER_DIGITS } from '../domain/money.ts';
import type { Int8Column, NumericColumn, ReadModelId, TimestampColumn } from './columns.ts';

// biome-ignore lint/suspicious/noExplicitAny: read-model tables are addressed by schema-qualified names built at run time
export type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: see AnyDb
export type AnyTrx = Transaction<any>;

/**
 * A projection turns events into read-model rows. It owns the tables it creates in its schema; the runner
 * commits the changes of a batch of events together with the schema's checkpoint, so a crash anywhere
 * neither loses nor double-applies an event. `createTables` takes the schema name so the same projection
 * can be built beside the live one (rebuild) or into a separate schema (as-of).
 */
export interface Projection {
  readonly name: string;
  /**
   * Version of the read model's code (tables and how events change them). Stored with the checkpoint; a
   * runner that finds another version rebuilds the read model before following live. Bump it whenever a
   * table or an `apply` changes.
   */
  readonly version: number;
  /** What the read model answers, for `ledger projections list` and the docs. */
  readonly description: string;
  /** Event types it reads; the runner skips the rest (their positions still advance the checkpoint). */
  readonly handles: ReadonlySet<string>;
  /** `indexes: false` leaves out secondary indexes (a fresh build makes them once at its end); default true. */
  createTables(db: AnyDb | AnyTrx, schema: string, options?: TableOptions): Promise<void>;
  /** Applies events (in position order, all of handled types) inside the batch's transaction. */
  apply(trx: AnyTrx, schema: string, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * apply, for a projection that needs only each event's facts (no metadata, ids or hash): its builds read
   * the store's lean page (readFactsPage) and apply it here. The result must be apply's on the same events.
   */
  applyFacts?(trx: AnyTrx, schema: string, events: readonly EventFacts[]): Promise<void>;
}

export interface TableOptions {
  indexes?: boolean;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL identifier: ${name}`);
  return name;
}

/** Where a projection's live tables are: `rm_<name>`. Every reader takes the name from here. */
export function liveSchemaName(projectionName: string): string {
  return checkIdentifier(`rm_${projectionName}`);
}

/** The live schema of a projection: `rm_<name>`. */
export function liveSchema(projection: Projection): string {
  return liveSchemaName(projection.name);
}

/** A read model's name, live schema (derived from the name) and code version. */
export function readModel(name: string, version: number): ReadModelId {
  return { name, schema: liveSchemaName(name), version };
}

/** `schema.table`, both checked: read-model names are built at run time, never from user input unchecked. */
export function qualified(schema: string, table: string) {
  return sql.raw(`${checkIdentifier(schema)}.${checkIdentifier(table)}`);
}

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/**
 * A column of a TableSpec: its SQL type and the comment that documents it. `Read` is how kysely reads the
 * column (compile time only), so a table's row type comes from the same declaration as its DDL.
 */
export interface ColumnSpec<Read = unknown> {
  readonly type: string;
  readonly comment: string;
  /** Never set: carries the column's TypeScript type to `RowOf`. */
  readonly read?: Read;
}

const typed =
  <Read>(type: string) =>
  (comment: string): ColumnSpec<Read> => ({ type, comment });

/**
 * Column helpers for TableSpec. Money is read back as text and parsed into Money: one amount is numeric(18,2);
 * a sum of amounts (running totals, balances) is numeric(30,2), read with Money.parseTotal. Bigints (event
 * positions) are text too; timestamptz is a Date.
 */
export const column = {
  text: <T extends string = string>(comment: string): ColumnSpec<T> => ({ type: 'text NOT NULL', comment }),
  optionalText: typed<string | null>('text'),
  uuid: typed<string>('uuid NOT NULL'),
  integer: typed<number>('integer NOT NULL'),
  optionalInteger: typed<number | null>('integer'),
  position: typed<Int8Column>('bigint NOT NULL'),
  boolean: typed<boolean>('boolean NOT NULL'),
  money: typed<NumericColumn>('numeric(18,2) NOT NULL'),
  optionalMoney: typed<NumericColumn | null>('numeric(18,2)'),
  total: typed<NumericColumn>(`numeric(${MAX_TOTAL_INTEGER_DIGITS + 2},2) NOT NULL`),
  time: typed<TimestampColumn>('timestamptz NOT NULL'),
  optionalTime: typed<TimestampColumn | null>('timestamptz'),
  json: <T = unknown>(comment: string): ColumnSpec<T> => ({ type: 'jsonb NOT NULL', comment }),
  /** Any other SQL type (a CHECK, a DEFAULT). */
  sql: <T>(type: string, comment: string): ColumnSpec<T> => ({ type, comment }),
};

export interface TableSpec {
  table: string;
  /** Column name → SQL type, key columns included. The comment documents the column. */
  columns: Record<string, ColumnSpec>;
  key: readonly string[];
  /** Extra indexes, each a column list such as `hospital_id, status`. */
  indexes?: readonly string[];
  comment: string;
}

/** A table of a read model, declared with `column` helpers; its row type is `RowOf<typeof spec>`. */
export function table<S extends TableSpec>(spec: S): S {
  return spec;
}

/** A table of one hospital's rows: the tenant column `hospital_id` leads both its columns and its key. */
export function tenantTable<S extends TableSpec>(
  spec: S,
): Omit<S, 'columns'> & { columns: { hospital_id: ColumnSpec<string> } & S['columns'] } {
  return {
    ...spec,
    key: ['hospital_id', ...spec.key],
    columns: { hospital_id: column.text('Tenant.'), ...spec.columns },
  };
}

/** A table's row as kysely reads it, from its TableSpec (declared with `column` and `satisfies TableSpec`). */
export type RowOf<S extends TableSpec> = {
  -readonly [K in keyof S['columns']]: S['columns'][K] extends ColumnSpec<infer Read> ? Read : never;
};

export async function createTable(
  db: AnyDb | AnyTrx,
  schema: string,
  spec: TableSpec,
  options: TableOptions = {},
): Promise<void> {
  const cols = Object.entries(spec.columns).map(([name, c]) => `${checkIdentifier(name)} ${c.type}`);
  await sql`CREATE TABLE IF NOT EXISTS ${qualified(schema, spec.table)} (
    ${sql.raw(cols.join(',\n    '))},
    PRIMARY KEY (${sql.raw(spec.key.map(checkIdentifier).join(', '))}))`.execute(db);
  for (const [i, idx] of (options.indexes === false ? [] : (spec.indexes ?? [])).entries()) {
    const columns = idx.split(',').map((c) => checkIdentifier(c.trim()));
    await sql`CREATE INDEX IF NOT EXISTS ${sql.raw(checkIdentifier(`${spec.table}_i${i + 1}`))}
      ON ${qualified(schema, spec.table)} (${sql.raw(columns.join(', '))})`.execute(db);
  }
  await sql`COMMENT ON TABLE ${qualified(schema, spec.table)} IS ${sql.lit(spec.comment)}`.execute(db);
  for (const [name, c] of Object.entries(spec.columns))
    await sql`COMMENT ON COLUMN ${sql.raw(`${schema}.${spec.table}.${name}`)} IS ${sql.lit(c.comment)}`.execute(
      db,
    );
}

/** Rows per statement when writing a batch. */
const WRITE_CHUNK = 2_000;

/** A column's SQL type without its constraints: `numeric(18,2)`, `text`. */
function baseType(spec: TableSpec, column: string): string {
  return spec.columns[column]!.type.split(/\s+(?:NOT|DEFAULT|CHECK|NULL)\b/i)[0]!;
}

const text = (v: unknown): string =>
  v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** One PostgreSQL array literal of a column's values (jsonb values as their JSON text). */
function arrayLiteral(values: readonly unknown[]): string {
  const item = (v: unknown) =>
    v === null || v === undefined ? 'NULL' : `"${text(v).replace(/[\\"]/g, '\\$&')}"`;
  return `{${values.map(item).join(',')}}`;
}

/**
 * `unnest($1::type[], …) AS alias(columns)`: rows sent as one typed array per column, each parsed by its
 * type's own input (no JSON document to parse and pick apart first); the same SQL on PostgreSQL and PGlite.
 */
function unnestRows(spec: TableSpec, columns: readonly string[], rows: readonly Row[], alias: string) {
  const arrays = columns.map(
    (c) => sql`${arrayLiteral(rows.map((r) => r[c]))}::${sql.raw(baseType(spec, c))}[]`,
  );
  return sql`unnest(${sql.join(arrays)}) AS ${sql.raw(alias)}(${sql.raw(columns.join(', '))})`;
}

function normalise(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : (v as Cell);
  return out;
}

/** Inserts rows (one typed array per column, see unnestRows); `upsert` replaces by key. */
export async function writeRows(
  trx: AnyTrx,
  schema: string,
  spec: TableSpec,
  rows: readonly Row[],
  mode: 'upsert' | 'insert-new',
): Promise<void> {
  const columns = Object.keys(spec.columns);
  const nonKey = columns.filter((c) => !spec.key.includes(c));
  const onConflict =
    mode === 'upsert' && nonKey.length > 0
      ? `ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET ${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')}`
      : `ON CONFLICT (${spec.key.join(', ')}) DO NOTHING`;
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const chunk = rows.slice(i, i + WRITE_CHUNK);
    await sql`INSERT INTO ${qualified(schema, spec.table)} (${sql.raw(columns.join(', '))})
      SELECT ${sql.raw(columns.join(', '))} FROM ${unnestRows(spec, columns, chunk, 'x')}
      ${sql.raw(onConflict)}`.execute(trx);
  }
}

/** The rows of these keys that exist, keyed by `keyString`. */
export async function loadRows(
  trx: AnyTrx,
  schema: string,
  spec: TableSpec,
  keys: readonly (readonly string[])[],
): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  for (let i = 0; i < keys.length; i += WRITE_CHUNK) {
    const chunk = keys
      .slice(i, i + WRITE_CHUNK)
      .map((k) => Object.fromEntries(spec.key.map((c, j) => [c, k[j]!])));
    const join = spec.key.map((c) => `t.${c} = k.${c}`).join(' AND ');
    const { rows } = await sql<Record<string, unknown>>`
      SELECT t.* FROM ${qualified(schema, spec.table)} t
      JOIN ${unnestRows(spec, spec.key, chunk, 'k')} ON ${sql.raw(join)}`.execute(trx);
    for (const r of rows) {
      const row = normalise(r);
      found.set(keyString(spec.key.map((c) => String(row[c]))), row);
    }
  }
  return found;
}

export function keyString(parts: readonly string[]): string {
  return parts.join('\u001f');
}

interface TableProjectionSpec {
  name: string;
  version: number;
  description: string;
  handles: readonly string[];
  table: TableSpec;
  apply: Projection['apply'];
  applyFacts?: Projection['applyFacts'];
}

/** A read model of one table: it creates the table, and `apply` writes each batch's rows. */
export function tableProjection(spec: TableProjectionSpec): Projection {
  return {
    name: spec.name,
    version: spec.version,
    description: spec.description,
    handles: new Set(spec.handles),
    createTables: (db, schema, options) => createTable(db, schema, spec.table, options),
    apply: spec.apply,
    applyFacts: spec.applyFacts,
  };
}

export interface KeyedChange {
  /** Values of the table's key columns, in order. */
  key: readonly string[];
  /** The new row given the current one (undefined when there is none yet), or undefined for no row. Pure. */
  update(row: Row | undefined): Row | undefined;
}

/** How a keyed read model's event changes rows: from the whole event, or (`readsFacts`) from its facts alone. */
type KeyedChanges =
  | { readsFacts?: false; changes(event: RecordedEvent): KeyedChange[] }
  | { readsFacts: true; changes(event: EventFacts): KeyedChange[] };

/**
 * A read model of one table whose rows are keyed: each event names the rows it changes and how. A batch
 * loads the rows it touches once, folds every change in order in memory, and writes each changed row once,
 * so replaying a million events costs a few statements per thousand events. One that `readsFacts` is built
 * from the store's lean read.
 */
export function keyedProjection(spec: Omit<TableProjectionSpec, 'apply'> & KeyedChanges): Projection {
  // Only ever handed what the spec reads: facts alone only when it says it reads facts.
  const changesOf = spec.changes as (event: EventFacts) => KeyedChange[];
  const apply = async (trx: AnyTrx, schema: string, events: readonly EventFacts[]) => {
    const changes = events.flatMap(changesOf);
    if (changes.length === 0) return;
    const keys = new Map<string, readonly string[]>();
    for (const c of changes) keys.set(keyString(c.key), c.key);
    const rows = await loadRows(trx, schema, spec.table, [...keys.values()]);
    const touched = new Set<string>();
    for (const c of changes) {
      const k = keyString(c.key);
      const next = c.update(rows.get(k));
      if (!next) continue; // the event concerns a row that does not exist (e.g. cancelling an unpaid order)
      rows.set(k, next);
      touched.add(k);
    }
    await writeRows(
      trx,
      schema,
      spec.table,
      [...touched].map((k) => rows.get(k)!),
      'upsert',
    );
  };
  return tableProjection({ ...spec, apply, applyFacts: spec.readsFacts ? apply : undefined });
}
