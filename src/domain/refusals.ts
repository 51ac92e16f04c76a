// The one refusal table: every code the domain refuses with, each with its section, its kind and its Chinese and
// English message, grouped by section. Each area's refusal class (made by `refusalClass` in rejection.ts) takes
// the codes of its section; REFUSALS is where any code is looked up (an edge's docs, a message in the caller's
// language). Being one object literal, the table cannot hold a code twice (the compiler refuses it).
import type { RefusalInfo, RefusalKind, RejectionStatus } from './rejection.ts';

type Table<Kind extends RefusalKind = RefusalKind> = Readonly<Record<string, RefusalInfo<Kind>>>;

/** A row of the table: the section the code belongs to, its kind and its message in Chinese and in English. */
interface Row<Section extends string, Kind extends RefusalKind> extends RefusalInfo<Kind> {
  section: Section;
}

/** The row makers of one section, one per kind: each takes the message in Chinese, then in English. */
function rows<const Section extends string>(section: Section) {
  const kind =
    <Kind extends RefusalKind>(status: Kind) =>
    (zh: string, en: string): Row<Section, Kind> => ({ section, status, zh, en });
  return {
    invalid: kind('invalid'),
    conflict: kind('conflict'),
    notFound: kind('not_found'),
    forbidden: kind('forbidden'),
    rateLimited: kind('rate_limited'),
  };
}

const order = rows('order');
const channel = rows('channel');
const reconciliation = rows('reconciliation');
const staff = rows('staff');
const mapping = rows('mapping');
const report = rows('report');
const schedule = rows('schedule');
const refundPlan = rows('refundPlan');
const payment = rows('payment');

