// HIS writeback over SOAP 1.1/XML. Operations ConfirmPayment, ConfirmRefund, QueryCharge in
// namespace urn:hospital-his:payment, POSTed to {baseUrl}/his/soap with a SOAPAction header.
// Answers: <{Op}Response><ResultCode>0</ResultCode><ResultMsg/>…</{Op}Response>; a non-zero
// ResultCode or a soap:Client fault is a business refusal, a soap:Server fault means unavailable.
import { hisPost, isUnavailableStatus } from './http.ts';
import {
  assertChargeQuery,
  assertConfirmPayment,
  assertConfirmRefund,
  HIS_REQUEST_TIMEOUT_MS,
  type HisChargeQuery,
  type HisChargeStatus,
  type HisClient,
  type HisConfirmPaymentRequest,
  type HisConfirmRefundRequest,
  type HisConfirmResult,
  HisError,
} from '../../domain/his/port.ts';
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
import { parseChargeStatus, parseConfirmStatus } from './wire.ts';

export interface HisSoapClientOptions {
  /** Base URL; the endpoint is {baseUrl}/his/soap unless `endpointPath` says otherwise. */
  baseUrl: string;
  endpointPath?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export class HisSoapClient implements HisClient {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;

  constructor(options: HisSoapClientOptions) {
    this.#url = options.baseUrl.replace(/\/+$/, '') + (options.endpointPath ?? HIS_SOAP_PATH);
    this.#timeoutMs = options.timeoutMs ?? HIS_REQUEST_TIMEOUT_MS;
    this.#headers = { ...options.headers };
  }

  async confirmPayment(req: HisConfirmPaymentRequest): Promise<HisConfirmResult> {
    assertConfirmPayment(req);
    const r = await this.#call('ConfirmPayment', [
      ['HospitalId', req.hospitalId],
      ['OrderId', req.orderId],
      ['ChargeRefs', req.hisChargeRefs],
      ['VisitNo', req.visitNo],
      ['Channel', req.channel],
      ['ChannelTxnId', req.channelTxnId],
      ['Amount', req.amount],
      ['PaidAt', req.paidAt.toISOString()],
    ]);
    return parseConfirmStatus(text(r, 'Status'), text(r, 'ReceiptNo'));
  }

  async confirmRefund(req: HisConfirmRefundRequest): Promise<HisConfirmResult> {
    assertConfirmRefund(req);
    const r = await this.#call('ConfirmRefund', [
      ['HospitalId', req.hospitalId],
      ['OrderId', req.orderId],
      ['RefundNo', req.refundNo],
      ['Channel', req.channel],
      ['ChannelRefundId', req.channelRefundId],
      ['Amount', req.amount],
      ['RefundedAt', req.refundedAt.toISOString()],
    ]);
    return parseConfirmStatus(text(r, 'Status'), text(r, 'ReceiptNo'));
  }

  async queryCharge(req: HisChargeQuery): Promise<HisChargeStatus> {
    assertChargeQuery(req);
    const r = await this.#call('QueryCharge', [
      ['HospitalId', req.hospitalId],
      ['OrderId', req.orderId],
    ]);
    return parseChargeStatus(req.orderId, {
      status: text(r, 'Status'),
      amount: text(r, 'Amount'),
      channelTxnId: text(r, 'ChannelTxnId'),
      receiptNo: text(r, 'ReceiptNo'),
    });
  }

  async #call(op: HisSoapOperation, items: readonly SoapField[]): Promise<XmlNode> {
    const answer = await hisPost(
      this.#url,
      soapEnvelope(op, items),
      { ...this.#headers, 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction(op) },
      this.#timeoutMs,
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
  }
}

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
