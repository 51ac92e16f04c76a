// What both HIS dialects share: the fields of each request, and the answer fields checked the same way. A
// dialect (json-client.ts, soap-client.ts) only says how an operation travels and how an answer's field is read.
import {
  AMOUNT_PATTERN,
  assertChargeQuery,
  assertConfirmPayment,
  assertConfirmRefund,
  type HisChargeQuery,
  type HisChargeStatus,
  type HisClient,
  type HisConfirmPaymentRequest,
  type HisConfirmRefundRequest,
  type HisConfirmResult,
  HisError,
} from '../../domain/his/port.ts';

const RECEIPT_PATTERN = /^[A-Za-z0-9_.:/-]{1,64}$/;
const CHARGE_STATES = new Set<HisChargeStatus['status']>([
  'unpaid',
  'paid',
  'refunded',
  'partially-refunded',
  'unknown',
]);

export function parseConfirmStatus(status: unknown, receiptNo: unknown): HisConfirmResult {
  if (status !== 'confirmed' && status !== 'already-confirmed')
    throw new HisError('HIS_BAD_RESPONSE', `HIS answer has an unknown status ${String(status).slice(0, 40)}`);
  if (typeof receiptNo !== 'string' || !RECEIPT_PATTERN.test(receiptNo))
    throw new HisError('HIS_BAD_RESPONSE', 'HIS answer has no valid receipt number');
  return { status, hisReceiptNo: receiptNo };
}

export function parseChargeStatus(orderId: string, data: Record<string, unknown>): HisChargeStatus {
  const status = data.status;
  if (typeof status !== 'string' || !CHARGE_STATES.has(status as HisChargeStatus['status']))
    throw new HisError('HIS_BAD_RESPONSE', 'HIS charge answer has an unknown status');
  const out: HisChargeStatus = { orderId, status: status as HisChargeStatus['status'] };
  if (data.amount !== undefined && data.amount !== '') {
    if (typeof data.amount !== 'string' || !AMOUNT_PATTERN.test(data.amount))
      throw new HisError('HIS_BAD_RESPONSE', 'HIS charge amount is not a two-decimal string');
    out.amount = data.amount;
  }
  if (typeof data.channelTxnId === 'string' && data.channelTxnId !== '') out.channelTxnId = data.channelTxnId;
  if (typeof data.receiptNo === 'string' && data.receiptNo !== '') out.hisReceiptNo = data.receiptNo;
  return out;
}

export type HisOperation = 'confirmPayment' | 'confirmRefund' | 'queryCharge';

/** A request's fields by name, in order; an undefined one is not sent. */
export type HisFields = Record<string, string | readonly string[] | undefined>;

/** Sends one operation; answers a reader of the answer's fields by name (the HIS refusing has thrown). */
export type HisExchange = (op: HisOperation, fields: HisFields) => Promise<(name: string) => unknown>;

/** A HIS client over one dialect: checks each request, names its fields, reads the answer. */
export class HisWireClient implements HisClient {
  readonly #exchange: HisExchange;

  constructor(exchange: HisExchange) {
    this.#exchange = exchange;
  }

  async confirmPayment(req: HisConfirmPaymentRequest): Promise<HisConfirmResult> {
    assertConfirmPayment(req);
    return this.#confirm('confirmPayment', {
      hospitalId: req.hospitalId,
      orderId: req.orderId,
      chargeRefs: req.hisChargeRefs,
      visitNo: req.visitNo,
      channel: req.channel,
      channelTxnId: req.channelTxnId,
      amount: req.amount,
      paidAt: req.paidAt.toISOString(),
    });
  }

  async confirmRefund(req: HisConfirmRefundRequest): Promise<HisConfirmResult> {
    assertConfirmRefund(req);
    return this.#confirm('confirmRefund', {
      hospitalId: req.hospitalId,
      orderId: req.orderId,
      refundNo: req.refundNo,
      channel: req.channel,
      channelRefundId: req.channelRefundId,
      amount: req.amount,
      refundedAt: req.refundedAt.toISOString(),
    });
  }

  async queryCharge(req: HisChargeQuery): Promise<HisChargeStatus> {
    assertChargeQuery(req);
    const answer = await this.#exchange('queryCharge', { hospitalId: req.hospitalId, orderId: req.orderId });
    return parseChargeStatus(req.orderId, {
      status: answer('status'),
      amount: answer('amount'),
      channelTxnId: answer('channelTxnId'),
      receiptNo: answer('receiptNo'),
    });
  }

  /** A payment's and a refund's writeback are answered alike: a status and the HIS receipt number. */
  async #confirm(op: 'confirmPayment' | 'confirmRefund', fields: HisFields): Promise<HisConfirmResult> {
    const answer = await this.#exchange(op, fields);
    return parseConfirmStatus(answer('status'), answer('receiptNo'));
  }
}
