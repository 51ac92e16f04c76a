// The MAC over a device message: HMAC-SHA256 under the device's own key, over the message's bytes as its
// format encodes them without the MAC (the pipe message without `|mac`, the fixed layout without its last
// 64 bytes, the XML without <Mac>, the 8583 message with bit 64/128 clear). Codecs are canonical (encode ∘
// decode is the identity, see the round-trip properties), so the gateway recomputes it from the decoded message.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type DeviceCodec, withoutMac } from './codecs/index.ts';
import { type DeviceMessage, MAC_FIELD } from './specs/index.ts';

/** Device keys: 32 random bytes. */
export const DEVICE_KEY_BYTES = 32;

export function computeMac(codec: DeviceCodec, message: DeviceMessage, key: Buffer): string {
  return createHmac('sha256', key)
    .update(codec.encode(withoutMac(message)))
    .digest('hex');
}

/** The message with its MAC set. */
export function signMessage(codec: DeviceCodec, message: DeviceMessage, key: Buffer): DeviceMessage {
  return { type: message.type, fields: { ...message.fields, [MAC_FIELD]: computeMac(codec, message, key) } };
}

export function verifyMac(codec: DeviceCodec, message: DeviceMessage, key: Buffer): boolean {
  const given = message.fields[MAC_FIELD];
  if (given === undefined) return false;
  const expected = Buffer.from(computeMac(codec, message, key), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
