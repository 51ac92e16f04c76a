import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../../src/adapters/db/database.ts';
import { main } from '../../src/cli/main.ts';
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

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, env });
  return { code, out, err };
}
