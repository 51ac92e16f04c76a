// A channel's notification (callback or query answer) in the platform's words, and the order command it
// stands for. The adapters verify the channel's signature and normalise its payload into a ChannelNotice;
// the decision about what it means for the order is the order decider's (duplicates, a payment that resolves
// a status-unknown attempt, a refund amount that must agree with the one requested).
import type { Actor } from '../decider.ts';
import { Channel, ChannelTxnId, HospitalId, MaskedRef, OrderId, RefId, RefundId } from '../ids.ts';
import { Money } from '../money.ts';
import type { OrderCommand } from '../order/types.ts';
import { reject } from '../rejection.ts';

/** Normalized status across channels. */
export type NoticeStatus =
  | 'succeeded' // paid / refund arrived
  | 'pending' // not paid yet, paying, refund processing
  | 'closed' // closed or revoked before paying; refund closed without money moving
  | 'failed' // payment failed
  | 'refunded' // payment later turned into a refund (WeChat trade_state REFUND)
  | 'abnormal'; // refund stuck (WeChat ABNORMAL): needs a person

export interface ChannelNotice {
  channel: string;
  kind: 'payment' | 'refund';
  status: NoticeStatus;
  /** The channel's own status word (trade_state, refund_status, trade_status). */
  channelStatus: string;
  /** Our order number as the channel echoes it. */
  merchantOrderNo: string;
  channelTxnId: string;
  /** Our refund number; refunds only. */
  refundNo?: string;
  /** The channel's refund id, when it has one. */
  channelRefundId?: string;
  /** CNY, two decimals. Payment: the order total. Refund: per `amountBasis`. */
  amount: string;
  amountBasis?: 'this-refund' | 'cumulative-refunds';
  /** The payer's account as the channel names it, already masked. */
  payerRef: string;
  occurredAt: Date;
  notificationId?: string;
  /** The merchant (WeChat mchid / Alipay app id) the notice came through, when the edge knows it. */
  merchantId?: string;
}

export function channelActor(channel: string): Actor {
  return { kind: 'channel', id: channel };
}

/** The order command a notice stands for, or null when it changes nothing (a payment still pending…). */
export function noticeCommand(hospitalId: string, n: ChannelNotice): OrderCommand | null {
  const base = {
    hospitalId: HospitalId(hospitalId),
    orderId: OrderId(n.merchantOrderNo),
    at: n.occurredAt,
    actor: channelActor(n.channel),
  };
  if (n.kind === 'payment') {
    if (n.status !== 'succeeded') return null; // the attempt's owner (kiosk, app) reports failures
    return {
      ...base,
      type: 'RecordPayment',
      channel: Channel(n.channel),
      channelTxnId: ChannelTxnId(n.channelTxnId),
      amount: Money.parse(n.amount),
      payerRef: MaskedRef(n.payerRef),
      attemptId: null,
      ...(n.merchantId ? { merchantId: n.merchantId } : {}),
    };
  }
  if (!n.refundNo)
    throw reject('INVALID_COMMAND', { field: 'refundNo', reason: 'a refund notice names our refund' });
  const refund = { ...base, refundId: RefundId(n.refundNo) };
  if (n.status === 'closed')
    return { ...refund, type: 'RecordRefundFailure', reason: `closed by ${n.channel}: ${n.channelStatus}` };
  if (n.status !== 'succeeded') return null;
  return {
    ...refund,
    type: 'RecordRefundSuccess',
    // Alipay has no refund id of its own: the trade and our refund number identify it.
    channelRefundId: RefId(n.channelRefundId ?? `${n.channelTxnId}:${n.refundNo}`),
    notified: { amount: Money.parse(n.amount), basis: n.amountBasis ?? 'this-refund' },
    ...(n.channelTxnId ? { channelTxnId: ChannelTxnId(n.channelTxnId) } : {}),
  };
}
