// Alipay asynchronous notifications (异步通知, notify_type=trade_status_sync), form-urlencoded POST.
//
// Verification (Alipay open platform "异步通知验签"): take every parameter except `sign` and
// `sign_type`, drop empty values, sort by key, join `key=value` with `&` using the DECODED values,
// and verify `sign` (base64) with SHA256WithRSA (RSA2) and Alipay's public key (not ours). The
// signed bytes are in the notification's `charset` (utf-8 or gbk), so the content is rebuilt from
// the percent-decoded bytes directly instead of re-encoding strings.
//
// Refunds arrive on the payment's notify_url: a partial refund keeps trade_status TRADE_SUCCESS, a
// full refund makes it TRADE_CLOSED; both carry refund_fee (the trade's TOTAL refunded so far),
// gmt_refund and out_biz_no (our refund request number). Reply the plain text `success`; anything
// else makes Alipay retry (over ~25 h), so replaying a genuine notification is harmless and there is
// no freshness window to check.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  type CallbackVerification,
  type ChannelNotification,
  callbackRefusal,
  MAX_CALLBACK_BODY_BYTES,
  type NotificationStatus,
  normalizeYuan,
} from '../notification.ts';

export const ALIPAY_ACK = 'success';
export const ALIPAY_NACK = 'failure';
/** Parameters one notification may carry; real ones have ~30. */
export const MAX_ALIPAY_PARAMS = 200;
const SHANGHAI_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{1,3})?$/;
const CHARSETS: Record<string, string> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
};

export interface AlipayNotifyConfig {
  /** Our application's app_id; a notification for another app is refused. */
  appId: string;
  /** Alipay's public key for this app (支付宝公钥), PEM or KeyObject. */
  alipayPublicKey: KeyObject | string;
  /** Optional: our seller id (2088…); when set, a notification for another seller is refused. */
  sellerId?: string;
}

interface FormParam {
  key: string;
  raw: Buffer;
}

const TRADE_STATES: Record<string, NotificationStatus> = {
  TRADE_SUCCESS: 'succeeded',
  TRADE_FINISHED: 'succeeded', // no refunds possible any more; the money moved at TRADE_SUCCESS
  WAIT_BUYER_PAY: 'pending',
  TRADE_CLOSED: 'closed',
};

function percentDecode(text: string): Buffer | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2b)
      bytes.push(0x20); // '+' is a space in application/x-www-form-urlencoded
    else if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else return undefined; // a raw non-ASCII byte in a urlencoded body is not Alipay's encoding
  }
  return Buffer.from(bytes);
}

function parseForm(body: string): FormParam[] | undefined {
  const params: FormParam[] = [];
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const keyBytes = percentDecode(eq === -1 ? pair : pair.slice(0, eq));
    const raw = percentDecode(eq === -1 ? '' : pair.slice(eq + 1));
    if (!keyBytes || !raw) return undefined;
    const key = keyBytes.toString('latin1');
    if (!/^[a-z0-9_]{1,64}$/i.test(key)) return undefined;
    params.push({ key, raw });
    if (params.length > MAX_ALIPAY_PARAMS) return undefined;
  }
  return params;
}

/** The exact bytes Alipay signed: sorted `k=v` of non-empty params other than sign and sign_type. */
export function alipaySignContent(params: ReadonlyArray<{ key: string; raw: Buffer }>): Buffer {
  const parts = params
    .filter((p) => p.key !== 'sign' && p.key !== 'sign_type' && p.raw.length > 0)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .flatMap((p, i) => [Buffer.from(`${i === 0 ? '' : '&'}${p.key}=`, 'latin1'), p.raw]);
  return Buffer.concat(parts);
}

