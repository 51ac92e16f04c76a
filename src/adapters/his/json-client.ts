// HIS writeback over HTTP/JSON, the dialect most modern HIS integration gateways speak.
//
// POST {baseUrl}/his/v1/payments/confirm  {hospitalId, orderId, chargeRefs[], visitNo?, channel,
//                                          channelTxnId, amount:"12.50", paidAt: ISO-8601 UTC}
// POST {baseUrl}/his/v1/refunds/confirm   {hospitalId, orderId, refundNo, channel, channelRefundId?,
//                                          amount, refundedAt}
// POST {baseUrl}/his/v1/charges/query     {hospitalId, orderId}
// Answer: {code:"0", message, data:{...}} on success; {code:"<HIS code>", message} is a business
// refusal (HTTP 200 or 4xx); 5xx/429 means unavailable. Amounts travel as strings both ways.
import { type HisHttpAnswer, hisPost, isUnavailableStatus } from './http.ts';
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
import { parseChargeStatus, parseConfirmStatus } from './wire.ts';

export const HIS_JSON_PATHS = {
  confirmPayment: '/his/v1/payments/confirm',
  confirmRefund: '/his/v1/refunds/confirm',
  queryCharge: '/his/v1/charges/query',
} as const;

export interface HisJsonClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** Extra headers the hospital's gateway wants (an API key, a tenant header). Never logged. */
  headers?: Record<string, string>;
}

type Json = Record<string, unknown>;

export class HisJsonClient implements HisClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;

  constructor(options: HisJsonClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? HIS_REQUEST_TIMEOUT_MS;
    this.#headers = { ...options.headers };
  }

  async confirmPayment(req: HisConfirmPaymentRequest): Promise<HisConfirmResult> {
    assertConfirmPayment(req);
    const data = await this.#call(HIS_JSON_PATHS.confirmPayment, {
      hospitalId: req.hospitalId,
      orderId: req.orderId,
      chargeRefs: req.hisChargeRefs,
      ...(req.visitNo !== undefined ? { visitNo: req.visitNo } : {}),
      channel: req.channel,
      channelTxnId: req.channelTxnId,
      amount: req.amount,
      paidAt: req.paidAt.toISOString(),
    });
    return parseConfirmStatus(data.status, data.receiptNo);
  }

  async confirmRefund(req: HisConfirmRefundRequest): Promise<HisConfirmResult> {
    assertConfirmRefund(req);
    const data = await this.#call(HIS_JSON_PATHS.confirmRefund, {
      hospitalId: req.hospitalId,
      orderId: req.orderId,
      refundNo: req.refundNo,
      channel: req.channel,
      ...(req.channelRefundId !== undefined ? { channelRefundId: req.channelRefundId } : {}),
      amount: req.amount,
      refundedAt: req.refundedAt.toISOString(),
    });
    return parseConfirmStatus(data.status, data.receiptNo);
  }

  async queryCharge(req: HisChargeQuery): Promise<HisChargeStatus> {
    assertChargeQuery(req);
    const data = await this.#call(HIS_JSON_PATHS.queryCharge, {
      hospitalId: req.hospitalId,
      orderId: req.orderId,
    });
    return parseChargeStatus(req.orderId, data);
  }

  async #call(path: string, payload: Json): Promise<Json> {
    const answer = await hisPost(
      this.#baseUrl + path,
      JSON.stringify(payload),
      { ...this.#headers, 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      this.#timeoutMs,
    );
    return interpret(answer);
  }
}

function interpret(answer: HisHttpAnswer): Json {
  if (isUnavailableStatus(answer.status))
    throw new HisError(
      'HIS_UNAVAILABLE',
      `HIS answered HTTP ${answer.status}`,
      parseCodeQuietly(answer.text),
    );
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new HisError('HIS_BAD_RESPONSE', `HIS answered HTTP ${answer.status} with a non-JSON body`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HisError('HIS_BAD_RESPONSE', 'HIS answer is not a JSON object');
  const { code, message, data } = body as Json;
  const hisCode = typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
  if (hisCode === undefined) throw new HisError('HIS_BAD_RESPONSE', 'HIS answer has no code');
  const hisMessage = typeof message === 'string' ? message : undefined;
  if (hisCode !== '0' || answer.status >= 300)
    throw new HisError('HIS_REJECTED', `HIS refused: ${hisCode}${hisMessage ? ` ${hisMessage}` : ''}`, {
      hisCode,
      ...(hisMessage !== undefined ? { hisMessage } : {}),
    });
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new HisError('HIS_BAD_RESPONSE', 'HIS success answer has no data object');
  return data as Json;
}

function parseCodeQuietly(text: string): { hisCode?: string; hisMessage?: string } {
  try {
    const b = JSON.parse(text) as Json;
    return {
      ...(typeof b.code === 'string' ? { hisCode: b.code } : {}),
      ...(typeof b.message === 'string' ? { hisMessage: b.message } : {}),
    };
  } catch {
    return {};
  }
}
