// Reads manual matching needs: the open one-sided items near a date (the pool proposals are drawn from), with
// the instant of the platform movement where the item names one, and the movement a rule-made pair holds.
import { sql } from 'kysely';
import { MAX_PROPOSAL_POOL, type ProposalItem } from '../../domain/reconciliation/proposals.ts';
import type { AnyDb } from '../projection.ts';
import { RECON_MOVEMENTS_SCHEMA } from './movements.ts';
import { DISCREPANCY_ITEM, tables } from './queries.ts';
import { RECONCILIATION_SCHEMA } from './read-models.ts';

const MATCHABLE = ['CHANNEL_ONLY', 'HIS_ONLY', 'PLATFORM_ONLY', 'HIS_MISSING'] as const;

/** Open one-sided items of a hospital between two business dates (inclusive), nearest the centre first. */
export async function openItemsBetween(
  db: AnyDb,
  o: { hospitalId: string; from: string; to: string; centre: string },
): Promise<ProposalItem[]> {
  const rows = await tables(db, RECONCILIATION_SCHEMA)
    .selectFrom('discrepancies')
    .select(DISCREPANCY_ITEM)
    .where('hospital_id', '=', o.hospitalId)
    .where('status', 'in', ['open', 'assigned'])
    .where('type', 'in', [...MATCHABLE])
    .where('business_date', '>=', o.from)
    .where('business_date', '<=', o.to)
    .orderBy(sql`abs(to_date(business_date, 'YYYY-MM-DD') - to_date(${o.centre}, 'YYYY-MM-DD'))`)
    .orderBy('discrepancy_id')
    .limit(MAX_PROPOSAL_POOL)
    .execute();
  const subjects = rows
    .filter((r) => r.type === 'PLATFORM_ONLY' || r.type === 'HIS_MISSING')
    .map((r) => r.subject);
  const times = new Map<string, string>();
  if (subjects.length > 0) {
    const mv = await tables(db, RECON_MOVEMENTS_SCHEMA)
      .selectFrom('recon_movements')
      .select(['merchant_order_no', 'refund_no', 'occurred_at'])
      .where('hospital_id', '=', o.hospitalId)
      .where((eb) => eb.or([eb('merchant_order_no', 'in', subjects), eb('refund_no', 'in', subjects)]))
      .execute();
    for (const m of mv) times.set(m.refund_no ?? m.merchant_order_no, new Date(m.occurred_at).toISOString());
  }
  return rows.map((r) => ({
    discrepancyId: r.discrepancy_id,
    type: r.type,
    channel: r.channel,
    businessDate: r.business_date,
    subject: r.subject,
    amount: r.amount,
    ...(times.has(r.subject) ? { occurredAt: times.get(r.subject)! } : {}),
  }));
}

/** The platform movement a subject (order no of a payment, refund no of a refund) names on a channel and date. */
export async function findMovementBySubject(
  db: AnyDb,
  hospitalId: string,
  channel: string,
  businessDate: string,
  subject: string,
): Promise<{ kind: 'payment' | 'refund'; amount: string; ref: string } | null> {
  const rows = await tables(db, RECON_MOVEMENTS_SCHEMA)
    .selectFrom('recon_movements')
    .select(['movement_id', 'kind', 'merchant_order_no', 'refund_no', sql<string>`amount::text`.as('amount')])
    .where('hospital_id', '=', hospitalId)
    .where('channel', '=', channel)
    .where('business_date', '=', businessDate)
    .where('surplus', '=', false)
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', '=', 'payment'), eb('merchant_order_no', '=', subject)]),
        eb.and([eb('kind', '=', 'refund'), eb('refund_no', '=', subject)]),
      ]),
    )
    .limit(2)
    .execute();
  const r = rows[0];
  if (!r || rows.length > 1 || r.kind === 'settlement') return null;
  return { kind: r.kind, amount: r.amount, ref: r.movement_id };
}
