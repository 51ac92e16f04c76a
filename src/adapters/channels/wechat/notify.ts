// WeChat Pay API v3 payment and refund notifications (支付通知 / 退款结果通知).
//
// Protocol (pay.weixin.qq.com, "签名验证" and "回调通知"):
// - headers Wechatpay-Timestamp (unix seconds), Wechatpay-Nonce, Wechatpay-Signature (base64),
//   Wechatpay-Serial (platform certificate serial, or `PUB_KEY_ID_…` for the WeChat Pay public key),
//   optionally Wechatpay-Signature-Type = WECHATPAY2-SHA256-RSA2048;
// - signed message = `${timestamp}\n${nonce}\n${body}\n` over the RAW body bytes (any re-serialisation
//   breaks it), verified with SHA256-RSA (PKCS#1 v1.5) and the key selected by the serial;
// - WeChat deliberately sends probes with a wrong signature (`WECHATPAY/SIGNTEST/…`): they must fail;
// - body.resource is AEAD_AES_256_GCM: key = APIv3 key (32 bytes), iv = resource.nonce (12 bytes),
//   AAD = resource.associated_data, ciphertext = base64(encrypted || 16-byte tag);
// - reply HTTP 200/204 when accepted; 4xx/5xx with JSON {code:'FAIL', message} makes WeChat retry.
import {
  createPublicKey,
  type KeyObject,
  constants as cryptoConstants,
  verify,
  X509Certificate,
} from 'node:crypto';
import {
  type CallbackRefusal,
  type CallbackVerification,
  type ChannelNotification,
  callbackRefusal,
  fenToYuan,
  type HeaderBag,
  MAX_CALLBACK_BODY_BYTES,
  type NotificationStatus,
  singleHeader,
} from '../notification.ts';
import { openAesGcm } from '../../secrets/envelope.ts';

export const WECHAT_HEADERS = {
  timestamp: 'Wechatpay-Timestamp',
  nonce: 'Wechatpay-Nonce',
  signature: 'Wechatpay-Signature',
  serial: 'Wechatpay-Serial',
  signatureType: 'Wechatpay-Signature-Type',
} as const;
export const WECHAT_SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat's documented freshness window for notifications. */
export const WECHAT_MAX_SKEW_MS = 5 * 60 * 1000;
const APIV3_KEY_BYTES = 32;
const GCM_TAG_BYTES = 16;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export interface WechatPayNotifyConfig {
  /** Our merchant id (mchid); a notification for another merchant is refused. */
  mchId: string;
  /** Optional: the appids we pay with; when set, a payment for another appid is refused. */
  appIds?: readonly string[];
  /** The APIv3 key (32 ASCII characters). */
  apiV3Key: string;
  /** Platform certificates / WeChat Pay public key, by serial (see wechatPlatformKeys). */
  platformKeys: ReadonlyMap<string, KeyObject>;
  maxSkewMs?: number;
}

/**
 * Builds the serial → key map. A platform certificate (PEM) supplies its own serial (upper-case
 * hex, as WeChat sends it in Wechatpay-Serial); a declared serial must match it. A WeChat Pay
 * public key (PEM, serial `PUB_KEY_ID_…`) needs its serial declared.
 */
export function wechatPlatformKeys(
  entries: ReadonlyArray<{ serial?: string; pem: string }>,
): ReadonlyMap<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const { serial, pem } of entries) {
    let key: KeyObject;
    let id = serial;
    if (pem.includes('BEGIN CERTIFICATE')) {
      const cert = new X509Certificate(pem);
      const certSerial = cert.serialNumber.toUpperCase();
      // The same serial is written with or without the leading zero of its DER encoding (0122… and 122…).
      const bare = (s: string) => s.toUpperCase().replace(/^0+(?=.)/, '');
      if (id !== undefined && bare(id) !== bare(certSerial))
        throw new Error(`platform certificate serial ${certSerial} does not match the declared ${id}`);
      key = cert.publicKey;
      for (const form of new Set([certSerial, bare(certSerial), id?.toUpperCase()]))
        if (form !== undefined && form !== (id ?? certSerial)) keys.set(form, key);
      id ??= certSerial;
    } else {
      if (id === undefined) throw new Error('a WeChat Pay public key needs its serial (PUB_KEY_ID_…)');
      key = createPublicKey(pem);
    }
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`platform key ${id} is not an RSA key`);
    keys.set(id, key);
  }
  return keys;
}

