// Queries of the orders read model. Answers are as fresh as the projection (see readModelFreshness).
import type { Money } from '../../domain/money.ts';
import { moneyColumn } from '../columns.ts';
import type { ReadDb } from '../database.ts';
import { ORDERS } from './orders.ts';

export interface PatientOrder {
  orderId: string;
  kind: string;
  admissionId: string | null;
  amount: Money;
  paid: Money;
  surplus: Money;
  refundRequested: Money;
  refunded: Money;
  status: string;
  channel: string | null;
  channelTxnId: string | null;
  hisSynced: boolean;
  createdAt: Date;
  paidAt: Date | null;
}

/** The columns a patient's order is read from. */
const PATIENT_ORDER_COLUMNS = [
  'order_id',
  'kind',
  'admission_id',
  'amount',
  'paid',
  'surplus',
  'refund_requested',
  'refunded',
  'status',
  'channel',
  'channel_txn_id',
  'his_synced',
  'created_at',
  'paid_at',
] as const;

/** A patient's orders, newest first, at most `limit`. `schema` reads a rebuilt or as-of copy instead. */
export async function patientOrders(
  db: ReadDb,
  q: { hospitalId: string; patientId: string; limit: number; schema?: string },
): Promise<PatientOrder[]> {
  const orders = db.withSchema(q.schema ?? ORDERS.schema).selectFrom('orders');
  const rows = await orders
    .select(PATIENT_ORDER_COLUMNS)
    .where('hospital_id', '=', q.hospitalId)
    .where('patient_id', '=', q.patientId)
    .orderBy('created_at', 'desc')
    .orderBy('order_id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    orderId: r.order_id,
    kind: r.kind,
    admissionId: r.admission_id,
    amount: moneyColumn(r.amount),
    paid: moneyColumn(r.paid),
    surplus: moneyColumn(r.surplus),
    refundRequested: moneyColumn(r.refund_requested),
    refunded: moneyColumn(r.refunded),
    status: r.status,
    channel: r.channel,
    channelTxnId: r.channel_txn_id,
    hisSynced: r.his_synced,
    createdAt: r.created_at,
    paidAt: r.paid_at,
  }));
}
