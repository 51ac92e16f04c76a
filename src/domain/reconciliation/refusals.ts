// Reconciliation refusals: the same shape as domain Rejections (stable code, zh/en message, status category),
// kept in their own table like the channel refusals, so the order/deposit rejection table (and the test that
// gives every one of its codes a scenario) stays as it is.
import type { RejectionDetails, RejectionStatus } from '../rejection.ts';
import { Refusal } from '../rejection.ts';

export const RECONCILIATION_REFUSALS = {
  DISCREPANCY_NOT_FOUND: { status: 'not_found', zh: '差错记录不存在', en: 'The discrepancy does not exist' },
  DISCREPANCY_NOT_OPEN: {
    status: 'conflict',
    zh: '差错已处理完毕，不能再操作',
    en: 'The discrepancy is already resolved',
  },
  RESOLUTION_NOT_PROPOSED: {
    status: 'conflict',
    zh: '没有待审批的处理方案',
    en: 'There is no proposed resolution to approve',
  },
  APPROVAL_NOT_NEEDED: {
    status: 'conflict',
    zh: '该处理方式不涉及资金，无需复核',
    en: 'This action moves no money and needs no approval',
  },
  APPROVAL_BY_MAKER: {
    status: 'forbidden',
    zh: '复核人不能是经办人本人',
    en: 'The resolution must be approved by someone other than its proposer',
  },
  RESOLUTION_REASON_REQUIRED: {
    status: 'invalid',
    zh: '处理差错须填写原因',
    en: 'A resolution needs a reason',
  },
  ADJUSTMENT_NOT_APPLICABLE: {
    status: 'invalid',
    zh: '该类差错不涉及渠道资金，不能调账或核销',
    en: 'This kind of discrepancy moves no channel money: no adjusting entry or write-off applies',
  },
  REFUND_NOT_APPLICABLE: {
    status: 'invalid',
    zh: '该类差错没有患者多付的款项，不能退款给患者',
    en: 'In this kind of discrepancy no patient paid more than was recorded: there is nothing to refund',
  },
  DAY_NOT_RECONCILED: {
    status: 'conflict',
    zh: '该日尚未对账',
    en: 'The day has not been reconciled yet',
  },
  DAY_NOT_BALANCED: {
    status: 'conflict',
    zh: '仍有未处理的差错，不能日结',
    en: 'Discrepancies are still open: the day cannot be closed',
  },
  DAY_CLOSED: {
    status: 'conflict',
    zh: '该日已日结，须先重新打开',
    en: 'The day is closed; reopen it first',
  },
  DAY_NOT_CLOSED: { status: 'conflict', zh: '该日未日结，无需重新打开', en: 'The day is not closed' },
  REOPEN_REASON_REQUIRED: {
    status: 'invalid',
    zh: '重新打开已日结的日期须填写原因',
    en: 'Reopening a closed day needs a reason',
  },
  COMMENT_REQUIRED: {
    status: 'invalid',
    zh: '备注内容不能为空且不超过 2000 字',
    en: 'A comment needs text (at most 2000 characters)',
  },
  REJECTION_REASON_REQUIRED: {
    status: 'invalid',
    zh: '驳回处理方案须填写原因',
    en: 'Rejecting a proposed resolution needs a reason',
  },
  NOT_A_TIMING_ITEM: {
    status: 'invalid',
    zh: '只有单边账（长款/短款）可以按时间差接受',
    en: 'Only one-sided items (channel only / platform only) can be accepted as timing differences',
  },
  APPROVER_NOT_SUPERVISOR: {
    status: 'forbidden',
    zh: '涉及资金的处理方案须由财务主管复核',
    en: 'A money-moving resolution must be approved or rejected by a finance supervisor',
  },
  STAFF_ROLE_FORBIDDEN: {
    status: 'forbidden',
    zh: '当前角色无权执行此财务操作',
    en: 'Your role may not do this finance action',
  },
  STATEMENT_MALFORMED: {
    status: 'invalid',
    zh: '对账文件格式错误，整份文件未导入',
    en: 'The statement file is malformed; nothing was imported',
  },
  STATEMENT_TRUNCATED: {
    status: 'invalid',
    zh: '对账文件不完整（被截断），整份文件未导入',
    en: 'The statement file is truncated; nothing was imported',
  },
  STATEMENT_TOTALS_MISMATCH: {
    status: 'invalid',
    zh: '对账文件汇总与明细不符，整份文件未导入',
    en: 'The statement totals do not agree with its lines; nothing was imported',
  },
  STATEMENT_WRONG_MERCHANT: {
    status: 'invalid',
    zh: '对账文件属于其他商户，整份文件未导入',
    en: 'The statement is for another merchant; nothing was imported',
  },
  STATEMENT_WRONG_DATE: {
    status: 'invalid',
    zh: '对账文件属于其他日期，整份文件未导入',
    en: 'The statement is for another business date; nothing was imported',
  },
  STATEMENT_FORMAT_UNKNOWN: {
    status: 'invalid',
    zh: '无法识别对账文件格式，请指定格式或映射',
    en: 'The statement format cannot be told; name the format or a mapping',
  },
  STATEMENT_TOO_LARGE: {
    status: 'invalid',
    zh: '对账文件超出允许的大小或行数',
    en: 'The statement file exceeds the allowed size or line count',
  },
  STATEMENT_CHANGED: {
    status: 'conflict',
    zh: '对账文件在中断的导入之后被修改',
    en: 'The file changed since an interrupted import of it',
  },
  STATEMENT_IMPORT_IN_PROGRESS: {
    status: 'conflict',
    zh: '该文件正在导入中，请稍后再试',
    en: 'This file is being imported right now; try again when that ends',
  },
  JOB_NOT_FOUND: { status: 'not_found', zh: '任务不存在', en: 'No such job' },
  DATE_RANGE_INVALID: {
    status: 'invalid',
    zh: '对账日期区间无效（起始日不能晚于结束日，且区间有长度上限）',
    en: 'The date range is invalid: it must not end before it starts, nor exceed the longest range',
  },
  // Manual matching, proposals and evidence (manual-match.ts, proposals.ts, evidence.ts).
  MATCH_TOO_FEW_ITEMS: {
    status: 'invalid',
    zh: '手工勾对至少需要两侧各一笔',
    en: 'A manual match needs at least one item on each side',
  },
  MATCH_TOO_MANY_ITEMS: { status: 'invalid', zh: '一次勾对的笔数过多', en: 'Too many items in one match' },
  MATCH_ITEM_NOT_MATCHABLE: {
    status: 'invalid',
    zh: '该类差错不能手工勾对（只能勾对单边账与 HIS 单边）',
    en: 'Only one-sided items (channel only, platform only, HIS only, HIS missing) can be matched by hand',
  },
  MATCH_ITEM_NOT_OPEN: {
    status: 'conflict',
    zh: '勾对的差错已处理或正在审批中',
    en: 'An item of the match is no longer open (resolved, matched or awaiting approval)',
  },
  MATCH_ITEM_IN_MATCH: {
    status: 'conflict',
    zh: '该笔已在另一笔待审批的勾对中',
    en: 'An item is already part of another match awaiting approval',
  },
  MATCH_NOT_CONSERVED: {
    status: 'invalid',
    zh: '两侧金额不等：须指明差额的性质（手续费、短款或长款）',
    en: 'The two sides do not add up: name the difference (fee, shortfall or surplus) or change the items',
  },
  MATCH_DIFFERENCE_WRONG_WAY: {
    status: 'invalid',
    zh: '差额方向与所指明的性质不符',
    en: 'The difference goes the other way than the one named (a fee or shortfall is money short of the records)',
  },
  MATCH_REASON_REQUIRED: {
    status: 'invalid',
    zh: '勾对或撤销勾对须填写原因',
    en: 'A match or unmatch needs a reason',
  },
  MATCH_NOT_FOUND: { status: 'not_found', zh: '勾对记录不存在', en: 'No such match' },
  MATCH_NOT_ACTIVE: {
    status: 'conflict',
    zh: '该勾对当前不能执行此操作',
    en: 'The match is not in a state that allows this',
  },
  MATCH_NOT_AWAITING_APPROVAL: {
    status: 'conflict',
    zh: '该勾对没有待审批的操作',
    en: 'Nothing about this match awaits approval',
  },
  MATCH_DIFFERENCE_SETTLED: {
    status: 'conflict',
    zh: '勾对差额已处理，须先撤销其处理才能撤销勾对',
    en: 'The difference this match raised is already being resolved: it cannot be unmatched now',
  },
  RULE_MATCH_NOT_FOUND: {
    status: 'not_found',
    zh: '该日没有由规则勾对的此笔交易',
    en: 'No movement of that reference was matched by the rules on that day',
  },
  RULE_MATCH_ALREADY_UNDONE: {
    status: 'conflict',
    zh: '该笔规则勾对已撤销',
    en: 'That rule-made match is already undone',
  },
  PROPOSAL_NOT_FOUND: {
    status: 'not_found',
    zh: '建议勾对不存在或已失效',
    en: 'No such proposal (or its items are no longer open)',
  },
  PROPOSAL_ALREADY_REJECTED: {
    status: 'conflict',
    zh: '该建议已被驳回',
    en: 'This proposal was rejected already',
  },
  EVIDENCE_TYPE_REFUSED: {
    status: 'invalid',
    zh: '附件只接受 PDF、图片（PNG/JPEG）或 CSV',
    en: 'Evidence must be a PDF, an image (PNG, JPEG) or a CSV file',
  },
  EVIDENCE_TOO_LARGE: { status: 'invalid', zh: '附件超出大小上限', en: 'The evidence file is too large' },
  EVIDENCE_NOT_FOUND: { status: 'not_found', zh: '附件不存在', en: 'No such evidence file' },
} as const satisfies Record<string, { status: RejectionStatus; zh: string; en: string }>;

export type ReconciliationRefusalCode = keyof typeof RECONCILIATION_REFUSALS;

export const RECONCILIATION_REFUSAL_CODES = Object.keys(
  RECONCILIATION_REFUSALS,
) as ReconciliationRefusalCode[];

export class ReconciliationRefusal extends Refusal<ReconciliationRefusalCode> {
  readonly status: RejectionStatus;
  constructor(code: ReconciliationRefusalCode, details: RejectionDetails = {}) {
    const info = RECONCILIATION_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'ReconciliationRefusal';
    this.status = info.status;
  }
}

export function refuse(
  code: ReconciliationRefusalCode,
  details: RejectionDetails = {},
): ReconciliationRefusal {
  return new ReconciliationRefusal(code, details);
}

export function isReconciliationRefusal(e: unknown): e is ReconciliationRefusal {
  return e instanceof ReconciliationRefusal;
}
