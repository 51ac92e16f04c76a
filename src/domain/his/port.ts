// The HIS writeback port (缴费确认 / 退费确认): after a payment succeeds the platform tells the
// hospital's HIS so it marks the charges paid. Every operation is idempotent on the HIS side,
// keyed by (hospitalId, orderId, channelTxnId) for payments and (hospitalId, orderId, refundNo)
// for refunds, which is what makes retrying an unknown outcome (timeout, lost answer) safe.

export interface HisConfirmPaymentRequest {
  hospitalId: string;
  /** The platform order id; the HIS stores it as the external order number. */
  orderId: string;
  /** HIS charge item refs (收费明细/处方号) the order pays, or the registration's schedule ref. */
  hisChargeRefs: readonly string[];
  /** The visit (就诊号 / 住院号) the charges belong to, when the HIS needs it. */
  visitNo?: string;
  channel: string;
  channelTxnId: string;
  /** CNY with exactly two decimals, e.g. "12.50". */
  amount: string;
  paidAt: Date;
}

export interface HisConfirmRefundRequest {
  hospitalId: string;
  orderId: string;
  refundNo: string;
  channel: string;
  channelRefundId?: string;
  amount: string;
  refundedAt: Date;
}

export interface HisConfirmResult {
  /** `already-confirmed`: the HIS had applied this exact writeback before (a retry or a duplicate). */
  status: 'confirmed' | 'already-confirmed';
  hisReceiptNo: string;
}

export interface HisChargeQuery {
  hospitalId: string;
  orderId: string;
}

export interface HisChargeStatus {
  orderId: string;
  status: 'unpaid' | 'paid' | 'refunded' | 'partially-refunded' | 'unknown';
  amount?: string;
  channelTxnId?: string;
  hisReceiptNo?: string;
}

export interface HisClient {
  confirmPayment(req: HisConfirmPaymentRequest): Promise<HisConfirmResult>;
  confirmRefund(req: HisConfirmRefundRequest): Promise<HisConfirmResult>;
  queryCharge(req: HisChargeQuery): Promise<HisChargeStatus>;
}

export type HisErrorCode = 'HIS_TIMEOUT' | 'HIS_REJECTED' | 'HIS_UNAVAILABLE' | 'HIS_BAD_RESPONSE';

/**
 * A writeback that did not succeed. `outcomeUnknown` (timeout, connection lost, garbled answer)
 * means the HIS may have applied it: retry the same request (idempotent), never a different one.
 * HIS_REJECTED is a definite business refusal: retrying will not help; it becomes a discrepancy.
 */
export class HisError extends Error {
  readonly code: HisErrorCode;
  /** The HIS's own error code and message, for HIS_REJECTED (and faults that carry one). */
  readonly hisCode: string | undefined;
  readonly hisMessage: string | undefined;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;

  constructor(code: HisErrorCode, message: string, details: { hisCode?: string; hisMessage?: string } = {}) {
    super(message);
    this.name = 'HisError';
    this.code = code;
    this.hisCode = details.hisCode;
    this.hisMessage = details.hisMessage;
    this.retryable = code !== 'HIS_REJECTED';
    this.outcomeUnknown = code !== 'HIS_REJECTED';
  }
}

/** Default per-call deadline; a HIS that takes longer is treated as timed out and retried later. */
export const HIS_REQUEST_TIMEOUT_MS = 10_000;
/** Answers larger than this are not read (a confirmation answer is a few hundred bytes). */
export const HIS_MAX_RESPONSE_BYTES = 256 * 1024;
export const HIS_MAX_CHARGE_REFS = 500;
const MAX_ID_LENGTH = 128;
/** An amount as the HIS wire carries it: yuan with exactly two decimals. */
export const AMOUNT_PATTERN = /^(0|[1-9][0-9]{0,11})\.[0-9]{2}$/;

function checkId(name: string, v: string | undefined, optional = false): void {
  if (optional && v === undefined) return;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH)
    throw new RangeError(`HIS request: ${name} must be 1..${MAX_ID_LENGTH} characters`);
}

/** Checks each named id of the request; an `optional` one may be absent. */
function checkIds<R>(req: R, names: readonly (keyof R & string)[], optional: keyof R & string): void {
  for (const name of names) checkId(name, req[name] as string | undefined, name === optional);
}

function checkAmountAndTime(amount: string, at: Date, timeName: string): void {
  if (!AMOUNT_PATTERN.test(amount))
    throw new RangeError('HIS request: amount must have exactly two decimals');
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    throw new RangeError(`HIS request: ${timeName} is invalid`);
}

/** Caller bugs are thrown as RangeError before anything is sent. */
export function assertConfirmPayment(req: HisConfirmPaymentRequest): void {
  checkIds(req, ['hospitalId', 'orderId', 'channel', 'channelTxnId', 'visitNo'], 'visitNo');
  if (req.hisChargeRefs.length > HIS_MAX_CHARGE_REFS)
    throw new RangeError(`HIS request: at most ${HIS_MAX_CHARGE_REFS} charge refs`);
  for (const ref of req.hisChargeRefs) checkId('hisChargeRefs[]', ref);
  checkAmountAndTime(req.amount, req.paidAt, 'paidAt');
}

export function assertConfirmRefund(req: HisConfirmRefundRequest): void {
  checkIds(req, ['hospitalId', 'orderId', 'refundNo', 'channel', 'channelRefundId'], 'channelRefundId');
  checkAmountAndTime(req.amount, req.refundedAt, 'refundedAt');
}

export function assertChargeQuery(req: HisChargeQuery): void {
  checkId('hospitalId', req.hospitalId);
  checkId('orderId', req.orderId);
}
