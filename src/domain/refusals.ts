// The one refusal table: every code the domain refuses with, each with its Chinese and English message and its
// kind, in one section per area. The area's refusal class (made by `refusalClass` in rejection.ts) takes the
// codes of its section; REFUSALS is where any code is looked up (an edge's docs, a message in the caller's
// language).
import type { RefusalInfo, RefusalKind, RejectionStatus } from './rejection.ts';

type Table<Kind extends RefusalKind = RefusalKind> = Record<string, RefusalInfo<Kind>>;

/** Orders, payments of orders, deposits, fees and settlements (Rejection, rejection.ts). */
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
} as const satisfies Table<RejectionStatus>;

/** Access channels and their merchants (ChannelRefusal, channel/). */
export const CHANNEL_REFUSALS = {
  CHANNEL_INVALID_SETTINGS: {
    status: 'invalid',
    zh: '渠道设置不正确',
    en: 'The channel settings are invalid',
  },
  CHANNEL_ALREADY_EXISTS: { status: 'conflict', zh: '渠道已存在', en: 'The channel already exists' },
  CHANNEL_NOT_FOUND: { status: 'not_found', zh: '渠道不存在', en: 'The channel does not exist' },
  CHANNEL_NOT_REGISTERED: {
    status: 'forbidden',
    zh: '该客户端所属渠道尚未登记',
    en: "The client's channel is not registered",
  },
  CHANNEL_DISABLED: { status: 'forbidden', zh: '渠道已停用', en: 'The channel is disabled' },
  CHANNEL_CLOSED: {
    status: 'forbidden',
    zh: '当前不在该渠道的缴费开放时间内',
    en: 'The channel is outside its payment opening hours',
  },
  CHANNEL_BUSINESS_NOT_ALLOWED: {
    status: 'forbidden',
    zh: '该渠道不允许办理此类业务',
    en: 'The channel may not submit this business type',
  },
  CHANNEL_PATIENT_BLOCKED: {
    status: 'forbidden',
    zh: '该患者或卡号已被列入本渠道黑名单',
    en: 'The patient or card is blacklisted on this channel',
  },
  CHANNEL_RATE_LIMITED: {
    status: 'rate_limited',
    zh: '请求过于频繁，请稍后再试',
    en: 'Too many requests from this channel; retry later',
  },
  CHANNEL_MERCHANT_INVALID: {
    status: 'invalid',
    zh: '渠道商户凭据不正确',
    en: 'The channel merchant credentials are invalid',
  },
  CHANNEL_MERCHANT_NOT_FOUND: {
    status: 'not_found',
    zh: '该医院未配置此渠道商户',
    en: 'No such channel merchant is configured for the hospital',
  },
} as const satisfies Table;

/** Reconciliation: discrepancies, days, statements, matches, proposals, evidence (ReconciliationRefusal). */
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
} as const satisfies Table<RejectionStatus>;

/** Staff accounts (StaffRefusal). */
export const STAFF_REFUSALS = {
  STAFF_INVALID: { status: 'invalid', zh: '账号信息不正确', en: 'The account data is invalid' },
  STAFF_USER_EXISTS: { status: 'conflict', zh: '用户名已存在', en: 'The username is already taken' },
  STAFF_USER_NOT_FOUND: { status: 'not_found', zh: '用户不存在', en: 'The user does not exist' },
  STAFF_USER_DISABLED: { status: 'conflict', zh: '用户已停用', en: 'The user is disabled' },
  STAFF_SELF_LOCKOUT: {
    status: 'forbidden',
    zh: '管理员不能停用自己或取消自己的管理员角色',
    en: 'An administrator may not disable or demote themselves',
  },
} as const satisfies Table;

/** Statement mappings (MappingRefusal). */
export const MAPPING_REFUSALS = {
  MAPPING_INVALID: {
    status: 'invalid',
    zh: '映射配置不正确',
    en: 'The mapping is malformed',
  },
  UNKNOWN_MAPPING: { status: 'not_found', zh: '映射不存在', en: 'No mapping of that name exists' },
  MAPPING_VERSION_NOT_FOUND: {
    status: 'not_found',
    zh: '该映射没有这个版本',
    en: 'The mapping has no such version',
  },
  MAPPING_ALREADY_EXISTS: {
    status: 'conflict',
    zh: '同名映射已存在，请修订它',
    en: 'A mapping of that name exists; revise it instead',
  },
  MAPPING_NAME_RESERVED: {
    status: 'conflict',
    zh: '该名称是内置映射的名称',
    en: 'The name is that of a built-in mapping',
  },
  MAPPING_RETIRED: {
    status: 'conflict',
    zh: '映射已停用',
    en: 'The mapping is retired',
  },
  MAPPING_UNCHANGED: {
    status: 'conflict',
    zh: '修订内容与当前版本相同',
    en: 'The revision is the same as the current version',
  },
  MAPPING_NAME_MISMATCH: {
    status: 'invalid',
    zh: '映射内容中的名称与所修订的映射不一致',
    en: 'The name in the mapping differs from the mapping being revised',
  },
} as const satisfies Table<RejectionStatus>;

