// XML messages: <Message><Code>…</Code><DeviceId>…</DeviceId>…<Mac>…</Mac></Message>, every spec field as an
// element in spec order (empty optional fields as empty elements), in UTF-8 or GBK as the declaration says.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import { type DeviceMessage, type FieldSpec, specByCode } from '../specs/index.ts';
import { deviceError } from './errors.ts';
import { CHARSET, checkMessage, type DeviceCodec, gbkText, messageOf } from './fields.ts';

const ROOT = 'Message';
const CODE = 'Code';

export function xmlName(field: FieldSpec): string {
  return field.xml ?? `${field.name[0]!.toUpperCase()}${field.name.slice(1)}`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const parser = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignoreAttributes: true,
  processEntities: true,
  // every element a plain string: a repeated element becomes an array and is refused below
  isArray: () => false,
});

export function xmlCodec(charset: 'utf8' | 'gbk' = 'utf8'): DeviceCodec {
  const declared = charset === 'gbk' ? 'GBK' : 'UTF-8';
  return {
    format: 'xml',

    encode(message: DeviceMessage): Buffer {
      const { spec, values } = checkMessage(message);
      const body = values.map(([f, v]) => `<${xmlName(f)}>${escapeXml(v)}</${xmlName(f)}>`).join('');
      const text = `<?xml version="1.0" encoding="${declared}"?><${ROOT}><${CODE}>${spec.code}</${CODE}>${body}</${ROOT}>`;
      return charset === 'gbk' ? iconv.encode(text, CHARSET) : Buffer.from(text, 'utf8');
    },

    decode(bytes: Buffer): DeviceMessage {
      const text = charset === 'gbk' ? gbkText(bytes, 'the document') : utf8(bytes);
      if (XMLValidator.validate(text) !== true) throw deviceError('MALFORMED_MESSAGE', 'not well-formed XML');
      let doc: unknown;
      try {
        doc = parser.parse(text);
      } catch {
        throw deviceError('MALFORMED_MESSAGE', 'not well-formed XML');
      }
      const root = (doc as Record<string, unknown>)?.[ROOT];
      if (typeof root !== 'object' || root === null || Array.isArray(root))
        throw deviceError('MALFORMED_MESSAGE', `the root element must be <${ROOT}> with child elements`);
      const elements = root as Record<string, unknown>;
      const code = elements[CODE];
      const spec = typeof code === 'string' ? specByCode(code) : undefined;
      if (!spec) throw deviceError('UNKNOWN_MESSAGE_TYPE', `message code ${String(code).slice(0, 8)}`);
      const byName = new Map(spec.fields.map((f) => [xmlName(f), f]));
      const values = new Map<string, string>();
      for (const [name, value] of Object.entries(elements)) {
        if (name === CODE) continue;
        const field = byName.get(name);
        if (!field)
          throw deviceError('MALFORMED_MESSAGE', `${spec.type} has no element <${name.slice(0, 40)}>`);
        if (typeof value !== 'string')
          throw deviceError('MALFORMED_MESSAGE', `<${name}> must be text and appear once`);
        values.set(field.name, value);
      }
      for (const field of spec.fields.slice(0, -1))
        if (!values.has(field.name)) throw deviceError('MALFORMED_MESSAGE', `<${xmlName(field)}> is missing`);
      return messageOf(spec, values);
    },
  };
}

function utf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw deviceError('INVALID_ENCODING', 'the document is not valid UTF-8');
  }
}
