// What every codec shares: field validation against the spec, GBK text, and the spec lookup by code.
import iconv from 'iconv-lite';
import { type DeviceMessage, type FieldSpec, MAC_FIELD, type MessageSpec, SPECS } from '../specs/index.ts';
import { deviceError } from './errors.ts';

export const CHARSET = 'gbk';

const KIND_PATTERNS = {
  n: /^[0-9]*$/,
  an: /^[A-Za-z0-9_.:*/+-]*$/,
  hex: /^[0-9a-f]*$/,
  // no control characters, no field separator, no markup-significant whitespace at either end
  ans: /^(?![\s])[^\p{Cc}|\uFFFD]*(?<![\s])$/u,
} as const;

function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

// GBK is ASCII below 0x80: most fields are ids and digits, so they skip the converter.
export function gbkBytes(text: string): Buffer {
  return isAsciiText(text) ? Buffer.from(text, 'latin1') : iconv.encode(text, CHARSET);
}

function isAscii(bytes: Buffer): boolean {
  for (const b of bytes) if (b > 0x7f) return false;
  return true;
}

/** GBK bytes → text; refuses bytes that are not GBK (they would not encode back to themselves). */
export function gbkText(bytes: Buffer, where: string): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  const text = iconv.decode(bytes, CHARSET);
  if (!gbkBytes(text).equals(bytes)) throw deviceError('INVALID_ENCODING', `${where} is not valid GBK`);
  return text;
}

/** The size a value takes: GBK bytes for text, characters otherwise (hex digits for the MAC). */
export function sizeOf(field: FieldSpec, value: string): number {
  return field.kind === 'ans' ? gbkBytes(value).length : value.length;
}

export function checkField(field: FieldSpec, value: string | undefined): string {
  if (value === undefined || value === '') {
    if (field.optional) return '';
    throw deviceError('INVALID_FIELD', `${field.name} is required`);
  }
  if (typeof value !== 'string' || !KIND_PATTERNS[field.kind].test(value))
    throw deviceError('INVALID_FIELD', `${field.name} has characters a ${field.kind} field may not`);
  if (field.kind === 'ans' && !isAsciiText(value) && iconv.decode(gbkBytes(value), CHARSET) !== value)
    throw deviceError('INVALID_FIELD', `${field.name} has characters GBK cannot carry`);
  if (field.kind === 'hex' && value.length % 2 !== 0)
    throw deviceError('INVALID_FIELD', `${field.name} has an odd number of hex digits`);
  const size = sizeOf(field, value);
  if (field.exact ? size !== field.width : size > field.width)
    throw deviceError(
      'INVALID_FIELD',
      `${field.name} is ${size} long; it must be ${field.exact ? '' : 'at most '}${field.width}`,
    );
  const pad = padOf(field);
  if (
    !field.exact &&
    value.length > 0 &&
    (field.align === 'right' ? value.startsWith(pad) : value.endsWith(pad))
  )
    throw deviceError('INVALID_FIELD', `${field.name} may not end in its padding character`);
  return value;
}

export function padOf(field: FieldSpec): string {
  return field.pad ?? ' ';
}

/** Checks a message against its spec and returns its fields in spec order (mac last, when present). */
export function checkMessage(message: DeviceMessage): { spec: MessageSpec; values: [FieldSpec, string][] } {
  const spec = SPECS[message.type];
  if (!spec) throw deviceError('UNKNOWN_MESSAGE_TYPE', `no message type ${String(message.type)}`);
  const known = new Set(spec.fields.map((f) => f.name));
  for (const name of Object.keys(message.fields))
    if (!known.has(name)) throw deviceError('INVALID_FIELD', `${spec.type} has no field ${name}`);
  const values: [FieldSpec, string][] = [];
  for (const field of spec.fields) {
    if (field.name === MAC_FIELD && message.fields[MAC_FIELD] === undefined) continue;
    values.push([field, checkField(field, message.fields[field.name])]);
  }
  return { spec, values };
}

/** Builds the decoded message: every spec field present ('' when empty), mac only when it was there. */
export function messageOf(spec: MessageSpec, values: ReadonlyMap<string, string>): DeviceMessage {
  const fields: Record<string, string> = {};
  for (const field of spec.fields) {
    const v = values.get(field.name);
    if (field.name === MAC_FIELD && v === undefined) continue;
    fields[field.name] = checkField(field, v ?? '');
  }
  return { type: spec.type, fields };
}

export function withoutMac(message: DeviceMessage): DeviceMessage {
  const { [MAC_FIELD]: _mac, ...fields } = message.fields;
  return { type: message.type, fields };
}

export interface DeviceCodec {
  /** The TCP formats, or json (MQTT payloads). */
  readonly format: DeviceFormat | 'json';
  encode(message: DeviceMessage): Buffer;
  /** Throws DeviceError; never returns a message its spec would refuse. */
  decode(bytes: Buffer): DeviceMessage;
}

export type DeviceFormat = 'pipe' | 'fixed' | 'xml' | 'iso8583';
export const DEVICE_FORMATS: readonly DeviceFormat[] = ['pipe', 'fixed', 'xml', 'iso8583'];
