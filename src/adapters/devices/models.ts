// Device models: which format a model speaks, how its frames are cut, and whether it keeps its connection.
// The gateway opens one TCP listener per model it serves (a port speaks one framing).
import { type CodecOptions, codecFor, type DeviceCodec, type DeviceFormat } from './codecs/index.ts';
import type { Framing } from './framing.ts';

export interface DeviceModel {
  name: string;
  format: DeviceFormat;
  codec: CodecOptions;
  framing: Framing;
  /** long: many requests per connection; short: one request, one response, then the gateway closes. */
  connection: 'long' | 'short';
}

export const DEVICE_MODELS: Readonly<Record<string, DeviceModel>> = {
  'kiosk-pipe': {
    name: 'kiosk-pipe',
    format: 'pipe',
    codec: {},
    framing: { kind: 'ascii', digits: 4 },
    connection: 'short',
  },
  'kiosk-fixed': {
    name: 'kiosk-fixed',
    format: 'fixed',
    codec: {},
    framing: { kind: 'binary', bytes: 2 },
    connection: 'long',
  },
  'kiosk-xml': {
    name: 'kiosk-xml',
    format: 'xml',
    codec: { xmlCharset: 'gbk' },
    framing: { kind: 'binary', bytes: 4 },
    connection: 'long',
  },
  'mispos-8583': {
    name: 'mispos-8583',
    format: 'iso8583',
    codec: { iso: { mti: 'bcd', lengthPrefix: 'bcd' } },
    framing: { kind: 'binary', bytes: 2 },
    connection: 'long',
  },
  'mispos-8583-ascii': {
    name: 'mispos-8583-ascii',
    format: 'iso8583',
    codec: { iso: { mti: 'ascii', lengthPrefix: 'ascii' } },
    framing: { kind: 'ascii', digits: 6 },
    connection: 'short',
  },
};

export function deviceModel(name: string): DeviceModel {
  const model = DEVICE_MODELS[name];
  if (!model)
    throw new RangeError(`unknown device model ${name} (known: ${Object.keys(DEVICE_MODELS).join(', ')})`);
  return model;
}

export function modelCodec(model: DeviceModel): DeviceCodec {
  return codecFor(model.format, model.codec);
}