/**
 * WeChat's signature over `${timestamp}\n${nonce}\n${body}\n` (notifications and API answers alike): the
 * Wechatpay-* headers present, the timestamp fresh, the key chosen by Wechatpay-Serial, SHA256-RSA valid.
 */
export function verifyWechatSigned(
  headers: HeaderBag,
  body: Buffer,
  platformKeys: ReadonlyMap<string, KeyObject>,
  nowMs: number,
  maxSkew?: number,
): { ok: true; serial: string } | CallbackRefusal {
  const req = { headers };
  const timestamp = singleHeader(req.headers, WECHAT_HEADERS.timestamp);
  const nonce = singleHeader(req.headers, WECHAT_HEADERS.nonce);
  const signature = singleHeader(req.headers, WECHAT_HEADERS.signature);
  const serial = singleHeader(req.headers, WECHAT_HEADERS.serial);
  const missing = Object.entries({ timestamp, nonce, signature, serial })
    .filter(([, v]) => v === undefined || v === '')
    .map(([k]) => WECHAT_HEADERS[k as 'timestamp' | 'nonce' | 'signature' | 'serial']);
  if (missing.length > 0)
    return callbackRefusal('CALLBACK_MALFORMED', `missing headers: ${missing.join(', ')}`);
  const signatureType = singleHeader(req.headers, WECHAT_HEADERS.signatureType);
  if (signatureType !== undefined && signatureType !== WECHAT_SIGNATURE_TYPE)
    return callbackRefusal('CALLBACK_BAD_SIGNATURE', `unsupported signature type ${signatureType}`);

  if (!/^[0-9]{1,12}$/.test(timestamp!))
    return callbackRefusal('CALLBACK_MALFORMED', 'timestamp is not unix seconds');
  const maxSkewMs = maxSkew ?? WECHAT_MAX_SKEW_MS;
  if (!(Math.abs(nowMs - Number(timestamp) * 1000) <= maxSkewMs))
    return callbackRefusal('CALLBACK_STALE', `timestamp outside ±${maxSkewMs / 1000} s`);

  const key = platformKeys.get(serial!);
  if (!key) return callbackRefusal('CALLBACK_UNKNOWN_SERIAL', `no platform key for serial ${serial}`);

  const message = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), body, Buffer.from('\n')]);
  let valid = false;
  try {
    valid = verify(
      'sha256',
      message,
      { key, padding: cryptoConstants.RSA_PKCS1_PADDING },
      Buffer.from(signature!, 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return callbackRefusal('CALLBACK_BAD_SIGNATURE', 'signature does not verify');
  return { ok: true, serial: serial! };
}

export interface WechatCallbackRequest {
  headers: HeaderBag;
  /** The raw body exactly as received. */
  body: string | Uint8Array;
}

const PAYMENT_STATES: Record<string, NotificationStatus> = {
  SUCCESS: 'succeeded',
  REFUND: 'refunded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  ACCEPT: 'pending',
  CLOSED: 'closed',
  REVOKED: 'closed',
  PAYERROR: 'failed',
};

const REFUND_STATES: Record<string, NotificationStatus> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  CLOSED: 'closed',
  ABNORMAL: 'abnormal',
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function time(text: string | undefined): Date | undefined {
  if (text === undefined || !RFC3339.test(text)) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function verifyWechatNotification(
  req: WechatCallbackRequest,
  config: WechatPayNotifyConfig,
  nowMs: number,
): CallbackVerification {
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
  if (body.length === 0 || body.length > MAX_CALLBACK_BODY_BYTES)
    return callbackRefusal('CALLBACK_MALFORMED', `body must be 1..${MAX_CALLBACK_BODY_BYTES} bytes`);

  const signed = verifyWechatSigned(req.headers, body, config.platformKeys, nowMs, config.maxSkewMs);
  if (!signed.ok) return signed;

  // Signed by WeChat from here on; what follows checks shape, not authenticity.
  let envelope: unknown;
  try {
    envelope = JSON.parse(body.toString('utf8'));
  } catch {
    return callbackRefusal('CALLBACK_MALFORMED', 'body is not JSON');
  }
  if (!isObject(envelope) || !isObject(envelope.resource))
    return callbackRefusal('CALLBACK_MALFORMED', 'body has no resource');
  const resource = envelope.resource;
  if (resource.algorithm !== 'AEAD_AES_256_GCM')
    return callbackRefusal(
      'CALLBACK_MALFORMED',
      `unsupported resource algorithm ${String(resource.algorithm)}`,
    );
  const ciphertext = str(resource, 'ciphertext');
  const iv = str(resource, 'nonce');
  const associatedData = typeof resource.associated_data === 'string' ? resource.associated_data : '';
  if (ciphertext === undefined || iv === undefined)
    return callbackRefusal('CALLBACK_MALFORMED', 'resource lacks ciphertext or nonce');

  const plain = decryptResource(config.apiV3Key, iv, associatedData, ciphertext);
  if (plain === undefined) return callbackRefusal('CALLBACK_DECRYPT_FAILED', 'resource does not decrypt');
  let data: unknown;
  try {
    data = JSON.parse(plain);
  } catch {
    return callbackRefusal('CALLBACK_MALFORMED', 'decrypted resource is not JSON');
  }
  if (!isObject(data)) return callbackRefusal('CALLBACK_MALFORMED', 'decrypted resource is not an object');

  if (str(data, 'mchid') !== config.mchId && str(data, 'sp_mchid') !== config.mchId)
    return callbackRefusal('CALLBACK_WRONG_APP', 'notification is for another merchant');
  const appId = str(data, 'appid');
  if (config.appIds && appId !== undefined && !config.appIds.includes(appId))
    return callbackRefusal('CALLBACK_WRONG_APP', 'notification is for another appid');

  const originalType = str(resource, 'original_type');
  const eventType = typeof envelope.event_type === 'string' ? envelope.event_type : '';
  const isRefund =
    originalType === 'refund' || (originalType === undefined && eventType.startsWith('REFUND.'));
  const notifiedAt = time(typeof envelope.create_time === 'string' ? envelope.create_time : undefined);
  const id = typeof envelope.id === 'string' ? envelope.id : undefined;
  return isRefund ? mapWechatRefund(data, id, notifiedAt) : mapWechatPayment(data, id, notifiedAt);
}

/** AEAD_AES_256_GCM as WeChat uses it; undefined on any failure (wrong key, bad tag, bad sizes). */
export function decryptResource(
  apiV3Key: string,
  nonce: string,
  associatedData: string,
  ciphertextBase64: string,
): string | undefined {
  const key = Buffer.from(apiV3Key, 'utf8');
  const iv = Buffer.from(nonce, 'utf8');
  const data = Buffer.from(ciphertextBase64, 'base64');
  if (key.length !== APIV3_KEY_BYTES || iv.length === 0 || data.length <= GCM_TAG_BYTES) return undefined;
  try {
    return openAesGcm(key, iv, associatedData, data);
  } catch {
    return undefined;
  }
}

/** WeChat amounts are JSON integers of fen; a string or fraction is malformed, not coerced. */
function jsonFen(v: unknown): string | undefined {
  return typeof v === 'number' ? fenToYuan(v) : undefined;
}

function checkCurrency(amount: Json): boolean {
  return amount.currency === undefined || amount.currency === 'CNY';
}

/** `amount[key]` and the optional `amount[payerKey]` (CNY, integers of fen) and the optional success_time. */
function readMoney(
  data: Json,
  amount: Json,
  key: string,
  payerKey: string,
): CallbackRefusal | { ok: true; value: string; payer: string | undefined; successTime: Date | undefined } {
  if (!checkCurrency(amount)) return callbackRefusal('CALLBACK_MALFORMED', 'only CNY is accepted');
  const value = jsonFen(amount[key]);
  if (value === undefined)
    return callbackRefusal('CALLBACK_MALFORMED', `amount.${key} is not an integer of fen`);
  const payer = amount[payerKey] === undefined ? undefined : jsonFen(amount[payerKey]);
  if (amount[payerKey] !== undefined && payer === undefined)
    return callbackRefusal('CALLBACK_MALFORMED', `amount.${payerKey} is not an integer of fen`);
  const successTime = data.success_time === undefined ? undefined : time(str(data, 'success_time'));
  if (data.success_time !== undefined && successTime === undefined)
    return callbackRefusal('CALLBACK_MALFORMED', 'success_time is not RFC 3339');
  return { ok: true, value, payer, successTime };
}

/**
 * What a transaction and a refund resource are read by: the ids they must carry (notification field → JSON
 * field), the state field and its table, and the amount fields.
 */
const RESOURCES = {
  payment: {
    what: 'transaction',
    ids: { merchantOrderNo: 'out_trade_no', channelTxnId: 'transaction_id' },
    state: 'trade_state',
    states: PAYMENT_STATES,
    amount: 'total',
    payer: 'payer_total',
  },
  refund: {
    what: 'refund',
    ids: {
      merchantOrderNo: 'out_trade_no',
      channelTxnId: 'transaction_id',
      refundNo: 'out_refund_no',
      channelRefundId: 'refund_id',
    },
    state: 'refund_status',
    states: REFUND_STATES,
    amount: 'refund',
    payer: 'payer_refund',
  },
} as const;

type ResourceIds = Pick<
  ChannelNotification,
  'merchantOrderNo' | 'channelTxnId' | 'refundNo' | 'channelRefundId'
>;

/** A transaction or refund resource (callback resource or API answer) in the platform's words. */
function mapWechatResource(
  kind: 'payment' | 'refund',
  data: Json,
  id: string | undefined,
  notifiedAt: Date | undefined,
): CallbackVerification {
  const r = RESOURCES[kind];
  const ids: Record<string, string | undefined> = {};
  for (const [name, field] of Object.entries(r.ids)) ids[name] = str(data, field);
  const state = str(data, r.state);
  const amount = isObject(data.amount) ? data.amount : undefined;
  if (Object.values(ids).includes(undefined) || !state || !amount)
    return callbackRefusal(
      'CALLBACK_MALFORMED',
      `${r.what} lacks ${[...Object.values(r.ids), r.state].join(', ')} or amount`,
    );
  const status: NotificationStatus | undefined = r.states[state];
  if (!status) return callbackRefusal('CALLBACK_MALFORMED', `unknown ${r.state} ${state}`);
  const m = readMoney(data, amount, r.amount, r.payer);
  if (!m.ok) return m;
  if (kind === 'payment' && status === 'succeeded' && !m.successTime)
    return callbackRefusal('CALLBACK_MALFORMED', 'a successful payment needs success_time');
  const occurredAt = m.successTime ?? notifiedAt;
  if (!occurredAt) return callbackRefusal('CALLBACK_MALFORMED', 'no success_time nor create_time');
  const notification: ChannelNotification = {
    channel: 'wechat',
    kind,
    status,
    channelStatus: state,
    ...(ids as ResourceIds),
    amount: m.value,
    ...(kind === 'refund' ? { amountBasis: 'this-refund' as const } : {}),
    occurredAt,
    raw: data,
  };
  if (m.payer !== undefined) notification.payerAmount = m.payer;
  if (id !== undefined) notification.notificationId = id;
  const attach = kind === 'payment' ? str(data, 'attach') : undefined;
  if (attach !== undefined) notification.attach = attach;
  return { ok: true, notification };
}

/** A transaction (callback resource or query answer) in the platform's words. */
export function mapWechatPayment(data: Json, id: string | undefined, notifiedAt: Date | undefined) {
  return mapWechatResource('payment', data, id, notifiedAt);
}

/** A refund (callback resource, or a refund API answer with `status` copied to `refund_status`). */
export function mapWechatRefund(data: Json, id: string | undefined, notifiedAt: Date | undefined) {
  return mapWechatResource('refund', data, id, notifiedAt);
}

export interface WechatCallbackReply {
  status: number;
  /** JSON body, or undefined for 204. */
  body?: { code: 'FAIL'; message: string };
}

/**
 * The answer WeChat expects. Accepted → 204 (WeChat stops retrying). A refusal → 4xx with
 * {code:'FAIL'}: WeChat retries on its schedule, which is right for a clock or key-rotation problem
 * on our side and harmless for a forgery. Use `wechatFailureReply(500, …)` when processing failed
 * after verification so WeChat redelivers.
 */
export function wechatCallbackReply(result: CallbackVerification): WechatCallbackReply {
  if (result.ok) return { status: 204 };
  const status =
    result.code === 'CALLBACK_BAD_SIGNATURE' || result.code === 'CALLBACK_UNKNOWN_SERIAL'
      ? 401
      : result.code === 'CALLBACK_WRONG_APP'
        ? 403
        : 400;
  return wechatFailureReply(status, result.code);
}

export function wechatFailureReply(status: number, message: string): WechatCallbackReply {
  return { status, body: { code: 'FAIL', message } };
}
