// Refund-plan refusals: the same shape as the other tables (stable code, zh/en message, kind), kept beside the
// refund-route rules so the order/deposit table stays as it is.
import { Refusal, type RejectionDetails, type RejectionStatus } from '../rejection.ts';

export const REFUND_PLAN_REFUSALS = {
  REFUND_PLAN_NOT_FOUND: { status: 'not_found', zh: '退款计划不存在', en: 'The refund plan does not exist' },
  REFUND_PLAN_EXISTS: {
    status: 'conflict',
    zh: '同一编号的退款计划已存在且内容不同',
    en: 'A different refund plan with this id already exists',
  },
  REFUND_PLAN_EXCEEDS_REFUNDABLE: {
    status: 'conflict',
    zh: '退款金额超过原支付可退金额',
    en: 'The refund exceeds what the original payments can still return',
  },
  REFUND_PLAN_NO_ROUTE: {
    status: 'conflict',
    zh: '原路已不可退，且没有可用的替代退款方式（如未登记核实的银行账户）',
    en: 'The original route is closed and no fallback route is usable (e.g. no verified bank account)',
  },
  REFUND_PLAN_INVALID: {
    status: 'invalid',
    zh: '退款计划或退款规则不正确',
    en: 'The refund plan or refund policy is invalid',
  },
  REFUND_LEG_NOT_FOUND: { status: 'not_found', zh: '退款分笔不存在', en: 'The refund leg does not exist' },
  REFUND_LEG_APPROVAL_NOT_NEEDED: {
    status: 'conflict',
    zh: '该笔原路退回，无需复核',
    en: 'This leg goes back by the original route and needs no approval',
  },
  REFUND_LEG_NOT_APPROVED: {
    status: 'conflict',
    zh: '该笔替代退款尚未经主管复核',
    en: 'This fallback leg has not been approved by a supervisor',
  },
  REFUND_LEG_APPROVAL_BY_MAKER: {
    status: 'forbidden',
    zh: '复核人不能是退款经办人本人',
    en: 'A fallback leg must be approved by someone other than the clerk who planned the refund',
  },
  REFUND_LEG_APPROVER_NOT_SUPERVISOR: {
    status: 'forbidden',
    zh: '替代退款须由财务主管复核',
    en: 'A fallback leg must be approved by a finance supervisor',
  },
  REFUND_LEG_ALREADY_FINAL: {
    status: 'conflict',
    zh: '该笔退款结果已记录，且与本次不同',
    en: 'This leg already has a different recorded outcome',
  },
  REFUND_LEG_NOT_BOUNCEABLE: {
    status: 'conflict',
    zh: '只有已汇出的银行转账退款才会退票',
    en: 'Only a refund leg paid out by bank transfer can bounce',
  },
  REFUND_LEG_BOUNCE_AMOUNT_MISMATCH: {
    status: 'conflict',
    zh: '退票金额与该笔退款金额不符',
    en: 'The returned amount is not the amount of this leg',
  },
  REFUND_LEG_NOT_BOUNCED: {
    status: 'conflict',
    zh: '该笔退款未退票，不能改换退款方式',
    en: 'This leg has not bounced; its route cannot be changed',
  },
  REFUND_LEG_TOO_MANY_REISSUES: {
    status: 'conflict',
    zh: '该笔退款改换方式次数过多，请线下处理',
    en: 'This leg has been rerouted too many times; handle it by hand',
  },
} as const satisfies Record<string, { status: RejectionStatus; zh: string; en: string }>;

export type RefundPlanRefusalCode = keyof typeof REFUND_PLAN_REFUSALS;

export class RefundPlanRefusal extends Refusal<RefundPlanRefusalCode> {
  readonly status: RejectionStatus;
  constructor(code: RefundPlanRefusalCode, details: RejectionDetails = {}) {
    const info = REFUND_PLAN_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'RefundPlanRefusal';
    this.status = info.status;
  }
}

export function refuse(code: RefundPlanRefusalCode, details: RejectionDetails = {}): RefundPlanRefusal {
  return new RefundPlanRefusal(code, details);
}