/** Every refusal code, by section. */
// biome-ignore format: one line per code keeps the table readable as a table
export const REFUSALS = {
  // Orders, payments of orders, deposits, fees and settlements (Rejection, rejection.ts).
  INVALID_AMOUNT: order.invalid('金额格式不正确或超出范围', 'The amount is malformed or out of range'),
  INVALID_ID: order.invalid('编号格式不正确', 'The identifier is malformed'),
  INVALID_COMMAND: order.invalid('请求内容不完整或不正确', 'The request is incomplete or malformed'),
  INVALID_BUSINESS_DATE: order.invalid('业务日期不正确', 'The business date is invalid'),
  LIMIT_EXCEEDED: order.invalid('超出系统限制', 'A system limit was exceeded'),
  CHARGE_ITEMS_MISMATCH: order.invalid('收费项目与订单金额不符', 'The charge items do not add up to the order amount'),
  ORDER_ALREADY_EXISTS: order.conflict('订单已存在', 'The order already exists'),
  ORDER_NOT_FOUND: order.notFound('订单不存在', 'The order does not exist'),
  ORDER_NOT_PAYABLE: order.conflict('订单当前不可支付', 'The order cannot be paid in its current state'),
  AMOUNT_MISMATCH: order.invalid('支付金额与订单金额不一致', 'The amount does not match the order amount'),
  PAYMENT_STATUS_UNKNOWN: order.conflict('支付结果未知，须先确认成功或失败', 'A payment with unknown status must first be confirmed or failed'),
  PAYMENT_NOT_UNKNOWN: order.conflict('没有待确认的支付', 'There is no payment with unknown status to resolve'),
  PAYMENT_CALLBACK_CONFLICT: order.conflict('同一渠道交易号的回调内容不一致', 'A callback for the same channel transaction carries different data'),
  PAYMENT_NOT_FOUND: order.notFound('支付记录不存在', 'The payment does not exist'),
  CHANNEL_MISMATCH: order.invalid('渠道与原支付渠道不一致', 'The channel differs from the channel of the original payment'),
  ORDER_NOT_CANCELLABLE: order.conflict('订单当前不可取消', 'The order cannot be cancelled in its current state'),
  ORDER_NOT_REFUNDABLE: order.conflict('订单当前不可退款', 'The order cannot be refunded'),
  REFUND_EXCEEDS_PAYMENT: order.conflict('退款金额超过可退金额', 'The refund exceeds the amount still refundable'),
  REFUND_ALREADY_EXISTS: order.conflict('退款单号已被使用', 'The refund number is already used for another refund'),
  REFUND_NOT_FOUND: order.notFound('退款单不存在', 'The refund does not exist'),
  REFUND_NOT_PENDING: order.conflict('退款已完结', 'The refund is already final'),
  REFUND_AMOUNT_MISMATCH: order.conflict('渠道通知的退款金额与退款申请不一致', 'The refund amount the channel notified differs from the refund requested'),
  REFUND_CUMULATIVE_MISMATCH: order.conflict('渠道通知的累计退款金额与账本不符', "The channel's cumulative refunded amount does not agree with the ledger"),
  IDENTITY_NOT_VERIFIED: order.forbidden('退款前须核验患者身份', "The patient's identity must be verified before the refund"),
  HIS_WRITEBACK_NOT_EXPECTED: order.conflict('订单未支付，无需回写HIS', 'The order is not paid, so there is nothing to write back to the HIS'),
  DEPOSIT_NOT_FOUND: order.notFound('住院预交金账户不存在', 'The deposit account does not exist'),
  DEPOSIT_INSUFFICIENT: order.conflict('预交金余额不足', 'The deposit balance is insufficient'),
  DEPOSIT_ALREADY_SETTLED: order.conflict('该住院已完成出院结算', 'The discharge settlement of this admission is already done'),
  DEPOSIT_NOT_SETTLED: order.conflict('出院结算前不能退预交金余额', 'The deposit remainder can be refunded only after discharge settlement'),
  DEPOSIT_TOP_UP_CONFLICT: order.conflict('同一订单的预交金充值内容不一致', 'A top-up for the same order carries different data'),
  DEPOSIT_PATIENT_MISMATCH: order.conflict('患者与住院记录不一致', 'The patient does not match the admission'),
  FEE_ALREADY_RECORDED: order.conflict('该手续费已记录且金额不同', 'This fee is already recorded with another amount'),
  SETTLEMENT_ALREADY_RECORDED: order.conflict('该结算款已记录且内容不同', 'This settlement is already recorded with other data'),
  // Access channels and their merchants (ChannelRefusal, channel/).
  CHANNEL_INVALID_SETTINGS: channel.invalid('渠道设置不正确', 'The channel settings are invalid'),
  CHANNEL_ALREADY_EXISTS: channel.conflict('渠道已存在', 'The channel already exists'),
  CHANNEL_NOT_FOUND: channel.notFound('渠道不存在', 'The channel does not exist'),
  CHANNEL_NOT_REGISTERED: channel.forbidden('该客户端所属渠道尚未登记', "The client's channel is not registered"),
  CHANNEL_DISABLED: channel.forbidden('渠道已停用', 'The channel is disabled'),
  CHANNEL_CLOSED: channel.forbidden('当前不在该渠道的缴费开放时间内', 'The channel is outside its payment opening hours'),
  CHANNEL_BUSINESS_NOT_ALLOWED: channel.forbidden('该渠道不允许办理此类业务', 'The channel may not submit this business type'),
  CHANNEL_PATIENT_BLOCKED: channel.forbidden('该患者或卡号已被列入本渠道黑名单', 'The patient or card is blacklisted on this channel'),
  CHANNEL_RATE_LIMITED: channel.rateLimited('请求过于频繁，请稍后再试', 'Too many requests from this channel; retry later'),
  CHANNEL_MERCHANT_INVALID: channel.invalid('渠道商户凭据不正确', 'The channel merchant credentials are invalid'),
  CHANNEL_MERCHANT_NOT_FOUND: channel.notFound('该医院未配置此渠道商户', 'No such channel merchant is configured for the hospital'),
  // Reconciliation: discrepancies, days, statements, matches, proposals, evidence (ReconciliationRefusal).
  DISCREPANCY_NOT_FOUND: reconciliation.notFound('差错记录不存在', 'The discrepancy does not exist'),
  DISCREPANCY_NOT_OPEN: reconciliation.conflict('差错已处理完毕，不能再操作', 'The discrepancy is already resolved'),
  RESOLUTION_NOT_PROPOSED: reconciliation.conflict('没有待审批的处理方案', 'There is no proposed resolution to approve'),
  APPROVAL_NOT_NEEDED: reconciliation.conflict('该处理方式不涉及资金，无需复核', 'This action moves no money and needs no approval'),
  APPROVAL_BY_MAKER: reconciliation.forbidden('复核人不能是经办人本人', 'The resolution must be approved by someone other than its proposer'),
  RESOLUTION_REASON_REQUIRED: reconciliation.invalid('处理差错须填写原因', 'A resolution needs a reason'),
  ADJUSTMENT_NOT_APPLICABLE: reconciliation.invalid('该类差错不涉及渠道资金，不能调账或核销', 'This kind of discrepancy moves no channel money: no adjusting entry or write-off applies'),
  REFUND_NOT_APPLICABLE: reconciliation.invalid('该类差错没有患者多付的款项，不能退款给患者', 'In this kind of discrepancy no patient paid more than was recorded: there is nothing to refund'),
  DAY_NOT_RECONCILED: reconciliation.conflict('该日尚未对账', 'The day has not been reconciled yet'),
  DAY_NOT_BALANCED: reconciliation.conflict('仍有未处理的差错，不能日结', 'Discrepancies are still open: the day cannot be closed'),
  DAY_CLOSED: reconciliation.conflict('该日已日结，须先重新打开', 'The day is closed; reopen it first'),
  DAY_NOT_CLOSED: reconciliation.conflict('该日未日结，无需重新打开', 'The day is not closed'),
  REOPEN_REASON_REQUIRED: reconciliation.invalid('重新打开已日结的日期须填写原因', 'Reopening a closed day needs a reason'),
  COMMENT_REQUIRED: reconciliation.invalid('备注内容不能为空且不超过 2000 字', 'A comment needs text (at most 2000 characters)'),
  REJECTION_REASON_REQUIRED: reconciliation.invalid('驳回处理方案须填写原因', 'Rejecting a proposed resolution needs a reason'),
  NOT_A_TIMING_ITEM: reconciliation.invalid('只有单边账（长款/短款）可以按时间差接受', 'Only one-sided items (channel only / platform only) can be accepted as timing differences'),
  APPROVER_NOT_SUPERVISOR: reconciliation.forbidden('涉及资金的处理方案须由财务主管复核', 'A money-moving resolution must be approved or rejected by a finance supervisor'),
  STAFF_ROLE_FORBIDDEN: reconciliation.forbidden('当前角色无权执行此财务操作', 'Your role may not do this finance action'),
  STATEMENT_MALFORMED: reconciliation.invalid('对账文件格式错误，整份文件未导入', 'The statement file is malformed; nothing was imported'),
  STATEMENT_TRUNCATED: reconciliation.invalid('对账文件不完整（被截断），整份文件未导入', 'The statement file is truncated; nothing was imported'),
  STATEMENT_TOTALS_MISMATCH: reconciliation.invalid('对账文件汇总与明细不符，整份文件未导入', 'The statement totals do not agree with its lines; nothing was imported'),
  STATEMENT_WRONG_MERCHANT: reconciliation.invalid('对账文件属于其他商户，整份文件未导入', 'The statement is for another merchant; nothing was imported'),
  STATEMENT_WRONG_DATE: reconciliation.invalid('对账文件属于其他日期，整份文件未导入', 'The statement is for another business date; nothing was imported'),
  STATEMENT_FORMAT_UNKNOWN: reconciliation.invalid('无法识别对账文件格式，请指定格式或映射', 'The statement format cannot be told; name the format or a mapping'),
  STATEMENT_TOO_LARGE: reconciliation.invalid('对账文件超出允许的大小或行数', 'The statement file exceeds the allowed size or line count'),
  STATEMENT_CHANGED: reconciliation.conflict('对账文件在中断的导入之后被修改', 'The file changed since an interrupted import of it'),
  STATEMENT_IMPORT_IN_PROGRESS: reconciliation.conflict('该文件正在导入中，请稍后再试', 'This file is being imported right now; try again when that ends'),
  JOB_NOT_FOUND: reconciliation.notFound('任务不存在', 'No such job'),
  DATE_RANGE_INVALID: reconciliation.invalid('对账日期区间无效（起始日不能晚于结束日，且区间有长度上限）', 'The date range is invalid: it must not end before it starts, nor exceed the longest range'),
  // Manual matching, proposals and evidence (manual-match.ts, proposals.ts, evidence.ts).
  MATCH_TOO_FEW_ITEMS: reconciliation.invalid('手工勾对至少需要两侧各一笔', 'A manual match needs at least one item on each side'),
  MATCH_TOO_MANY_ITEMS: reconciliation.invalid('一次勾对的笔数过多', 'Too many items in one match'),
  MATCH_ITEM_NOT_MATCHABLE: reconciliation.invalid('该类差错不能手工勾对（只能勾对单边账与 HIS 单边）', 'Only one-sided items (channel only, platform only, HIS only, HIS missing) can be matched by hand'),
  MATCH_ITEM_NOT_OPEN: reconciliation.conflict('勾对的差错已处理或正在审批中', 'An item of the match is no longer open (resolved, matched or awaiting approval)'),
  MATCH_ITEM_IN_MATCH: reconciliation.conflict('该笔已在另一笔待审批的勾对中', 'An item is already part of another match awaiting approval'),
  MATCH_NOT_CONSERVED: reconciliation.invalid('两侧金额不等：须指明差额的性质（手续费、短款或长款）', 'The two sides do not add up: name the difference (fee, shortfall or surplus) or change the items'),
  MATCH_DIFFERENCE_WRONG_WAY: reconciliation.invalid('差额方向与所指明的性质不符', 'The difference goes the other way than the one named (a fee or shortfall is money short of the records)'),
  MATCH_REASON_REQUIRED: reconciliation.invalid('勾对或撤销勾对须填写原因', 'A match or unmatch needs a reason'),
  MATCH_NOT_FOUND: reconciliation.notFound('勾对记录不存在', 'No such match'),
  MATCH_NOT_ACTIVE: reconciliation.conflict('该勾对当前不能执行此操作', 'The match is not in a state that allows this'),
  MATCH_NOT_AWAITING_APPROVAL: reconciliation.conflict('该勾对没有待审批的操作', 'Nothing about this match awaits approval'),
  MATCH_DIFFERENCE_SETTLED: reconciliation.conflict('勾对差额已处理，须先撤销其处理才能撤销勾对', 'The difference this match raised is already being resolved: it cannot be unmatched now'),
  RULE_MATCH_NOT_FOUND: reconciliation.notFound('该日没有由规则勾对的此笔交易', 'No movement of that reference was matched by the rules on that day'),
  RULE_MATCH_ALREADY_UNDONE: reconciliation.conflict('该笔规则勾对已撤销', 'That rule-made match is already undone'),
  PROPOSAL_NOT_FOUND: reconciliation.notFound('建议勾对不存在或已失效', 'No such proposal (or its items are no longer open)'),
  PROPOSAL_ALREADY_REJECTED: reconciliation.conflict('该建议已被驳回', 'This proposal was rejected already'),
  EVIDENCE_TYPE_REFUSED: reconciliation.invalid('附件只接受 PDF、图片（PNG/JPEG）或 CSV', 'Evidence must be a PDF, an image (PNG, JPEG) or a CSV file'),
  EVIDENCE_TOO_LARGE: reconciliation.invalid('附件超出大小上限', 'The evidence file is too large'),
  EVIDENCE_NOT_FOUND: reconciliation.notFound('附件不存在', 'No such evidence file'),
  // Staff accounts (StaffRefusal).
  STAFF_INVALID: staff.invalid('账号信息不正确', 'The account data is invalid'),
  STAFF_USER_EXISTS: staff.conflict('用户名已存在', 'The username is already taken'),
  STAFF_USER_NOT_FOUND: staff.notFound('用户不存在', 'The user does not exist'),
  STAFF_USER_DISABLED: staff.conflict('用户已停用', 'The user is disabled'),
  STAFF_SELF_LOCKOUT: staff.forbidden('管理员不能停用自己或取消自己的管理员角色', 'An administrator may not disable or demote themselves'),
  // Statement mappings (MappingRefusal).
  MAPPING_INVALID: mapping.invalid('映射配置不正确', 'The mapping is malformed'),
  UNKNOWN_MAPPING: mapping.notFound('映射不存在', 'No mapping of that name exists'),
  MAPPING_VERSION_NOT_FOUND: mapping.notFound('该映射没有这个版本', 'The mapping has no such version'),
  MAPPING_ALREADY_EXISTS: mapping.conflict('同名映射已存在，请修订它', 'A mapping of that name exists; revise it instead'),
  MAPPING_NAME_RESERVED: mapping.conflict('该名称是内置映射的名称', 'The name is that of a built-in mapping'),
  MAPPING_RETIRED: mapping.conflict('映射已停用', 'The mapping is retired'),
  MAPPING_UNCHANGED: mapping.conflict('修订内容与当前版本相同', 'The revision is the same as the current version'),
  MAPPING_NAME_MISMATCH: mapping.invalid('映射内容中的名称与所修订的映射不一致', 'The name in the mapping differs from the mapping being revised'),
  // Finance reports (ReportRefusal).
  REPORT_UNKNOWN: report.notFound('没有这个报表', 'There is no report of that name'),
  REPORT_PERIOD_INVALID: report.invalid('报表日期范围不正确（须为 YYYY-MM-DD，起始不晚于截止）', 'The report period is invalid (YYYY-MM-DD dates, from not after to)'),
  REPORT_PERIOD_TOO_LONG: report.invalid('报表日期范围过长，请缩小范围', 'The report period is too long: narrow it'),
  REPORT_AS_OF_INVALID: report.invalid('数据截至时点不正确（须为 ISO-8601 时刻，且不晚于当前时间）', 'The as-of instant is invalid (an ISO-8601 instant, not in the future)'),
  REPORT_TOO_LARGE: report.invalid('报表行数超出上限，请缩小日期范围', 'The report has too many rows: narrow the date range'),
  REPORT_OPTION_INVALID: report.invalid('报表参数不正确（格式、语言或工作表）', 'A report option is invalid (format, language or sheet)'),
  // Schedules, background jobs and projections (ScheduleRefusal).
  SCHEDULE_INVALID: schedule.invalid('对账计划设置不正确', 'The schedule settings are invalid'),
  SCHEDULE_NOT_FOUND: schedule.notFound('对账计划不存在', 'The schedule does not exist'),
  SCHEDULE_REASON_REQUIRED: schedule.invalid('暂停或删除对账计划须填写原因', 'Pausing or removing a schedule needs a reason'),
  SCHEDULE_RUN_DATE_INVALID: schedule.invalid('补跑日期不正确', 'The business date to run is invalid'),
  QUEUE_JOB_NOT_FOUND: schedule.notFound('后台任务不存在', 'The background job does not exist'),
  QUEUE_JOB_NOT_FAILED: schedule.conflict('只能重试失败的任务', 'Only a failed job can be retried'),
  QUEUE_UNAVAILABLE: schedule.conflict('任务队列暂不可用，请稍后再试', 'The job queue is unavailable; retry later'),
  JOB_RESULT_NOT_READY: schedule.conflict('任务尚未完成，或没有可下载的结果', 'The job has not succeeded yet, or has no file to download'),
  PROJECTION_UNKNOWN: schedule.notFound('读模型不存在', 'No projection of that name'),
  // Refund plans and their legs (RefundPlanRefusal).
  REFUND_PLAN_NOT_FOUND: refundPlan.notFound('退款计划不存在', 'The refund plan does not exist'),
  REFUND_PLAN_EXISTS: refundPlan.conflict('同一编号的退款计划已存在且内容不同', 'A different refund plan with this id already exists'),
  REFUND_PLAN_EXCEEDS_REFUNDABLE: refundPlan.conflict('退款金额超过原支付可退金额', 'The refund exceeds what the original payments can still return'),
  REFUND_PLAN_NO_ROUTE: refundPlan.conflict('原路已不可退，且没有可用的替代退款方式（如未登记核实的银行账户）', 'The original route is closed and no fallback route is usable (e.g. no verified bank account)'),
  REFUND_PLAN_INVALID: refundPlan.invalid('退款计划或退款规则不正确', 'The refund plan or refund policy is invalid'),
  REFUND_LEG_NOT_FOUND: refundPlan.notFound('退款分笔不存在', 'The refund leg does not exist'),
  REFUND_LEG_APPROVAL_NOT_NEEDED: refundPlan.conflict('该笔原路退回，无需复核', 'This leg goes back by the original route and needs no approval'),
  REFUND_LEG_NOT_APPROVED: refundPlan.conflict('该笔替代退款尚未经主管复核', 'This fallback leg has not been approved by a supervisor'),
  REFUND_LEG_APPROVAL_BY_MAKER: refundPlan.forbidden('复核人不能是退款经办人本人', 'A fallback leg must be approved by someone other than the clerk who planned the refund'),
  REFUND_LEG_APPROVER_NOT_SUPERVISOR: refundPlan.forbidden('替代退款须由财务主管复核', 'A fallback leg must be approved by a finance supervisor'),
  REFUND_LEG_ALREADY_FINAL: refundPlan.conflict('该笔退款结果已记录，且与本次不同', 'This leg already has a different recorded outcome'),
  REFUND_LEG_NOT_BOUNCEABLE: refundPlan.conflict('只有已汇出的银行转账退款才会退票', 'Only a refund leg paid out by bank transfer can bounce'),
  REFUND_LEG_BOUNCE_AMOUNT_MISMATCH: refundPlan.conflict('退票金额与该笔退款金额不符', 'The returned amount is not the amount of this leg'),
  REFUND_LEG_NOT_BOUNCED: refundPlan.conflict('该笔退款未退票，不能改换退款方式', 'This leg has not bounced; its route cannot be changed'),
  REFUND_LEG_TOO_MANY_REISSUES: refundPlan.conflict('该笔退款改换方式次数过多，请线下处理', 'This leg has been rerouted too many times; handle it by hand'),
  // Payment attempts at a channel (PaymentRefusal).
  PAYMENT_METHOD_INVALID: payment.invalid('支付方式或其参数不正确', 'The payment method or its parameters are invalid'),
  PAYMENT_NO_CHANNEL: payment.conflict('当前没有可用的支付渠道', 'No payment channel can take this payment now'),
  PAYMENT_AMOUNT_OVER_LIMIT: payment.invalid('金额超过该支付方式的单笔限额', 'The amount is over the per-payment limit of this method'),
  PAYMENT_ATTEMPT_IN_FLIGHT: payment.conflict('该订单已有进行中的支付', 'Another payment of this order is in progress'),
  PAYMENT_TRADE_CLOSED: payment.conflict('该订单在渠道的交易已关闭或撤销，请重新下单', 'The channel trade of this order is closed or reversed; create a new order'),
  PAYMENT_ATTEMPT_NOT_FOUND: payment.notFound('支付尝试不存在', 'The payment attempt does not exist'),
} as const satisfies Table;