/** Finance reports (ReportRefusal). */
export const REPORT_REFUSALS = {
  REPORT_UNKNOWN: { status: 'not_found', zh: '没有这个报表', en: 'There is no report of that name' },
  REPORT_PERIOD_INVALID: {
    status: 'invalid',
    zh: '报表日期范围不正确（须为 YYYY-MM-DD，起始不晚于截止）',
    en: 'The report period is invalid (YYYY-MM-DD dates, from not after to)',
  },
  REPORT_PERIOD_TOO_LONG: {
    status: 'invalid',
    zh: '报表日期范围过长，请缩小范围',
    en: 'The report period is too long: narrow it',
  },
  REPORT_AS_OF_INVALID: {
    status: 'invalid',
    zh: '数据截至时点不正确（须为 ISO-8601 时刻，且不晚于当前时间）',
    en: 'The as-of instant is invalid (an ISO-8601 instant, not in the future)',
  },
  REPORT_TOO_LARGE: {
    status: 'invalid',
    zh: '报表行数超出上限，请缩小日期范围',
    en: 'The report has too many rows: narrow the date range',
  },
  REPORT_OPTION_INVALID: {
    status: 'invalid',
    zh: '报表参数不正确（格式、语言或工作表）',
    en: 'A report option is invalid (format, language or sheet)',
  },
} as const satisfies Table<RejectionStatus>;

/** Schedules, background jobs and projections (ScheduleRefusal). */
export const SCHEDULE_REFUSALS = {
  SCHEDULE_INVALID: { status: 'invalid', zh: '对账计划设置不正确', en: 'The schedule settings are invalid' },
  SCHEDULE_NOT_FOUND: { status: 'not_found', zh: '对账计划不存在', en: 'The schedule does not exist' },
  SCHEDULE_REASON_REQUIRED: {
    status: 'invalid',
    zh: '暂停或删除对账计划须填写原因',
    en: 'Pausing or removing a schedule needs a reason',
  },
  SCHEDULE_RUN_DATE_INVALID: {
    status: 'invalid',
    zh: '补跑日期不正确',
    en: 'The business date to run is invalid',
  },
  QUEUE_JOB_NOT_FOUND: { status: 'not_found', zh: '后台任务不存在', en: 'The background job does not exist' },
  QUEUE_JOB_NOT_FAILED: {
    status: 'conflict',
    zh: '只能重试失败的任务',
    en: 'Only a failed job can be retried',
  },
  QUEUE_UNAVAILABLE: {
    status: 'conflict',
    zh: '任务队列暂不可用，请稍后再试',
    en: 'The job queue is unavailable; retry later',
  },
  JOB_RESULT_NOT_READY: {
    status: 'conflict',
    zh: '任务尚未完成，或没有可下载的结果',
    en: 'The job has not succeeded yet, or has no file to download',
  },
  PROJECTION_UNKNOWN: { status: 'not_found', zh: '读模型不存在', en: 'No projection of that name' },
} as const satisfies Table<RejectionStatus>;

/** Refund plans and their legs (RefundPlanRefusal). */
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
} as const satisfies Table<RejectionStatus>;

/** Payment attempts at a channel (PaymentRefusal). */
export const PAYMENT_REFUSALS = {
  PAYMENT_METHOD_INVALID: {
    status: 'invalid',
    zh: '支付方式或其参数不正确',
    en: 'The payment method or its parameters are invalid',
  },
  PAYMENT_NO_CHANNEL: {
    status: 'conflict',
    zh: '当前没有可用的支付渠道',
    en: 'No payment channel can take this payment now',
  },
  PAYMENT_AMOUNT_OVER_LIMIT: {
    status: 'invalid',
    zh: '金额超过该支付方式的单笔限额',
    en: 'The amount is over the per-payment limit of this method',
  },
  PAYMENT_ATTEMPT_IN_FLIGHT: {
    status: 'conflict',
    zh: '该订单已有进行中的支付',
    en: 'Another payment of this order is in progress',
  },
  PAYMENT_TRADE_CLOSED: {
    status: 'conflict',
    zh: '该订单在渠道的交易已关闭或撤销，请重新下单',
    en: 'The channel trade of this order is closed or reversed; create a new order',
  },
  PAYMENT_ATTEMPT_NOT_FOUND: {
    status: 'not_found',
    zh: '支付尝试不存在',
    en: 'The payment attempt does not exist',
  },
} as const satisfies Table<RejectionStatus>;

/** The sections REFUSALS is made of. */
const SECTIONS: readonly Readonly<Table>[] = [
  REJECTIONS,
  CHANNEL_REFUSALS,
  RECONCILIATION_REFUSALS,
  STAFF_REFUSALS,
  MAPPING_REFUSALS,
  REPORT_REFUSALS,
  SCHEDULE_REFUSALS,
  REFUND_PLAN_REFUSALS,
  PAYMENT_REFUSALS,
];

export const REFUSALS = {
  ...REJECTIONS,
  ...CHANNEL_REFUSALS,
  ...RECONCILIATION_REFUSALS,
  ...STAFF_REFUSALS,
  ...MAPPING_REFUSALS,
  ...REPORT_REFUSALS,
  ...SCHEDULE_REFUSALS,
  ...REFUND_PLAN_REFUSALS,
  ...PAYMENT_REFUSALS,
} as const satisfies Table;

export type RefusalCode = keyof typeof REFUSALS;

/** Codes in more than one section: the spread above would hide one of them (a test keeps this empty). */
export function clashingRefusalCodes(): string[] {
  const seen = new Map<string, number>();
  for (const table of SECTIONS)
    for (const code of Object.keys(table)) seen.set(code, (seen.get(code) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([code]) => code);
}
