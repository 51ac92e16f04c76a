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

function model(
  name: string,
  format: DeviceFormat,
  codec: CodecOptions,
  framing: Framing,
  connection: DeviceModel['connection'],
): [string, DeviceModel] {
  return [name, { name, format, codec, framing, connection }];
}

/** An ISO 8583 model encodes its MTI and its variable-length prefixes the same way. */
function isoCodec(encoding: 'ascii' | 'bcd'): CodecOptions {
  return { iso: { mti: encoding, lengthPrefix: encoding } };
}

export const DEVICE_MODELS: Readonly<Record<string, DeviceModel>> = Object.fromEntries([
  model('kiosk-pipe', 'pipe', {}, { kind: 'ascii', digits: 4 }, 'short'),
  model('kiosk-fixed', 'fixed', {}, { kind: 'binary', bytes: 2 }, 'long'),
  model('kiosk-xml', 'xml', { xmlCharset: 'gbk' }, { kind: 'binary', bytes: 4 }, 'long'),
  model('mispos-8583', 'iso8583', isoCodec('bcd'), { kind: 'binary', bytes: 2 }, 'long'),
  model('mispos-8583-ascii', 'iso8583', isoCodec('ascii'), { kind: 'ascii', digits: 6 }, 'short'),
]);

export function deviceModel(name: string): DeviceModel {
  const model = DEVICE_MODELS[name];
  if (!model)
    throw new RangeError(`unknown device model ${name} (known: ${Object.keys(DEVICE_MODELS).join(', ')})`);
  return model;
}

export function modelCodec(model: DeviceModel): DeviceCodec {
  return codecFor(model.format, model.codec);
}