export type RefusalCode = keyof typeof REFUSALS;

type Rows = typeof REFUSALS;
type SectionName = Rows[RefusalCode]['section'];

/** The codes of one section, each with its row of REFUSALS. */
type Section<Name extends SectionName> = {
  readonly [Code in RefusalCode as Rows[Code]['section'] extends Name ? Code : never]: Rows[Code];
};

function section<const Name extends SectionName>(name: Name): Section<Name> {
  return Object.fromEntries(
    Object.entries(REFUSALS).filter(([, row]) => row.section === name),
  ) as Section<Name>;
}

/** The sections, each the table of its area's refusal class. */
export const REJECTIONS = section('order') satisfies Table<RejectionStatus>;
export const CHANNEL_REFUSALS = section('channel') satisfies Table;
export const RECONCILIATION_REFUSALS = section('reconciliation') satisfies Table<RejectionStatus>;
export const STAFF_REFUSALS = section('staff') satisfies Table;
export const MAPPING_REFUSALS = section('mapping') satisfies Table<RejectionStatus>;
export const REPORT_REFUSALS = section('report') satisfies Table<RejectionStatus>;
export const SCHEDULE_REFUSALS = section('schedule') satisfies Table<RejectionStatus>;
export const REFUND_PLAN_REFUSALS = section('refundPlan') satisfies Table<RejectionStatus>;
export const PAYMENT_REFUSALS = section('payment') satisfies Table<RejectionStatus>;
