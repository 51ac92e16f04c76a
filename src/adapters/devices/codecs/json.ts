// MQTT payloads: a JSON object {"code": "0200", "<field>": "<value>", …, "mac": "…"}, the same fields and
// rules as the other formats. Encoding writes the fields in spec order, so the MAC input (the encoding
// without "mac") is one exact text the device and the gateway both compute.
import { type DeviceMessage, specByCode } from '../specs/index.ts';
import { deviceError } from './errors.ts';
import { checkMessage, type DeviceCodec, messageOf } from './fields.ts';

/** An MQTT payload is one small message: refuse anything larger before parsing it. */
export const MAX_JSON_MESSAGE_BYTES = 8 * 1024;

export const jsonCodec: DeviceCodec = {
  format: 'json',

  encode(message: DeviceMessage): Buffer {
    const { spec, values } = checkMessage(message);
    const out: Record<string, string> = { code: spec.code };
    for (const [field, value] of values) out[field.name] = value;
    return Buffer.from(JSON.stringify(out), 'utf8');
  },

  decode(bytes: Buffer): DeviceMessage {
    if (bytes.length > MAX_JSON_MESSAGE_BYTES)
      throw deviceError('WRONG_LENGTH', `the payload is over ${MAX_JSON_MESSAGE_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      throw error instanceof TypeError
        ? deviceError('INVALID_ENCODING', 'the payload is not valid UTF-8')
        : deviceError('MALFORMED_MESSAGE', 'the payload is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw deviceError('MALFORMED_MESSAGE', 'the payload must be a JSON object');
    const { code, ...rest } = parsed as Record<string, unknown>;
    const spec = typeof code === 'string' ? specByCode(code) : undefined;
    if (!spec) throw deviceError('UNKNOWN_MESSAGE_TYPE', `message code ${String(code).slice(0, 8)}`);
    const names = new Set(spec.fields.map((f) => f.name));
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(rest)) {
      if (!names.has(name))
        throw deviceError('MALFORMED_MESSAGE', `${spec.type} has no field ${name.slice(0, 40)}`);
      if (typeof value !== 'string') throw deviceError('MALFORMED_MESSAGE', `${name} must be a string`);
      values.set(name, value);
    }
    return messageOf(spec, values);
  },
};
