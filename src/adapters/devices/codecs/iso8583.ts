// ISO 8583 (银联 8583 style) from the declarative specs: MTI, a binary primary bitmap (bit 1 announces the
// secondary bitmap, present exactly when a field above 64 is), then the present fields in bit order.
// Per field: fixed, LLVAR or LLLVAR; n digits as BCD (two a byte, right-aligned) or ASCII; text in GBK; the
// MAC as raw bytes. Profile options (per device model): MTI and length prefixes in ASCII or BCD.
import {
  type DeviceMessage,
  type FieldSpec,
  MAC_FIELD,
  type MessageSpec,
  specByCode,
} from '../specs/index.ts';
import { deviceError } from './errors.ts';
import { checkMessage, type DeviceCodec, gbkBytes, gbkText, messageOf } from './fields.ts';

export interface IsoProfile {
  mti: 'ascii' | 'bcd';
  lengthPrefix: 'ascii' | 'bcd';
}

export const DEFAULT_ISO_PROFILE: IsoProfile = { mti: 'bcd', lengthPrefix: 'bcd' };

const BITMAP_BYTES = 8;

export function bcdEncode(digits: string): Buffer {
  const even = digits.length % 2 === 0 ? digits : `0${digits}`;
  return Buffer.from(even, 'hex');
}

/** `count` digits from BCD bytes; refuses nibbles above 9 and a non-zero filler nibble. */
export function bcdDecode(bytes: Buffer, count: number, where: string): string {
  const hex = bytes.toString('hex');
  if (!/^[0-9]*$/.test(hex)) throw deviceError('MALFORMED_MESSAGE', `${where} is not BCD`);
  if (hex.length > count && hex[0] !== '0')
    throw deviceError('MALFORMED_MESSAGE', `${where} has a BCD filler`);
  return hex.slice(hex.length - count);
}

const bcdSize = (digits: number) => Math.ceil(digits / 2);

/** Bytes of the value as carried (its length prefix counts digits for BCD, bytes otherwise). */
function valueBytes(field: FieldSpec, value: string): { bytes: Buffer; count: number } {
  switch (field.iso.encoding) {
    case 'bcd':
      return { bytes: bcdEncode(value), count: value.length };
    case 'binary':
      return { bytes: Buffer.from(value, 'hex'), count: value.length / 2 };
    case 'ascii': {
      const bytes = gbkBytes(value);
      return { bytes, count: bytes.length };
    }
  }
}

function prefixDigits(field: FieldSpec): number {
  return field.iso.length === 'llvar' ? 2 : 3;
}

