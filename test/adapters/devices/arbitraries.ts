// Valid device messages generated from the declarative specs, for the round-trip properties, the fuzzers
// and the bench.
import fc from 'fast-check';
import {
  codecFor,
  DEVICE_FORMATS,
  type DeviceCodec,
  jsonCodec,
} from '../../../src/adapters/devices/codecs/index.ts';
import {
  ALL_SPECS,
  type DeviceMessage,
  type FieldSpec,
  MAC_FIELD,
  type MessageSpec,
} from '../../../src/adapters/devices/specs/index.ts';
import iconv from 'iconv-lite';

/** Fixed seeds: the same inputs every run. FUZZ_RUNS raises the count for a longer run. */
export const SEED = 20261202;
export const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:*/+-'.split('');
const HANZI = '挂号门诊缴费住院预交金退款超时自助机银联医保卡张三李四王五'.split('');
const ASCII_TEXT = 'ABCxyz019 -()'.split('');

const gbkLength = (s: string) => iconv.encode(s, 'gbk').length;

function fieldValue(field: FieldSpec): fc.Arbitrary<string> {
  const w = field.width;
  switch (field.kind) {
    case 'n':
      return fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: w, maxLength: w });
    case 'hex':
      return fc.uint8Array({ minLength: w / 2, maxLength: w / 2 }).map((b) => Buffer.from(b).toString('hex'));
    case 'an':
      return fc.string({ unit: fc.constantFrom(...AN), minLength: field.exact ? w : 1, maxLength: w });
    case 'ans':
      return fc
        .array(fc.oneof(fc.constantFrom(...HANZI), fc.constantFrom(...ASCII_TEXT)), {
          minLength: 1,
          maxLength: w,
        })
        .map((cs) => {
          let s = '';
          for (const c of cs) if (gbkLength(s + c) <= w) s += c;
          return s.trim() === '' ? '号' : s.trim();
        });
  }
}

/** A valid message of this spec, signed (a random MAC) or not. */
export function messageArbitrary(spec: MessageSpec, signed = true): fc.Arbitrary<DeviceMessage> {
  const record: Record<string, fc.Arbitrary<string>> = {};
  for (const f of spec.fields) {
    if (f.name === MAC_FIELD && !signed) continue;
    record[f.name] = f.optional ? fc.oneof(fc.constant(''), fieldValue(f)) : fieldValue(f);
  }
  return fc.record(record).map((fields) => ({ type: spec.type, fields }));
}

export const anyMessage = fc.oneof(...ALL_SPECS.map((s) => messageArbitrary(s)));

export const CODECS: readonly (readonly [string, DeviceCodec])[] = [
  ...DEVICE_FORMATS.map((f) => [f, codecFor(f)] as const),
  ['xml-gbk', codecFor('xml', { xmlCharset: 'gbk' })],
  ['iso8583-ascii', codecFor('iso8583', { iso: { mti: 'ascii', lengthPrefix: 'ascii' } })],
  ['json (MQTT)', jsonCodec],
];
