// SOAP 1.1 envelopes for the HIS dialect many hospital systems still expose (WebService / .asmx).
// Built by string with every value escaped; parsed with fast-xml-parser, keeping values as
// strings (a receipt "000123" or an amount "12.50" must not become a number) and refusing DTDs.
import { XMLParser } from 'fast-xml-parser';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const HIS_SOAP_NS = 'urn:hospital-his:payment';
export const HIS_SOAP_PATH = '/his/soap';
export type HisSoapOperation = 'ConfirmPayment' | 'ConfirmRefund' | 'QueryCharge';
export const HIS_SOAP_OPERATIONS: readonly HisSoapOperation[] = [
  'ConfirmPayment',
  'ConfirmRefund',
  'QueryCharge',
];

export function soapAction(op: HisSoapOperation): string {
  return `"${HIS_SOAP_NS}#${op}"`;
}

// XML 1.0 forbids C0 controls other than tab, LF, CR, and U+FFFE/U+FFFF; escaping cannot save them.
function hasInvalidXmlChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff) return true;
  }
  return false;
}

export function escapeXml(value: string): string {
  if (hasInvalidXmlChar(value)) throw new RangeError('value contains characters XML cannot carry');
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export type SoapField = readonly [name: string, value: string | readonly string[] | undefined];

/** `<his:Name>value</his:Name>`; a list becomes `<his:Name><his:Ref>v</his:Ref>…</his:Name>`. */
function fields(items: readonly SoapField[]): string {
  return items
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) =>
      typeof v === 'string'
        ? `<his:${name}>${escapeXml(v)}</his:${name}>`
        : `<his:${name}>${(v as readonly string[]).map((r) => `<his:Ref>${escapeXml(r)}</his:Ref>`).join('')}</his:${name}>`,
    )
    .join('');
}

export function soapEnvelope(element: string, items: readonly SoapField[]): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP_ENV_NS}" xmlns:his="${HIS_SOAP_NS}">` +
    `<soap:Body><his:${element}>${fields(items)}</his:${element}></soap:Body></soap:Envelope>`
  );
}

export function soapFault(kind: 'Client' | 'Server', message: string, errorCode?: string): string {
  const detail = errorCode ? `<detail><his:ErrorCode>${escapeXml(errorCode)}</his:ErrorCode></detail>` : '';
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP_ENV_NS}" xmlns:his="${HIS_SOAP_NS}"><soap:Body>` +
    `<soap:Fault><faultcode>soap:${kind}</faultcode><faultstring>${escapeXml(message)}</faultstring>${detail}</soap:Fault>` +
    '</soap:Body></soap:Envelope>'
  );
}

export type XmlNode = { [k: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  processEntities: true,
  isArray: (name) => name === 'Ref',
});

export interface ParsedSoap {
  /** The single child element of soap:Body, by local name. */
  element: string;
  content: XmlNode | string;
}

export class SoapParseError extends Error {
  override name = 'SoapParseError';
}

/** Parses an envelope and returns the one element in its Body. */
export function parseSoapBody(xml: string): ParsedSoap {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SoapParseError('DTDs are not accepted');
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (err) {
    throw new SoapParseError(`not well-formed XML: ${err instanceof Error ? err.message.slice(0, 120) : ''}`);
  }
  const envelope = (doc as XmlNode | undefined)?.Envelope;
  if (typeof envelope !== 'object' || Array.isArray(envelope)) throw new SoapParseError('no SOAP Envelope');
  const body = envelope.Body;
  if (typeof body !== 'object' || Array.isArray(body)) throw new SoapParseError('no SOAP Body');
  const names = Object.keys(body);
  if (names.length !== 1) throw new SoapParseError(`SOAP Body must hold one element, found ${names.length}`);
  const element = names[0]!;
  const content = body[element]!;
  if (Array.isArray(content)) throw new SoapParseError(`SOAP Body repeats ${element}`);
  return { element, content };
}

/** A child's text, or undefined when absent; an element that is not plain text is an error. */
export function text(node: XmlNode | string, name: string): string | undefined {
  if (typeof node === 'string') return undefined;
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new SoapParseError(`${name} is not a text element`);
  return v;
}

export function textList(node: XmlNode | string, name: string): string[] {
  if (typeof node === 'string') return [];
  const v = node[name];
  if (v === undefined || v === '') return [];
  if (typeof v !== 'object' || Array.isArray(v)) throw new SoapParseError(`${name} is not a list`);
  const refs = v.Ref ?? [];
  if (!Array.isArray(refs) || refs.some((r) => typeof r !== 'string'))
    throw new SoapParseError(`${name} has bad items`);
  return refs as string[];
}
