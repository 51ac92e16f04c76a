// HIS writeback over HTTP/JSON, the dialect most modern HIS integration gateways speak.
//
// POST {baseUrl}/his/v1/payments/confirm  {hospitalId, orderId, chargeRefs[], visitNo?, channel,
//                                          channelTxnId, amount:"12.50", paidAt: ISO-8601 UTC}
// POST {baseUrl}/his/v1/refunds/confirm   {hospitalId, orderId, refundNo, channel, channelRefundId?,
//                                          amount, refundedAt}
// POST {baseUrl}/his/v1/charges/query     {hospitalId, orderId}
// Answer: {code:"0", message, data:{...}} on success; {code:"<HIS code>", message} is a business
// refusal (HTTP 200 or 4xx); 5xx/429 means unavailable. Amounts travel as strings both ways.
import { HIS_REQUEST_TIMEOUT_MS, HisError } from '../../domain/his/port.ts';
import { type HisHttpAnswer, hisPost, isUnavailableStatus } from './http.ts';
import { HisWireClient } from './wire.ts';

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

export class HisJsonClient extends HisWireClient {
  constructor(options: HisJsonClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const timeoutMs = options.timeoutMs ?? HIS_REQUEST_TIMEOUT_MS;
    const headers = {
      ...options.headers,
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
    };
    super(async (op, fields) => {
      const data = interpret(
        await hisPost(baseUrl + HIS_JSON_PATHS[op], JSON.stringify(fields), headers, timeoutMs),
      );
      return (name) => data[name];
    });
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
