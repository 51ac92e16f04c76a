import type { DeviceCodec, DeviceFormat } from './fields.ts';
import { fixedCodec } from './fixed.ts';
import { DEFAULT_ISO_PROFILE, type IsoProfile, iso8583Codec } from './iso8583.ts';
import { pipeCodec } from './pipe.ts';
import { xmlCodec } from './xml.ts';

export * from './errors.ts';
export { type DeviceCodec, DEVICE_FORMATS, type DeviceFormat, withoutMac } from './fields.ts';
export type { IsoProfile } from './iso8583.ts';
export { jsonCodec } from './json.ts';

export interface CodecOptions {
  xmlCharset?: 'utf8' | 'gbk';
  iso?: IsoProfile;
}

export function codecFor(format: DeviceFormat, options: CodecOptions = {}): DeviceCodec {
  switch (format) {
    case 'pipe':
      return pipeCodec;
    case 'fixed':
      return fixedCodec;
    case 'xml':
      return xmlCodec(options.xmlCharset);
    case 'iso8583':
      return iso8583Codec(options.iso ?? DEFAULT_ISO_PROFILE);
  }
}
