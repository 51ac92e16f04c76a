// Queries of the HIS-sync read model: which paid orders the HIS has not confirmed.
import type { Money } from '../../domain/money.ts';
import { moneyColumn } from '../columns.ts';
import type { ReadDb } from '../database.ts';
import { HIS_SYNC } from './his-sync.ts';

export const HIS_SYNC_STATUSES = ['pending', 'failed', 'synced', 'needs-refund', 'refunded'] as const;
export type HisSyncStatus = (typeof HIS_SYNC_STATUSES)[number];
/** Paid, not in HIS: what the list shows unless asked for a status. */
export const HIS_SYNC_OPEN: readonly HisSyncStatus[] = ['pending', 'failed', 'needs-refund'];
/** What the writeback retry takes up (needs-refund is refunded, not written back). */
export const HIS_SYNC_RETRYABLE: readonly HisSyncStatus[] = ['pending', 'failed'];

export interface HisSyncEntry {
  orderId: string;
  channel: string;
  channelTxnId: string;
  amount: Money;
  status: string;
  attempts: number;
  lastError: string | null;
  hisReceiptId: string | null;
  paidAt: Date;
}

/** Orders of a hospital in the given HIS-sync statuses (default: paid, not in HIS), oldest payment first. */
export async function hisSyncList(
  db: ReadDb,
  q: { hospitalId: string; statuses?: readonly HisSyncStatus[]; limit: number; schema?: string },
): Promise<HisSyncEntry[]> {
  const rows = await db
    .withSchema(q.schema ?? HIS_SYNC.schema)
    .selectFrom('his_sync_status')
    .select([
      'order_id',
      'channel',
      'channel_txn_id',
      'amount',
      'status',
      'attempts',
      'last_error',
      'his_receipt_id',
      'paid_at',
    ])
    .where('hospital_id', '=', q.hospitalId)
    .where('status', 'in', [...(q.statuses ?? HIS_SYNC_OPEN)])
    .orderBy('paid_at')
    .orderBy('order_id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    orderId: r.order_id,
    channel: r.channel,
    channelTxnId: r.channel_txn_id,
    amount: moneyColumn(r.amount),
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    hisReceiptId: r.his_receipt_id,
    paidAt: r.paid_at,
  }));
}

/** Order ids whose writeback is due again (pending or failed), least recently changed first. */
export async function hisWritebackDue(
  db: ReadDb,
  q: { hospitalId: string; limit: number; schema?: string },
): Promise<string[]> {
  const rows = await db
    .withSchema(q.schema ?? HIS_SYNC.schema)
    .selectFrom('his_sync_status')
    .select('order_id')
    .where('hospital_id', '=', q.hospitalId)
    .where('status', 'in', [...HIS_SYNC_RETRYABLE])
    .orderBy('updated_at')
    .orderBy('order_id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => r.order_id);
}
