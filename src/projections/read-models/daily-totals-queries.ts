// Queries of the daily-totals read model.
import type { Money } from '../../domain/money.ts';
import { moneyColumn } from '../columns.ts';
import type { ReadDb } from '../database.ts';
import { DAILY_TOTALS } from './daily-totals.ts';

export interface DailyTotal {
  businessDate: string;
  channel: string;
  businessType: string;
  paymentsCount: number;
  paymentsAmount: Money;
  refundsCount: number;
  refundsAmount: Money;
  feesAmount: Money;
  netAmount: Money;
}

/** Totals of one business date (optionally one channel), by channel and business type. */
export async function dailyTotals(
  db: ReadDb,
  q: { hospitalId: string; businessDate: string; channel?: string; schema?: string },
): Promise<DailyTotal[]> {
  let query = db
    .withSchema(q.schema ?? DAILY_TOTALS.schema)
    .selectFrom('daily_totals')
    .selectAll()
    .where('hospital_id', '=', q.hospitalId)
    .where('business_date', '=', q.businessDate);
  if (q.channel !== undefined) query = query.where('channel', '=', q.channel);
  const rows = await query.orderBy('channel').orderBy('business_type').execute();
  return rows.map((r) => ({
    businessDate: r.business_date,
    channel: r.channel,
    businessType: r.business_type,
    paymentsCount: Number(r.payments_count),
    paymentsAmount: moneyColumn(r.payments_amount),
    refundsCount: Number(r.refunds_count),
    refundsAmount: moneyColumn(r.refunds_amount),
    feesAmount: moneyColumn(r.fees_amount),
    netAmount: moneyColumn(r.net_amount),
  }));
}
