// What a verified payment-channel callback says, in the platform's words. Each channel adapter
// verifies the counter-party's signature, decrypts if needed, and maps to this shape; the command
// handler turns it into RecordPayment / RecordRefund. Duplicates are the domain's business
// (same channelTxnId / refundNo → no new events), so adapters never de-duplicate.
import { Money } from '../../domain/money.ts';

export type PaymentChannelId = 'wechat' | 'alipay';

/** Normalized status across channels; `channelStatus` keeps the channel's own word. */
export type NotificationStatus =
  | 'succeeded' // paid / refund arrived
  | 'pending' // not paid yet, paying, refund processing
  | 'closed' // closed or revoked before paying; refund closed without money moving
  | 'failed' // payment failed
  | 'refunded' // payment later turned into a refund (WeChat trade_state REFUND)
  | 'abnormal'; // refund stuck (WeChat ABNORMAL): needs a person

export interface ChannelNotification {
  channel: PaymentChannelId;
  kind: 'payment' | 'refund';
  status: NotificationStatus;
  /** The channel's own status word (trade_state, refund_status, trade_status). */
  channelStatus: string;
  /** Our order number as the channel echoes it (out_trade_no). */
  merchantOrderNo: string;
  /** The channel's transaction id of the payment (transaction_id, trade_no). */
  channelTxnId: string;
  /** Our refund number (WeChat out_refund_no, Alipay out_biz_no); refunds only. */
  refundNo?: string;
  /** The channel's refund id (WeChat refund_id); refunds only, when the channel has one. */
  channelRefundId?: string;
  /** CNY, exactly two decimals ("12.50"). Payment: order total. Refund: see amountBasis. */
  amount: string;
  /**
   * Refunds only. WeChat reports this refund's amount; Alipay reports the total refunded on the
   * trade so far (refund_fee), so the handler derives this refund's amount from what it has seen.
   */
  amountBasis?: 'this-refund' | 'cumulative-refunds';
  /** What the payer actually paid / got back, when the channel says (coupons make it differ). */
  payerAmount?: string;
  /** When the money moved (success_time, gmt_payment, gmt_refund), else when the channel notified. */
  occurredAt: Date;
  /** The channel's id of this notification (WeChat id, Alipay notify_id), for tracing retries. */
  notificationId?: string;
  /** Merchant-defined passthrough (WeChat attach, Alipay passback_params). */
  attach?: string;
  /** The verified, decrypted payload. May hold payer ids (openid, buyer_id): never log it whole. */
  raw: Readonly<Record<string, unknown>>;
}

export type CallbackRefusalCode =
  | 'CALLBACK_BAD_SIGNATURE'
  | 'CALLBACK_UNKNOWN_SERIAL'
  | 'CALLBACK_DECRYPT_FAILED'
  | 'CALLBACK_STALE'
  | 'CALLBACK_MALFORMED'
  | 'CALLBACK_WRONG_APP';

export interface CallbackRefusal {
  ok: false;
  code: CallbackRefusalCode;
  message: string;
}

export type CallbackVerification = { ok: true; notification: ChannelNotification } | CallbackRefusal;

export function callbackRefusal(code: CallbackRefusalCode, message: string): CallbackRefusal {
  return { ok: false, code, message };
}

/** Largest amount a callback may carry: 10^12 yuan, far above any hospital payment. */
const MAX_FEN = 100_000_000_000_000n;

/**
 * Integer 分 (fen) → "yuan.jj" (Money.fromCents, after the range check a callback needs). Accepts a JSON integer (must be a
 * safe integer: JSON.parse already rounded anything bigger), a bigint or a digit string.
 */
export function fenToYuan(fen: number | bigint | string): string | undefined {
  let n: bigint;
  if (typeof fen === 'number') {
    if (!Number.isSafeInteger(fen)) return undefined;
    n = BigInt(fen);
  } else if (typeof fen === 'bigint') n = fen;
  else if (/^[0-9]{1,18}$/.test(fen)) n = BigInt(fen);
  else return undefined;
  if (n < 0n || n > MAX_FEN) return undefined;
  return Money.fromCents(n).toString();
}

const YUAN_PATTERN = /^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$/;

/** A channel's yuan string ("12.5", "12.50", "12") → "12.50"; undefined when not a plain amount. */
export function normalizeYuan(text: string): string | undefined {
  if (!YUAN_PATTERN.test(text)) return undefined;
  return Money.parse(text).toString();
}

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Single-valued header lookup, case-insensitive; a repeated header counts as absent. */
export function singleHeader(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers))
    if (k.toLowerCase() === lower) return typeof v === 'string' ? v : undefined;
  return undefined;
}

/** Callbacks larger than this are refused unread (both channels send a few KB). */
export const MAX_CALLBACK_BODY_BYTES = 64 * 1024;
