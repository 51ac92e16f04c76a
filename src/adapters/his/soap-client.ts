// HIS writeback over SOAP 1.1/XML. Operations ConfirmPayment, ConfirmRefund, QueryCharge in
// namespace urn:hospital-his:payment, POSTed to {baseUrl}/his/soap with a SOAPAction header.
// Answers: <{Op}Response><ResultCode>0</ResultCode><ResultMsg/>…</{Op}Response>; a non-zero
// ResultCode or a soap:Client fault is a business refusal, a soap:Server fault means unavailable.
import { hisPost, isUnavailableStatus } from './http.ts';
import { HIS_REQUEST_TIMEOUT_MS, HisError } from '../../domain/his/port.ts';
import {
  HIS_SOAP_PATH,
  type HisSoapOperation,
  type ParsedSoap,
  parseSoapBody,
  type SoapField,
  SoapParseError,
  soapAction,
  soapEnvelope,
  text,
  type XmlNode,
} from './soap.ts';
import { HisWireClient } from './wire.ts';

export interface HisSoapClientOptions {
  /** Base URL; the endpoint is {baseUrl}/his/soap unless `endpointPath` says otherwise. */
  baseUrl: string;
  endpointPath?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** `confirmPayment` → `ConfirmPayment`, `channelTxnId` → `ChannelTxnId`: the SOAP names of the shared fields. */
const pascal = (name: string) => name[0]!.toUpperCase() + name.slice(1);

export class HisSoapClient extends HisWireClient {
  constructor(options: HisSoapClientOptions) {
    const call = soapCall(
      options.baseUrl.replace(/\/+$/, '') + (options.endpointPath ?? HIS_SOAP_PATH),
      options.timeoutMs ?? HIS_REQUEST_TIMEOUT_MS,
      { ...options.headers },
    );
    super(async (op, fields) => {
      const items = Object.entries(fields).map(([name, v]): SoapField => [pascal(name), v]);
      const answer = await call(pascal(op) as HisSoapOperation, items);
      return (name) => text(answer, pascal(name));
    });
  }
}

const soapCall =
  (url: string, timeoutMs: number, headers: Record<string, string>) =>
  async (op: HisSoapOperation, items: readonly SoapField[]): Promise<XmlNode> => {
    const answer = await hisPost(
      url,
      soapEnvelope(op, items),
      { ...headers, 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction(op) },
      timeoutMs,
    );
    let parsed: ParsedSoap;
    try {
      parsed = parseSoapBody(answer.text);
    } catch (err) {
      if (isUnavailableStatus(answer.status))
        throw new HisError('HIS_UNAVAILABLE', `HIS answered HTTP ${answer.status}`);
      throw new HisError('HIS_BAD_RESPONSE', `HIS SOAP answer unreadable: ${(err as Error).message}`);
    }
    try {
      if (parsed.element === 'Fault') throw fault(parsed.content);
      if (isUnavailableStatus(answer.status))
        throw new HisError('HIS_UNAVAILABLE', `HIS answered HTTP ${answer.status}`);
      if (parsed.element !== `${op}Response` || typeof parsed.content === 'string')
        throw new HisError('HIS_BAD_RESPONSE', `expected ${op}Response, got ${parsed.element}`);
      const code = text(parsed.content, 'ResultCode');
      const message = text(parsed.content, 'ResultMsg');
      if (code === undefined) throw new HisError('HIS_BAD_RESPONSE', `${op}Response has no ResultCode`);
      if (code !== '0')
        throw new HisError('HIS_REJECTED', `HIS refused: ${code}${message ? ` ${message}` : ''}`, {
          hisCode: code,
          ...(message ? { hisMessage: message } : {}),
        });
      return parsed.content;
    } catch (err) {
      if (err instanceof SoapParseError) throw new HisError('HIS_BAD_RESPONSE', err.message);
      throw err;
    }
  };

function fault(content: XmlNode | string): HisError {
  const faultcode = text(content, 'faultcode') ?? '';
  const faultstring = text(content, 'faultstring') ?? '';
  const detail = typeof content === 'object' ? content.detail : undefined;
  const hisCode =
    detail && typeof detail === 'object' && !Array.isArray(detail) ? text(detail, 'ErrorCode') : undefined;
  const details = { ...(hisCode ? { hisCode } : {}), ...(faultstring ? { hisMessage: faultstring } : {}) };
  // SOAP 1.1: Client = the message was wrong (the HIS decided no), Server = it could not process now.
  if (/(^|:)Client(\.|$)/.test(faultcode))
    return new HisError('HIS_REJECTED', `HIS fault ${hisCode ?? faultcode}: ${faultstring}`, {
      hisCode: hisCode ?? 'SOAP_CLIENT',
      ...(faultstring ? { hisMessage: faultstring } : {}),
    });
  return new HisError('HIS_UNAVAILABLE', `HIS server fault: ${faultstring}`, details);
}
