// Declarative message specs: one file per message type says which fields it carries, in which order, how wide
// each is in the fixed-length layout (bytes, GBK), how it is padded, and where it sits in an ISO 8583 bitmap.
// The codec engines (../codecs) read these; nothing about a message type lives in an engine.

/**
 * n: digits only; an: ASCII ids and codes ([A-Za-z0-9_.:*\/+-], no spaces); ans: free text (Chinese allowed,
 * GBK-encodable, no `|`, no control characters, no leading/trailing space); hex: lowercase hex (the MAC).
 */
export type FieldKind = 'n' | 'an' | 'ans' | 'hex';

/** How a field is laid out in an ISO 8583 message (the bit it owns in the bitmap). */
export interface IsoField {
  bit: number;
  /** fixed: always `width`; llvar / lllvar: a 2- / 3-digit length prefix, then the value. */
  length: 'fixed' | 'llvar' | 'lllvar';
  /** bcd: two digits a byte (n fields); ascii: bytes of text (GBK for ans); binary: raw bytes (hex fields). */
  encoding: 'ascii' | 'bcd' | 'binary';
}

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** Most bytes the value takes as text (GBK bytes for ans, hex digits for the MAC): its fixed-layout width. */
  width: number;
  /** The value is always exactly `width` long (when present). */
  exact?: boolean;
  /** May be empty ('' in every format; its bit is clear in ISO 8583). */
  optional?: boolean;
  /** Fixed-length layout: which side the value sits on and what fills the rest (default left, space). */
  align?: 'left' | 'right';
  pad?: ' ' | '0';
  /** XML element name (default: the name with its first letter upper-cased). */
  xml?: string;
  iso: IsoField;
}

export type MessageType =
  | 'create-order'
  | 'payment-result'
  | 'payment-unknown'
  | 'refund'
  | 'order-query'
  | 'heartbeat'
  | 'response';

export interface MessageSpec {
  type: MessageType;
  /** Four digits: the first field of pipe and fixed-length messages, the XML <Code>, the 8583 MTI. */
  code: string;
  title: { zh: string; en: string };
  /** In order; the last one is the MAC (`mac`), left out of the bytes the MAC is computed over. */
  fields: readonly FieldSpec[];
}

/** A decoded message: every value a string ('' for an empty optional field); `mac` absent when unsigned. */
export interface DeviceMessage {
  type: MessageType;
  fields: Record<string, string>;
}

export const MAC_FIELD = 'mac';
/** HMAC-SHA256: 32 bytes, 64 hex digits. */
export const MAC_BYTES = 32;

// Builders keep the spec files to one line a field.
type Extra = Partial<Pick<FieldSpec, 'exact' | 'optional' | 'align' | 'pad' | 'xml'>>;

export function n(name: string, width: number, iso: IsoField, extra: Extra = {}): FieldSpec {
  return { name, kind: 'n', width, exact: true, ...extra, iso };
}
export function an(name: string, width: number, iso: IsoField, extra: Extra = {}): FieldSpec {
  return { name, kind: 'an', width, ...extra, iso };
}
export function ans(name: string, width: number, iso: IsoField, extra: Extra = {}): FieldSpec {
  return { name, kind: 'ans', width, ...extra, iso };
}

export const iso = {
  bcd: (bit: number): IsoField => ({ bit, length: 'fixed', encoding: 'bcd' }),
  fixed: (bit: number): IsoField => ({ bit, length: 'fixed', encoding: 'ascii' }),
  ll: (bit: number): IsoField => ({ bit, length: 'llvar', encoding: 'ascii' }),
  lll: (bit: number): IsoField => ({ bit, length: 'lllvar', encoding: 'ascii' }),
  llBcd: (bit: number): IsoField => ({ bit, length: 'llvar', encoding: 'bcd' }),
};

/** The MAC, always last: bit 64 when the message fits the primary bitmap, 128 otherwise. */
export function mac(bit: 64 | 128): FieldSpec {
  return {
    name: MAC_FIELD,
    kind: 'hex',
    width: MAC_BYTES * 2,
    exact: true,
    iso: { bit, length: 'fixed', encoding: 'binary' },
  };
}

/** Every message starts with who sent it, its serial number (流水号) and the device's clock (yyyyMMddHHmmss). */
export const HEADER: readonly FieldSpec[] = [
  an('deviceId', 16, iso.ll(62)),
  an('serial', 32, iso.ll(59)),
  n('time', 14, iso.bcd(7)),
];

/** A request a device sends: the header, its own fields, then the MAC at `macBit`. */
export function request(
  head: Pick<MessageSpec, 'type' | 'code' | 'title'> & { macBit: 64 | 128 },
  fields: readonly FieldSpec[],
): MessageSpec {
  const { macBit, ...spec } = head;
  return { ...spec, fields: [...HEADER, ...fields, mac(macBit)] };
}
