// Rejections: a command the domain refuses. A stable `code` (callers switch on it), JSON-able `details`, the
// human messages and the kind of refusal (invalid, conflict, not found, forbidden). The orders/deposits codes
// are defined here, the channel and reconciliation codes beside their rules; src/domain/refusals.ts is the
// one table of them all. Edges choose their answer from the kind (the bus: an HTTP status).

export type RejectionStatus = 'invalid' | 'conflict' | 'not_found' | 'forbidden';
/** Every kind of refusal: the rejection kinds plus a channel's rate limit. */
export type RefusalKind = RejectionStatus | 'rate_limited';

export interface RejectionInfo {
  status: RejectionStatus;
  zh: string;
  en: string;
}

export const REJECTIONS = {
  INVALID_AMOUNT: {
    status: 'invalid',
    zh: '金额格式不正确或超出范围',
    en: 'The amount is malformed or out of range',
  },
  INVALID_ID: { status: 'invalid', zh: '编号格式不正确', en: 'The identifier is malformed' },
  INVALID_COMMAND: {
    status: 'invalid',
    zh: '请求内容不完整或不正确',
    en: 'The request is incomplete or malformed',
  },
  INVALID_BUSINESS_DATE: { status: 'invalid', zh: '业务日期不正确', en: 'The business date is invalid' },
  LIMIT_EXCEEDED: { status: 'invalid', zh: '超出系统限制', en: 'A system limit was exceeded' },
  CHARGE_ITEMS_MISMATCH: {
    status: 'invalid',
    zh: '收费项目与订单金额不符',
    en: 'The charge items do not add up to the order amount',
  },
  ORDER_ALREADY_EXISTS: { status: 'conflict', zh: '订单已存在', en: 'The order already exists' },
  ORDER_NOT_FOUND: { status: 'not_found', zh: '订单不存在', en: 'The order does not exist' },
  ORDER_NOT_PAYABLE: {
    status: 'conflict',
    zh: '订单当前不可支付',
    en: 'The order cannot be paid in its current state',
  },
  AMOUNT_MISMATCH: {
    status: 'invalid',
    zh: '支付金额与订单金额不一致',
    en: 'The amount does not match the order amount',
  },
  PAYMENT_STATUS_UNKNOWN: {
    status: 'conflict',
    zh: '支付结果未知，须先确认成功或失败',
    en: 'A payment with unknown status must first be confirmed or failed',
  },
  PAYMENT_NOT_UNKNOWN: {
    status: 'conflict',
    zh: '没有待确认的支付',
    en: 'There is no payment with unknown status to resolve',
  },
  PAYMENT_CALLBACK_CONFLICT: {
    status: 'conflict',
    zh: '同一渠道交易号的回调内容不一致',
    en: 'A callback for the same channel transaction carries different data',
  },
  PAYMENT_NOT_FOUND: { status: 'not_found', zh: '支付记录不存在', en: 'The payment does not exist' },
  CHANNEL_MISMATCH: {
    status: 'invalid',
    zh: '渠道与原支付渠道不一致',
    en: 'The channel differs from the channel of the original payment',
  },
  ORDER_NOT_CANCELLABLE: {
    status: 'conflict',
    zh: '订单当前不可取消',
    en: 'The order cannot be cancelled in its current state',
  },
  ORDER_NOT_REFUNDABLE: { status: 'conflict', zh: '订单当前不可退款', en: 'The order cannot be refunded' },
  REFUND_EXCEEDS_PAYMENT: {
    status: 'conflict',
    zh: '退款金额超过可退金额',
    en: 'The refund exceeds the amount still refundable',
  },
  REFUND_ALREADY_EXISTS: {
    status: 'conflict',
    zh: '退款单号已被使用',
    en: 'The refund number is already used for another refund',
  },
  REFUND_NOT_FOUND: { status: 'not_found', zh: '退款单不存在', en: 'The refund does not exist' },
  REFUND_NOT_PENDING: { status: 'conflict', zh: '退款已完结', en: 'The refund is already final' },
  REFUND_AMOUNT_MISMATCH: {
    status: 'conflict',
    zh: '渠道通知的退款金额与退款申请不一致',
    en: 'The refund amount the channel notified differs from the refund requested',
  },
  REFUND_CUMULATIVE_MISMATCH: {
    status: 'conflict',
    zh: '渠道通知的累计退款金额与账本不符',
    en: "The channel's cumulative refunded amount does not agree with the ledger",
  },
  IDENTITY_NOT_VERIFIED: {
    status: 'forbidden',
    zh: '退款前须核验患者身份',
    en: "The patient's identity must be verified before the refund",
  },
  HIS_WRITEBACK_NOT_EXPECTED: {
    status: 'conflict',
    zh: '订单未支付，无需回写HIS',
    en: 'The order is not paid, so there is nothing to write back to the HIS',
  },
  DEPOSIT_NOT_FOUND: {
    status: 'not_found',
    zh: '住院预交金账户不存在',
    en: 'The deposit account does not exist',
  },
  DEPOSIT_INSUFFICIENT: {
    status: 'conflict',
    zh: '预交金余额不足',
    en: 'The deposit balance is insufficient',
  },
  DEPOSIT_ALREADY_SETTLED: {
    status: 'conflict',
    zh: '该住院已完成出院结算',
    en: 'The discharge settlement of this admission is already done',
  },
  DEPOSIT_NOT_SETTLED: {
    status: 'conflict',
    zh: '出院结算前不能退预交金余额',
    en: 'The deposit remainder can be refunded only after discharge settlement',
  },
  DEPOSIT_TOP_UP_CONFLICT: {
    status: 'conflict',
    zh: '同一订单的预交金充值内容不一致',
    en: 'A top-up for the same order carries different data',
  },
  DEPOSIT_PATIENT_MISMATCH: {
    status: 'conflict',
    zh: '患者与住院记录不一致',
    en: 'The patient does not match the admission',
  },
  FEE_ALREADY_RECORDED: {
    status: 'conflict',
    zh: '该手续费已记录且金额不同',
    en: 'This fee is already recorded with another amount',
  },
  SETTLEMENT_ALREADY_RECORDED: {
    status: 'conflict',
    zh: '该结算款已记录且内容不同',
    en: 'This settlement is already recorded with other data',
  },
} as const satisfies Record<string, RejectionInfo>;

