// Typed ids. Every id is a string (in commands, events and SQL); the brand keeps an OrderId from being passed
// where a RefundId is expected. Constructors validate, so the bus builds commands from untrusted JSON through them.
import { reject } from './rejection.ts';

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type HospitalId = Brand<string, 'HospitalId'>;
/** Platform order number (商户订单号): the order stream id and what channels echo back. */
export type OrderId = Brand<string, 'OrderId'>;
/** Platform refund number (商户退款单号). */
export type RefundId = Brand<string, 'RefundId'>;
/** The channel's own transaction id (微信/支付宝交易号, POS reference…). */
export type ChannelTxnId = Brand<string, 'ChannelTxnId'>;
/** One attempt to pay an order (a kiosk/app prepay request). */
export type AttemptId = Brand<string, 'AttemptId'>;
export type PatientId = Brand<string, 'PatientId'>;
/** An inpatient stay (住院号); the deposit stream id. */
export type AdmissionId = Brand<string, 'AdmissionId'>;
/** Any other reference to a counter-party record: HIS charge item, department, doctor, slot, visit, receipt, fee line. */
export type RefId = Brand<string, 'RefId'>;
/** A payment channel: wechat, alipay, unionpay, insurance, cash, window, … */
export type Channel = Brand<string, 'Channel'>;

export const KNOWN_CHANNELS = ['wechat', 'alipay', 'unionpay', 'insurance', 'cash', 'window'] as const;

// Ids must fit the id segment of a stream id (see STREAM_ID_PATTERN in event-store.ts).
const ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const HOSPITAL_RE = /^[A-Za-z0-9_-]{1,64}$/;
const CHANNEL_RE = /^[a-z][a-z0-9-]{0,31}$/;

function idParser<T extends string>(kind: string, re: RegExp): (s: string) => T {
  return (s: string): T => {
    if (typeof s !== 'string' || !re.test(s))
      throw reject('INVALID_ID', { kind, input: String(s).slice(0, 200) });
    return s as T;
  };
}

export const HospitalId = idParser<HospitalId>('HospitalId', HOSPITAL_RE);
export const OrderId = idParser<OrderId>('OrderId', ID_RE);
export const RefundId = idParser<RefundId>('RefundId', ID_RE);
export const ChannelTxnId = idParser<ChannelTxnId>('ChannelTxnId', ID_RE);
export const AttemptId = idParser<AttemptId>('AttemptId', ID_RE);
export const PatientId = idParser<PatientId>('PatientId', ID_RE);
export const AdmissionId = idParser<AdmissionId>('AdmissionId', ID_RE);
export const RefId = idParser<RefId>('RefId', ID_RE);
export const Channel = idParser<Channel>('Channel', CHANNEL_RE);

/** A payer account reference (openid, card number, phone…) as stored: it must already be masked. */
export type MaskedRef = Brand<string, 'MaskedRef'>;

// Eight or more consecutive digits look like an unmasked card, ID-card or phone number.
const UNMASKED_RE = /\d{8,}/;

export function MaskedRef(s: string): MaskedRef {
  if (typeof s !== 'string' || s.length === 0 || s.length > 64 || UNMASKED_RE.test(s))
    throw reject('INVALID_ID', { kind: 'MaskedRef', reason: 'must be a masked reference' });
  return s as MaskedRef;
}

/** Masks a raw account reference: keeps the first 4 and last 4 characters ("6222****1234"). */
export function maskRef(raw: string): MaskedRef {
  const keep = raw.length >= 12 ? 4 : Math.max(1, Math.floor(raw.length / 4));
  return MaskedRef(`${raw.slice(0, keep)}****${raw.slice(raw.length - keep)}`);
}
