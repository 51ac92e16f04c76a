// Answer fields shared by both HIS dialects, checked the same way.
import {
  AMOUNT_PATTERN,
  type HisChargeStatus,
  type HisConfirmResult,
  HisError,
} from '../../domain/his/port.ts';

const RECEIPT_PATTERN = /^[A-Za-z0-9_.:/-]{1,64}$/;
const CHARGE_STATES = new Set<HisChargeStatus['status']>([
  'unpaid',
  'paid',
  'refunded',
  'partially-refunded',
  'unknown',
]);

export function parseConfirmStatus(status: unknown, receiptNo: unknown): HisConfirmResult {
  if (status !== 'confirmed' && status !== 'already-confirmed')
    throw new HisError('HIS_BAD_RESPONSE', `HIS answer has an unknown status ${String(status).slice(0, 40)}`);
  if (typeof receiptNo !== 'string' || !RECEIPT_PATTERN.test(receiptNo))
    throw new HisError('HIS_BAD_RESPONSE', 'HIS answer has no valid receipt number');
  return { status, hisReceiptNo: receiptNo };
}

export function parseChargeStatus(orderId: string, data: Record<string, unknown>): HisChargeStatus {
  const status = data.status;
  if (typeof status !== 'string' || !CHARGE_STATES.has(status as HisChargeStatus['status']))
    throw new HisError('HIS_BAD_RESPONSE', 'HIS charge answer has an unknown status');
  const out: HisChargeStatus = { orderId, status: status as HisChargeStatus['status'] };
  if (data.amount !== undefined && data.amount !== '') {
    if (typeof data.amount !== 'string' || !AMOUNT_PATTERN.test(data.amount))
      throw new HisError('HIS_BAD_RESPONSE', 'HIS charge amount is not a two-decimal string');
    out.amount = data.amount;
  }
  if (typeof data.channelTxnId === 'string' && data.channelTxnId !== '') out.channelTxnId = data.channelTxnId;
  if (typeof data.receiptNo === 'string' && data.receiptNo !== '') out.hisReceiptNo = data.receiptNo;
  return out;
}
