// The platform's own count and net of a business date (one channel, or all), from the reconciliation movements
// read model: what a statement file without a totals row is checked against.
import { sql } from 'kysely';
import type { CountAndSum } from '../../domain/mappings/totals.ts';
import type { AnyDb } from '../projection.ts';
import { RECON_MOVEMENTS_SCHEMA } from './movements.ts';
import { tables } from './queries.ts';

export async function platformDayTotals(
  db: AnyDb,
  q: { hospitalId: string; businessDate: string; channel: string | null },
  schema = RECON_MOVEMENTS_SCHEMA,
): Promise<CountAndSum> {
  let query = tables(db, schema)
    .selectFrom('recon_movements')
    .select([
      sql<string>`count(*)::text`.as('count'),
      sql<string>`coalesce(sum(CASE kind WHEN 'payment' THEN amount ELSE -amount END), 0)::numeric(30,2)::text`.as(
        'net',
      ),
    ])
    .where('hospital_id', '=', q.hospitalId)
    .where('business_date', '=', q.businessDate)
    .where('kind', 'in', ['payment', 'refund']);
  if (q.channel !== null) query = query.where('channel', '=', q.channel);
  const row = await query.executeTakeFirstOrThrow();
  return { count: Number(row.count), net: row.net };
}
