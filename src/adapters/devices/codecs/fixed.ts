// 定长 messages: a 4-byte code, then every field at its spec width in GBK bytes, padded on the side its spec
// says (default: left-aligned, space-filled); n fields are always full width. The MAC is the last 64 bytes.
import { type DeviceMessage, type FieldSpec, specByCode } from '../specs/index.ts';
import { deviceError } from './errors.ts';
import { checkMessage, type DeviceCodec, gbkBytes, gbkText, messageOf, padOf } from './fields.ts';

const CODE_BYTES = 4;

function place(field: FieldSpec, value: string): Buffer {
  const bytes = gbkBytes(value);
  const fill = Buffer.alloc(field.width - bytes.length, padOf(field));
  return field.align === 'right' ? Buffer.concat([fill, bytes]) : Buffer.concat([bytes, fill]);
}

function take(field: FieldSpec, slot: Buffer): string {
  const text = gbkText(slot, field.name);
  const pad = padOf(field);
  if (field.exact) return text.trim() === '' ? '' : text; // an empty optional exact field is all padding
  let start = 0;
  let end = text.length;
  if (field.align === 'right') while (start < end && text[start] === pad) start++;
  else while (end > start && text[end - 1] === pad) end--;
  return text.slice(start, end);
}

/** Bytes of a message of this spec, with or without its MAC. */
function layoutLength(fields: readonly FieldSpec[]): number {
  return CODE_BYTES + fields.reduce((sum, f) => sum + f.width, 0);
}

export const fixedCodec: DeviceCodec = {
  format: 'fixed',

  encode(message: DeviceMessage): Buffer {
    const { spec, values } = checkMessage(message);
    return Buffer.concat([
      Buffer.from(spec.code, 'latin1'),
      ...values.map(([field, v]) =>
        v === '' && field.exact ? Buffer.alloc(field.width, ' ') : place(field, v),
      ),
    ]);
  },

  decode(bytes: Buffer): DeviceMessage {
    const code = bytes.subarray(0, CODE_BYTES).toString('latin1');
    const spec = specByCode(code);
    if (!spec) throw deviceError('UNKNOWN_MESSAGE_TYPE', `message code ${JSON.stringify(code)}`);
    const signed = layoutLength(spec.fields);
    const unsigned = layoutLength(spec.fields.slice(0, -1));
    if (bytes.length !== signed && bytes.length !== unsigned)
      throw deviceError(
        'WRONG_LENGTH',
        `${spec.type} is ${signed} bytes (${unsigned} unsigned), got ${bytes.length}`,
      );
    const fields = bytes.length === signed ? spec.fields : spec.fields.slice(0, -1);
    const values = new Map<string, string>();
    let at = CODE_BYTES;
    for (const field of fields) {
      values.set(field.name, take(field, bytes.subarray(at, at + field.width)));
      at += field.width;
    }
    return messageOf(spec, values);
  },
};
