// The channel gateway port: what the platform asks a payment channel (WeChat Pay, Alipay) on its own
// initiative — 主动查单, close an unpaid order, refund and follow the refund, fetch a day's bill. One contract,
// one adapter per channel (src/adapters/channels/<channel>/client.ts), the same sandbox behind both in tests.
//
// Answers come back in the platform's words: a payment or refund as a ChannelNotice (the very shape a
// verified callback becomes), so a query answer and a callback are applied by the same use case and the
// order decider de-duplicates them.
import type { ChannelNotice } from './notice.ts';

export type GatewayChannel = 'wechat' | 'alipay';
export const GATEWAY_CHANNELS: readonly GatewayChannel[] = ['wechat', 'alipay'];

export function isGatewayChannel(channel: string): channel is GatewayChannel {
  return (GATEWAY_CHANNELS as readonly string[]).includes(channel);
}

/** A payment as the channel knows it; `found: false` when the channel never saw the order number. */
export type PaymentLookup = { found: false } | { found: true; notice: ChannelNotice };

/** A refund as the channel knows it (status `pending` while it processes). */
export type RefundLookup = { found: false } | { found: true; notice: ChannelNotice };

export interface RefundRequest {
  merchantOrderNo: string;
  /** Our refund number (WeChat out_refund_no, Alipay out_request_no): the channel's idempotency key. */
  refundNo: string;
  /** CNY, two decimals. */
  amount: string;
  /** The payment's total (WeChat needs it), CNY, two decimals. */
  total: string;
  reason: string;
}

/** What closing an unpaid order found: closed now (or never existed), or the patient paid meanwhile. */
export type CloseOutcome = 'closed' | 'already-paid';

export type BillKind = 'trade' | 'fundflow';

export interface BillRequest {
  /** `yyyy-MM-dd`, the channel's bill day. */
  date: string;
  kind: BillKind;
}

export interface DownloadedBill {
  /** The file as the channel issues it (WeChat: the text, gunzipped and digest-checked; Alipay: the .csv.zip). */
  bytes: Buffer;
  fileName: string;
}

export interface ChannelGateway {
  readonly channel: GatewayChannel;
  /** The merchant it speaks for (WeChat mchid / Alipay app id), when the adapter knows it. */
  readonly merchantId?: string;
  queryPayment(merchantOrderNo: string): Promise<PaymentLookup>;
  closeOrder(merchantOrderNo: string): Promise<CloseOutcome>;
  /** Idempotent at the channel by refundNo: sending the same refund again answers the first one's state. */
  refund(request: RefundRequest): Promise<ChannelNotice>;
  queryRefund(merchantOrderNo: string, refundNo: string): Promise<RefundLookup>;
  downloadBill(request: BillRequest): Promise<DownloadedBill>;
}

/**
 * Finds the gateway of a hospital's channel: the named merchant's credentials (the one that took the payment
 * being refunded), or the primary merchant's when none is named; undefined when none is configured.
 */
export interface ChannelGateways {
  gateway(hospitalId: string, channel: string, merchantId?: string): Promise<ChannelGateway | undefined>;
}

export type ChannelCallErrorCode =
  /** No answer in time: the channel may have acted (retry the same idempotent request, or query). */
  | 'CHANNEL_TIMEOUT'
  /** Connection refused/reset, 5xx, SYSTEM_ERROR: may have acted. */
  | 'CHANNEL_UNAVAILABLE'
  | 'CHANNEL_RATE_LIMITED'
  /** The answer's signature does not verify (forged, or a key we do not hold): nothing in it is believed. */
  | 'CHANNEL_BAD_SIGNATURE'
  /** Signed, but not what the protocol says (missing fields, wrong merchant, bad digest). */
  | 'CHANNEL_BAD_RESPONSE'
  /** A definite business refusal (amount over refundable, trade not refundable …): retrying will not help. */
  | 'CHANNEL_REJECTED'
  /** The bill for that day is not issued yet (or never will be: no trades). */
  | 'CHANNEL_BILL_NOT_READY'
  /** Our own request could not be made (credentials unusable, bad input). */
  | 'CHANNEL_MISCONFIGURED';

const OUTCOME_UNKNOWN: ReadonlySet<ChannelCallErrorCode> = new Set([
  'CHANNEL_TIMEOUT',
  'CHANNEL_UNAVAILABLE',
  'CHANNEL_BAD_SIGNATURE',
  'CHANNEL_BAD_RESPONSE',
]);
const RETRYABLE: ReadonlySet<ChannelCallErrorCode> = new Set([
  ...OUTCOME_UNKNOWN,
  'CHANNEL_RATE_LIMITED',
  'CHANNEL_BILL_NOT_READY',
]);

/** A channel call that did not give a usable answer. `channelCode`: the channel's own code, when it gave one. */
export class ChannelCallError extends Error {
  readonly code: ChannelCallErrorCode;
  readonly channelCode: string | undefined;
  /** Worth trying again later (the same request, or a query first). */
  readonly retryable: boolean;
  /** The channel may have acted on a state-changing request: find out by querying, never assume. */
  readonly outcomeUnknown: boolean;

  constructor(code: ChannelCallErrorCode, message: string, channelCode?: string) {
    super(message);
    this.name = 'ChannelCallError';
    this.code = code;
    this.channelCode = channelCode;
    this.retryable = RETRYABLE.has(code);
    this.outcomeUnknown = OUTCOME_UNKNOWN.has(code);
  }
}

/** Default per-call deadline: a channel that takes longer is treated as timed out. */
export const CHANNEL_REQUEST_TIMEOUT_MS = 10_000;
/** Attempts of an idempotent call (queries, bill downloads) within one use-case run, the first included. */
export const CHANNEL_IDEMPOTENT_ATTEMPTS = 3;
/** Largest API answer read (a query answer is a few KB). */
export const CHANNEL_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Largest bill downloaded (a large hospital's day is a few MB). */
export const CHANNEL_MAX_BILL_BYTES = 256 * 1024 * 1024;
