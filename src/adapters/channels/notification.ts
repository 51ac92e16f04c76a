// What a verified payment-channel callback says, in the platform's words. Each channel adapter
// verifies the counter-party's signature, decrypts if needed, and maps to this shape; the command
// handler turns it into RecordPayment / RecordRefund. Duplicates are the domain's business
// (same channelTxnId / refundNo → no new events), so adapters never de-duplicate.
import type { ChannelNotice, NoticeStatus } from '../../domain/channel/notice.ts';
import { maskRef } from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';

export type PaymentChannelId = 'wechat' | 'alipay';

/** Normalized status across channels (the domain's); `channelStatus` keeps the channel's own word. */
export type NotificationStatus = NoticeStatus;

/**
 * A verified notification: the domain's ChannelNotice fields (the payer's account still raw, in `raw`; the
 * edge masks it) plus what only the adapter knows.
 */
export interface ChannelNotification extends Omit<ChannelNotice, 'payerRef' | 'channel'> {
  channel: PaymentChannelId;
  /** What the payer actually paid / got back, when the channel says (coupons make it differ). */
  payerAmount?: string;
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

function payerRefOf(n: ChannelNotification): string {
  const payer = n.raw.payer as { openid?: unknown } | undefined;
  const raw =
    typeof payer?.openid === 'string'
      ? payer.openid
      : typeof n.raw.buyer_id === 'string'
        ? n.raw.buyer_id
        : typeof n.raw.buyer_user_id === 'string'
          ? n.raw.buyer_user_id
          : n.channelTxnId;
  return maskRef(raw);
}

/** A verified notification (or query answer) in the domain's words: the payer's account masked, raw dropped. */
export function toChannelNotice(n: ChannelNotification): ChannelNotice {
  const { raw: _raw, attach: _attach, payerAmount: _payer, ...rest } = n;
  return { ...rest, payerRef: payerRefOf(n) };
}