class Reader {
  at = 0;
  constructor(readonly bytes: Buffer) {}
  take(n: number, what: string): Buffer {
    if (this.at + n > this.bytes.length)
      throw deviceError('WRONG_LENGTH', `the message ends inside ${what} (needs ${n} bytes at ${this.at})`);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

export function iso8583Codec(profile: IsoProfile = DEFAULT_ISO_PROFILE): DeviceCodec {
  const encodeLength = (field: FieldSpec, count: number): Buffer => {
    const digits = String(count).padStart(prefixDigits(field), '0');
    return profile.lengthPrefix === 'bcd' ? bcdEncode(digits) : Buffer.from(digits, 'latin1');
  };
  const decodeLength = (field: FieldSpec, r: Reader): number => {
    const digits = prefixDigits(field);
    const raw =
      profile.lengthPrefix === 'bcd'
        ? bcdDecode(r.take(bcdSize(digits), `${field.name}'s length`), digits, `${field.name}'s length`)
        : r.take(digits, `${field.name}'s length`).toString('latin1');
    if (!/^[0-9]+$/.test(raw)) throw deviceError('MALFORMED_MESSAGE', `${field.name}'s length is not digits`);
    return Number(raw);
  };

  const readField = (field: FieldSpec, r: Reader): string => {
    // a fixed binary field's width is in hex digits, two a byte
    let count = field.iso.encoding === 'binary' ? field.width / 2 : field.width;
    if (field.iso.length !== 'fixed') {
      count = decodeLength(field, r);
      if (count === 0 || count > field.width)
        throw deviceError('WRONG_LENGTH', `${field.name} says ${count}; it holds 1..${field.width}`);
    }
    switch (field.iso.encoding) {
      case 'bcd':
        return bcdDecode(r.take(bcdSize(count), field.name), count, field.name);
      case 'binary':
        return r.take(count, field.name).toString('hex');
      case 'ascii':
        return gbkText(r.take(count, field.name), field.name);
    }
  };

  return {
    format: 'iso8583',

    encode(message: DeviceMessage): Buffer {
      const { spec, values } = checkMessage(message);
      const present = values.filter(([, v]) => v !== '').sort(([a], [b]) => a.iso.bit - b.iso.bit);
      const secondary = present.some(([f]) => f.iso.bit > 64);
      const bitmap = Buffer.alloc(secondary ? 2 * BITMAP_BYTES : BITMAP_BYTES);
      const setBit = (bit: number) => (bitmap[(bit - 1) >> 3]! |= 0x80 >> ((bit - 1) & 7));
      if (secondary) setBit(1);
      const parts: Buffer[] = [];
      for (const [field, value] of present) {
        setBit(field.iso.bit);
        const { bytes, count } = valueBytes(field, value);
        if (field.iso.length !== 'fixed') parts.push(encodeLength(field, count));
        parts.push(bytes);
      }
      const mti = profile.mti === 'bcd' ? bcdEncode(spec.code) : Buffer.from(spec.code, 'latin1');
      return Buffer.concat([mti, bitmap, ...parts]);
    },

    decode(bytes: Buffer): DeviceMessage {
      const r = new Reader(bytes);
      const mti =
        profile.mti === 'bcd'
          ? bcdDecode(r.take(2, 'the MTI'), 4, 'the MTI')
          : r.take(4, 'the MTI').toString('latin1');
      const spec = specByCode(mti);
      if (!spec) throw deviceError('UNKNOWN_MESSAGE_TYPE', `MTI ${JSON.stringify(mti)}`);
      const bits = readBitmap(r);
      const values = new Map<string, string>();
      for (const bit of bits) {
        const field = fieldAt(spec, bit);
        values.set(field.name, readField(field, r));
      }
      if (r.at !== bytes.length)
        throw deviceError('WRONG_LENGTH', `${bytes.length - r.at} bytes follow the last field of the bitmap`);
      for (const field of spec.fields)
        if (!field.optional && field.name !== MAC_FIELD && !values.has(field.name))
          throw deviceError('BAD_BITMAP', `${spec.type} needs field ${field.iso.bit} (${field.name})`);
      return messageOf(spec, values);
    },
  };
}

/** The bits set, in order, without bit 1; a secondary bitmap announced but empty is refused (not canonical). */
function readBitmap(r: Reader): number[] {
  const primary = r.take(BITMAP_BYTES, 'the bitmap');
  const hasSecondary = (primary[0]! & 0x80) !== 0;
  const map = hasSecondary ? Buffer.concat([primary, r.take(BITMAP_BYTES, 'the secondary bitmap')]) : primary;
  const bits: number[] = [];
  for (let bit = 2; bit <= map.length * 8; bit++)
    if (map[(bit - 1) >> 3]! & (0x80 >> ((bit - 1) & 7))) bits.push(bit);
  if (hasSecondary && !bits.some((b) => b > 64))
    throw deviceError('BAD_BITMAP', 'bit 1 announces a secondary bitmap with no field set in it');
  return bits;
}

function fieldAt(spec: MessageSpec, bit: number): FieldSpec {
  const field = spec.fields.find((f) => f.iso.bit === bit);
  if (!field) throw deviceError('BAD_BITMAP', `${spec.type} has no field ${bit}`);
  return field;
}