/** "yyyy-MM-dd HH:mm:ss[.SSS]" in Asia/Shanghai (UTC+8 all year, no DST) → Date. */
export function parseShanghaiTime(text: string | undefined): Date | undefined {
  const m = text === undefined ? null : SHANGHAI_TIME.exec(text);
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? ''}+08:00`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function verifyAlipayNotification(
  body: string | Uint8Array,
  config: AlipayNotifyConfig,
): CallbackVerification {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  if (bytes.length === 0 || bytes.length > MAX_CALLBACK_BODY_BYTES)
    return callbackRefusal('CALLBACK_MALFORMED', `body must be 1..${MAX_CALLBACK_BODY_BYTES} bytes`);
  const params = parseForm(bytes.toString('latin1'));
  if (!params) return callbackRefusal('CALLBACK_MALFORMED', 'body is not application/x-www-form-urlencoded');
  const seen = new Set<string>();
  for (const p of params) {
    // A repeated key makes "the" value ambiguous between us and whoever signed: refuse.
    if (seen.has(p.key)) return callbackRefusal('CALLBACK_MALFORMED', `parameter ${p.key} repeated`);
    seen.add(p.key);
  }
  const rawOf = (key: string) => params.find((p) => p.key === key)?.raw;
  const charsetName = (rawOf('charset')?.toString('latin1') ?? 'utf-8').toLowerCase();
  const charset = CHARSETS[charsetName];
  if (!charset) return callbackRefusal('CALLBACK_MALFORMED', `unsupported charset ${charsetName}`);

  const values: Record<string, string> = {};
  const decoder = new TextDecoder(charset, { fatal: true });
  try {
    for (const p of params) values[p.key] = decoder.decode(p.raw);
  } catch {
    return callbackRefusal('CALLBACK_MALFORMED', `a value is not valid ${charset}`);
  }

  const sign = values.sign;
  if (!sign) return callbackRefusal('CALLBACK_BAD_SIGNATURE', 'no sign parameter');
  if (values.sign_type !== undefined && values.sign_type !== 'RSA2')
    return callbackRefusal('CALLBACK_BAD_SIGNATURE', `unsupported sign_type ${values.sign_type}; only RSA2`);
  let valid = false;
  try {
    const key =
      typeof config.alipayPublicKey === 'string'
        ? createPublicKey(config.alipayPublicKey)
        : config.alipayPublicKey;
    valid = verify('sha256', alipaySignContent(params), key, Buffer.from(sign, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return callbackRefusal('CALLBACK_BAD_SIGNATURE', 'signature does not verify');

  if (values.app_id !== config.appId)
    return callbackRefusal('CALLBACK_WRONG_APP', 'notification is for another app_id');
  if (config.sellerId !== undefined && values.seller_id !== undefined && values.seller_id !== config.sellerId)
    return callbackRefusal('CALLBACK_WRONG_APP', 'notification is for another seller_id');
  return mapNotification(values);
}

function mapNotification(v: Record<string, string>): CallbackVerification {
  const { out_trade_no: merchantOrderNo, trade_no: channelTxnId, trade_status: state } = v;
  if (!merchantOrderNo || !channelTxnId || !state)
    return callbackRefusal('CALLBACK_MALFORMED', 'notification lacks out_trade_no, trade_no or trade_status');
  const tradeStatus = TRADE_STATES[state];
  if (!tradeStatus) return callbackRefusal('CALLBACK_MALFORMED', `unknown trade_status ${state}`);
  const { sign: _sign, ...raw } = v;
  const base = {
    channel: 'alipay' as const,
    channelStatus: state,
    merchantOrderNo,
    channelTxnId,
    raw,
    ...(v.notify_id ? { notificationId: v.notify_id } : {}),
    ...(v.passback_params ? { attach: v.passback_params } : {}),
  };
  const notifiedAt = parseShanghaiTime(v.notify_time);

  // Refund-triggered notifications are the ones carrying refund_fee and gmt_refund.
  if (v.refund_fee || v.gmt_refund) {
    const amount = normalizeYuan(v.refund_fee ?? '');
    if (amount === undefined) return callbackRefusal('CALLBACK_MALFORMED', 'refund_fee is not a yuan amount');
    if (!v.out_biz_no) return callbackRefusal('CALLBACK_MALFORMED', 'refund notification lacks out_biz_no');
    const occurredAt = parseShanghaiTime(v.gmt_refund);
    if (!occurredAt) return callbackRefusal('CALLBACK_MALFORMED', 'gmt_refund is not yyyy-MM-dd HH:mm:ss');
    const notification: ChannelNotification = {
      ...base,
      kind: 'refund',
      status: 'succeeded', // Alipay only notifies refunds that went through
      refundNo: v.out_biz_no,
      amount,
      amountBasis: 'cumulative-refunds',
      occurredAt,
    };
    return { ok: true, notification };
  }

  const amount = normalizeYuan(v.total_amount ?? '');
  if (amount === undefined) return callbackRefusal('CALLBACK_MALFORMED', 'total_amount is not a yuan amount');
  const payerAmount = v.buyer_pay_amount ? normalizeYuan(v.buyer_pay_amount) : undefined;
  if (v.buyer_pay_amount && payerAmount === undefined)
    return callbackRefusal('CALLBACK_MALFORMED', 'buyer_pay_amount is not a yuan amount');
  for (const field of ['gmt_payment', 'gmt_close', 'gmt_create', 'notify_time'] as const)
    if (v[field] && !parseShanghaiTime(v[field]))
      return callbackRefusal('CALLBACK_MALFORMED', `${field} is not yyyy-MM-dd HH:mm:ss`);
  const paidAt = parseShanghaiTime(v.gmt_payment);
  if (tradeStatus === 'succeeded' && !paidAt)
    return callbackRefusal('CALLBACK_MALFORMED', 'a successful payment needs gmt_payment');
  const occurredAt =
    (tradeStatus === 'closed' ? parseShanghaiTime(v.gmt_close) : paidAt) ??
    parseShanghaiTime(v.gmt_create) ??
    notifiedAt;
  if (!occurredAt) return callbackRefusal('CALLBACK_MALFORMED', 'notification carries no usable time');
  const notification: ChannelNotification = {
    ...base,
    kind: 'payment',
    status: tradeStatus,
    amount,
    occurredAt,
  };
  if (payerAmount !== undefined) notification.payerAmount = payerAmount;
  return { ok: true, notification };
}

export interface AlipayCallbackReply {
  status: number;
  contentType: 'text/plain';
  body: typeof ALIPAY_ACK | typeof ALIPAY_NACK;
}

/**
 * Alipay reads only the body: `success` stops its retries, anything else schedules one. Refusals
 * still answer 4xx so our own monitoring sees them; use `alipayFailureReply()` (500) when
 * processing failed after verification.
 */
export function alipayCallbackReply(result: CallbackVerification): AlipayCallbackReply {
  if (result.ok) return { status: 200, contentType: 'text/plain', body: ALIPAY_ACK };
  return {
    status: result.code === 'CALLBACK_BAD_SIGNATURE' ? 401 : result.code === 'CALLBACK_WRONG_APP' ? 403 : 400,
    contentType: 'text/plain',
    body: ALIPAY_NACK,
  };
}

export function alipayFailureReply(): AlipayCallbackReply {
  return { status: 500, contentType: 'text/plain', body: ALIPAY_NACK };
}
