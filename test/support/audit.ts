import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../../src/adapters/db/database.ts';
import { type NewEvent, streamId } from '../../src/domain/event-store.ts';

export const AT = new Date('2026-11-20T08:30:00.000Z');

export function ev(
  type: string,
  data: Record<string, string | number> = {},
  extra: Partial<NewEvent> = {},
): NewEvent {
  return { type, data, occurredAt: AT, metadata: { actor: 'test', correlationId: 'c-1' }, ...extra };
}

export function newStream(hospital = 'h1', category = 'order'): string {
  return streamId(hospital, category, randomUUID());
}

/**
 * Changes stored rows as a superuser who bypasses the append-only triggers would: replica mode turns every user
 * trigger off for the transaction.
 */
export async function tamper(database: Database, ...statements: RawBuilder<unknown>[]): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    for (const s of statements) await s.execute(trx);
  });
}

export { runCli } from './cli.ts';