export type RejectionCode = keyof typeof REJECTIONS;

export const REJECTION_CODES = Object.keys(REJECTIONS) as RejectionCode[];

export type RejectionDetails = Readonly<Record<string, string | number | boolean | null>>;

/**
 * A refused command: a stable code from the refusal table, JSON-able details, the human message in Chinese and
 * English, and its kind (the edge maps it: the bus to an HTTP status). Rejection (orders, deposits, settlements), ChannelRefusal
 * and ReconciliationRefusal are the three tables' classes; the edges map any Refusal the same way.
 */
export class Refusal<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    readonly details: RejectionDetails,
    private readonly info: { zh: string; en: string },
    readonly kind: RefusalKind,
  ) {
    super(`${code}: ${info.en}`);
    this.name = 'Refusal';
  }

  /** The human message in the caller's language. */
  messageIn(lang: 'zh' | 'en'): string {
    return this.info[lang];
  }
}

export class Rejection extends Refusal<RejectionCode> {
  readonly status: RejectionStatus;
  constructor(code: RejectionCode, details: RejectionDetails = {}) {
    super(code, details, REJECTIONS[code], REJECTIONS[code].status);
    this.name = 'Rejection';
    this.status = REJECTIONS[code].status;
  }
}

export function reject(code: RejectionCode, details: RejectionDetails = {}): Rejection {
  return new Rejection(code, details);
}

export function isRejection(e: unknown): e is Rejection {
  return e instanceof Rejection;
}

/**
 * A broken invariant: a bug, never a user error. Thrown by deciders after folding their own events, so a wrong
 * fact is never returned for appending (it could never be deleted).
 */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantViolation';
  }
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}
