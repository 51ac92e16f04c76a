// HIS 同步异常: payments and refunds of the date range the HIS has not confirmed (缴费确认 / 退费确认) at the
// report's position: still pending, failing and retried, refused for good, or cancelled while unsynced.
import type { RecordedEvent } from '../../domain/event-store.ts';
import { Money } from '../../domain/money.ts';
import { paidNotInHis } from '../../domain/order/evolve.ts';
import { HIS_SYNC_EVENT_TYPES } from '../../projections/read-models/his-sync.ts';
import type { ReportDefinition, ReportParams, ReportRow } from '../types.ts';
import { BUSINESS_TYPE_LABELS, col, DAY_COLUMNS, label, sheet } from '../vocabulary.ts';
import { byKeys, dateOf, inRange, money } from '../fold.ts';

type SyncStatus = 'pending' | 'failed' | 'refused' | 'needs-refund' | 'synced' | 'refunded';

interface Movement {
  what: 'payment' | 'refund';
  orderId: string;
  refundId: string | null;
  kind: string;
  channel: string;
  channelTxnId: string;
  amount: Money;
  refunded: Money;
  businessDate: string;
  at: Date;
  status: SyncStatus;
  attempts: number;
  lastError: string | null;
}

interface State {
  /** `pay:<order>` or `refund:<order>:<refund>` → movement. */
  movements: Map<string, Movement>;
}

const STATUS_VALUES = {
  pending: label('待写回', 'Pending'),
  failed: label('写回失败（重试中）', 'Failed (retrying)'),
  refused: label('HIS 拒绝', 'Refused by the HIS'),
  'needs-refund': label('已撤销待退款', 'Cancelled, to refund'),
};
const WHAT_VALUES = { payment: label('缴费', 'Payment'), refund: label('退费', 'Refund') };

/** A movement as its event records it: dated, not written back yet. */
function recorded(event: RecordedEvent, params: ReportParams): Pick<Movement, RecordedFields> {
  return {
    businessDate: dateOf(event, params),
    at: event.occurredAt,
    status: 'pending',
    attempts: 0,
    lastError: null,
  };
}
type RecordedFields = 'businessDate' | 'at' | 'status' | 'attempts' | 'lastError';

function failed(m: Movement, d: Record<string, unknown>): void {
  if (m.status === 'synced') return;
  m.attempts = Number(d.attempt);
  m.lastError = String(d.error);
  m.status = d.retryable === false ? 'refused' : 'failed';
}

export const hisSyncExceptions: ReportDefinition<State> = {
  name: 'his-sync-exceptions',
  title: label('HIS 同步异常', 'HIS sync exceptions'),
  description: label(
    '日期范围内未被 HIS 确认的缴费和退费：待写回、失败重试、被拒、撤销待退',
    'Payments and refunds the HIS has not confirmed: pending, failing, refused, cancelled while unsynced',
  ),
  handles: [...HIS_SYNC_EVENT_TYPES, 'HisRefundWritebackSucceeded', 'HisRefundWritebackFailed'],
  initial: () => ({ movements: new Map() }),
  evolve(state, event: RecordedEvent, params) {
    const d = event.data as Record<string, unknown>;
    const pay = state.movements.get(`pay:${d.orderId}`);
    const refundKey = `refund:${d.orderId}:${d.refundId}`;
    switch (event.type) {
      case 'PaymentSucceeded':
      case 'PaymentConfirmed': {
        const amount = money(d.amount);
        state.movements.set(`pay:${d.orderId}`, {
          what: 'payment',
          orderId: String(d.orderId),
          refundId: null,
          kind: String(d.orderKind),
          channel: String(d.channel),
          channelTxnId: String(d.channelTxnId),
          amount,
          refunded: Money.ZERO,
          ...recorded(event, params),
        });
        break;
      }
      case 'HisWritebackSucceeded':
        if (pay) [pay.status, pay.attempts] = ['synced', pay.attempts + 1];
        break;
      case 'HisWritebackFailed':
        if (pay) failed(pay, d);
        break;
      case 'OrderCancelled':
        if (pay && pay.status !== 'synced') pay.status = 'needs-refund';
        break;
      case 'RefundSucceeded': {
        if (d.of === 'duplicate' || !pay) break;
        pay.refunded = pay.refunded.add(money(d.amount));
        // Paid, not in HIS until synced or fully refunded (the order aggregate's rule).
        if (pay.status !== 'synced' && !paidNotInHis(pay.amount, pay.refunded, false))
          pay.status = 'refunded';
        // A refund of a payment the HIS knows must be confirmed to the HIS too (退费确认).
        if (pay.status === 'synced')
          state.movements.set(refundKey, {
            ...pay,
            what: 'refund',
            refundId: String(d.refundId),
            amount: money(d.amount),
            ...recorded(event, params),
          });
        break;
      }
      case 'HisRefundWritebackSucceeded': {
        const r = state.movements.get(refundKey);
        if (r) r.status = 'synced';
        break;
      }
      case 'HisRefundWritebackFailed': {
        const r = state.movements.get(refundKey);
        if (r) failed(r, d);
        break;
      }
    }
    return state;
  },
  sheets(state, params) {
    const rows: ReportRow[] = [...state.movements.values()]
      .filter((m) => m.status !== 'synced' && m.status !== 'refunded' && inRange(m.businessDate, params))
      .map((m) => ({
        businessDate: m.businessDate,
        channel: m.channel,
        what: m.what,
        kind: m.kind,
        orderId: m.orderId,
        refundId: m.refundId,
        channelTxnId: m.channelTxnId,
        amount: m.amount,
        at: m.at,
        status: m.status,
        attempts: m.attempts,
        lastError: m.lastError,
      }))
      .sort(
        byKeys((r) => [
          String(r.businessDate),
          String(r.channel),
          String(r.orderId),
          String(r.refundId ?? ''),
        ]),
      );
    return [
      sheet(
        'exceptions',
        'HIS 同步异常',
        'HIS sync exceptions',
        {
          ...DAY_COLUMNS,
          what: col.text('类别', 'Movement', { width: 8, values: WHAT_VALUES }),
          kind: col.text('业务类型', 'Business type', { width: 12, values: BUSINESS_TYPE_LABELS }),
          orderId: col.text('订单号', 'Order', 22),
          refundId: col.text('退款单号', 'Refund', 22),
          channelTxnId: col.text('渠道交易号', 'Channel txn', 28),
          amount: col.money('金额', 'Amount', 14),
          at: col.instant('支付/退款时间', 'Paid / refunded at', 20),
          status: col.text('状态', 'Status', { width: 16, values: STATUS_VALUES }),
          attempts: col.count('尝试次数', 'Attempts', { total: false }),
          lastError: col.text('最后错误', 'Last error', 40),
        },
        rows,
      ),
    ];
  },
};
