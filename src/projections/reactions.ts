// A reaction's durable work queue, kept like any read model: the runner applies the events the reaction
// handles and records the intents its pure policy returns, in the same transaction as the checkpoint (so an
// intent is recorded exactly once, even across a crash), into `rx_<name>.work`. The application layer's
// dispatcher claims due rows, carries them out and deletes them; a failed row is retried later and parked
// after too many failures, where it stays visible.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { RecordedEvent } from '../domain/event-store.ts';
import type { Intent, Reaction } from '../domain/reactions/reaction.ts';
import {
  type AnyDb,
  type AnyTrx,
  checkIdentifier,
  column,
  type Projection,
  type RowOf,
  tableProjection,
  table,
} from './projection.ts';

/** Schema of a reaction's queue and checkpoint. */
export function reactionSchema(reaction: Pick<Reaction, 'name'>): string {
  return checkIdentifier(`rx_${reaction.name}`);
}

export const workTable = table({
  table: 'work',
  comment: 'Work a reaction still has to carry out: one row per intent, deleted once done.',
  key: ['key'],
  indexes: ['due_at'],
  columns: {
    key: column.text('The intent key: the same work is recorded once.'),
    kind: column.text('Which executor carries it out.'),
    hospital_id: column.text('Tenant.'),
    data: column.json('What the executor needs (ids; never patient identifiers).'),
    due_at: column.time('Earliest time it may run (the next retry for a failed row).'),
    source_position: column.position('Position of the event that asked for it.'),
    attempts: column.sql<number>('integer NOT NULL DEFAULT 0', 'Failed executions so far.'),
    last_error: column.optionalText('Error of the last failed execution.'),
    claimed_until: column.optionalTime('A dispatcher holds it until then (a crashed one lets it go).'),
    parked: column.sql<boolean>(
      'boolean NOT NULL DEFAULT false',
      'Gave up after too many failures; needs a person.',
    ),
  },
});

export interface WorkTables {
  work: RowOf<typeof workTable>;
}

type WorkRow = Selectable<WorkTables['work']>;

/** Rows per insert while recording intents. */
const INSERT_CHUNK = 1_000;

/** The projection that records a reaction's intents. */
export function reactionProjection(reaction: Reaction): Projection {
  return tableProjection({
    name: reaction.name,
    version: reaction.version,
    description: reaction.description,
    handles: reaction.handles,
    table: workTable,
    async apply(trx: AnyTrx, schema: string, events: readonly RecordedEvent[]) {
      const rows: Record<string, unknown>[] = [];
      for (const e of events) for (const intent of reaction.react(e)) rows.push(rowOf(intent, e.position));
      const db = trx.withSchema(schema) as unknown as Kysely<WorkTables>;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        await db
          .insertInto('work')
          .values(rows.slice(i, i + INSERT_CHUNK) as never)
          .onConflict((c) => c.column('key').doNothing())
          .execute();
    },
  });
}

function rowOf(intent: Intent, position: bigint): Record<string, unknown> {
  return {
    key: intent.key,
    kind: intent.kind,
    hospital_id: intent.hospitalId,
    data: JSON.stringify(intent.data),
    due_at: intent.dueAt.toISOString(),
    source_position: position.toString(),
  };
}

export interface ClaimedWork {
  key: string;
  kind: string;
  hospitalId: string;
  data: Record<string, unknown>;
  dueAt: Date;
  attempts: number;
}

function queue(db: AnyDb, schema: string): Kysely<WorkTables> {
  return db.withSchema(schema) as unknown as Kysely<WorkTables>;
}

/**
 * Claims up to `limit` due rows for `leaseMs` (rows another dispatcher holds are skipped), earliest first.
 * A dispatcher that dies lets its rows go when their claim runs out.
 */
export async function claimDueWork(
  db: AnyDb,
  schema: string,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<ClaimedWork[]> {
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const { rows } = await sql<WorkRow>`
    UPDATE ${sql.table(`${schema}.work`)} SET claimed_until = ${until}::timestamptz
    WHERE key IN (
      SELECT key FROM ${sql.table(`${schema}.work`)}
      WHERE NOT parked AND due_at <= ${now.toISOString()}::timestamptz
        AND (claimed_until IS NULL OR claimed_until < ${now.toISOString()}::timestamptz)
      ORDER BY due_at, key LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING key, kind, hospital_id, data, due_at, attempts`.execute(db);
  return rows.map((r) => ({
    key: r.key,
    kind: r.kind,
    hospitalId: r.hospital_id,
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    dueAt: new Date(r.due_at),
    attempts: r.attempts,
  }));
}

export async function completeWork(db: AnyDb, schema: string, key: string): Promise<void> {
  await queue(db, schema).deleteFrom('work').where('key', '=', key).execute();
}

/** Records a failed execution: retried at `retryAt`, or parked when `park`. */
export async function failWork(
  db: AnyDb,
  schema: string,
  key: string,
  error: string,
  retryAt: Date,
  park: boolean,
): Promise<void> {
  await queue(db, schema)
    .updateTable('work')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 500),
      due_at: retryAt.toISOString(),
      claimed_until: null,
      parked: park,
    }))
    .where('key', '=', key)
    .execute();
}

/** Puts parked rows back in the queue (an operator retries them). */
export async function unparkWork(db: AnyDb, schema: string, now: Date): Promise<number> {
  const r = await queue(db, schema)
    .updateTable('work')
    .set({ parked: false, attempts: 0, due_at: now.toISOString(), claimed_until: null })
    .where('parked', '=', true)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export interface WorkCounts {
  /** Rows waiting (due or not). */
  pending: number;
  /** Rows due now. */
  due: number;
  /** Rows that failed at least once and are waiting for a retry. */
  retrying: number;
  parked: number;
  /** Earliest due time of a waiting row. */
  nextDueAt: Date | null;
}

export async function workCounts(db: AnyDb, schema: string, now: Date): Promise<WorkCounts> {
  const { rows } = await sql<{
    pending: string;
    due: string;
    retrying: string;
    parked: string;
    next_due: Date | string | null;
  }>`SELECT count(*) FILTER (WHERE NOT parked) AS pending,
        count(*) FILTER (WHERE NOT parked AND due_at <= ${now.toISOString()}::timestamptz) AS due,
        count(*) FILTER (WHERE NOT parked AND attempts > 0) AS retrying,
        count(*) FILTER (WHERE parked) AS parked,
        min(due_at) FILTER (WHERE NOT parked) AS next_due
      FROM ${sql.table(`${schema}.work`)}`.execute(db);
  const r = rows[0]!;
  return {
    pending: Number(r.pending),
    due: Number(r.due),
    retrying: Number(r.retrying),
    parked: Number(r.parked),
    nextDueAt: r.next_due === null ? null : new Date(r.next_due),
  };
}
