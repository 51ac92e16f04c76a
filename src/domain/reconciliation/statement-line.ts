// Normalized statement lines: what every statement parser (WeChat, Alipay, bank/UnionPay, HIS,
// insurance) produces and what reconciliation matches. Pure: types and small helpers.
import { Decimal } from 'decimal.js';

/** Who issued the statement. `channel` = a payment channel (WeChat Pay, Alipay, UnionPay online). */
export const STATEMENT_PARTIES = ['channel', 'bank', 'his', 'insurance'] as const;
export type StatementParty = (typeof STATEMENT_PARTIES)[number];

/**
 * What a line moves. Direction comes from the kind, never from the sign of `amount`: payment and income
 * come in; refund, settlement (paid out to the bank: 提现, 结算) and expense go out; a fee goes out when
 * `fee` is positive (charged) and comes back when it is negative (returned). `income`/`expense` are the
 * other movements of an account statement (fund-flow bill, Alipay 账务明细) that are neither.
 */
export const STATEMENT_LINE_KINDS = ['payment', 'refund', 'fee', 'settlement', 'income', 'expense'] as const;
export type StatementLineKind = (typeof STATEMENT_LINE_KINDS)[number];

/** A statement format: the built-in ones plus `bank:<mapping name>` for declarative mappings. */
export type StatementFormat =
  | 'wechat'
  | 'alipay'
  /** WeChat Pay fund-flow bill (资金账单): the merchant account's movements, fees and payouts. */
  | 'wechat-fundflow'
  /** Alipay account statement (账务明细, bill_type=signcustomer): the account's movements. */
  | 'alipay-account'
  | 'his'
  | 'insurance'
  | `bank:${string}`
  | `his:${string}`;

/**
 * One normalized statement line. Every id is a string; money is a decimal string, never a number.
 * `amount` is always positive with exactly two decimals; `fee` is signed as a cost to the merchant
 * (+ charged, − returned on a refund) with as many decimals as the file gives (WeChat: 5).
 */
export interface StatementLine {
  party: StatementParty;
  /** Who issued it: `wechat`, `alipay`, `unionpay`, `allinpay`, a bank mapping's source, `his`, `insurance`. */
  source: string;
  format: StatementFormat;
  kind: StatementLineKind;
  /** Physical line (1-based) in the decoded text, or the worksheet row for xlsx. */
  lineNo: number;
  /** The raw text of the line as decoded (xlsx: the cells joined by commas). */
  raw: string;
  /** Attached at import; parsers leave it unset unless the caller passes one. */
  hospitalId?: string;
  /** The merchant / account the line belongs to (商户号, 支付宝账号, 商户代码). */
  merchantId?: string;
  /** Sub-merchant (特约商户号) in service-provider mode. */
  subMerchantId?: string;
  /** The channel's own transaction id (微信订单号, 支付宝交易号, 参考号, setl_id). */
  channelTxnId?: string;
  /** The channel's own refund id (微信退款单号). */
  channelRefundId?: string;
  /** 商户订单号 = the platform's order no. On refund lines: the original payment's. */
  merchantOrderNo?: string;
  /** 商户退款单号 / 退款批次号/请求号 = the platform's refund no. */
  refundNo?: string;
  /** Money actually moved, positive, two decimals (WeChat 应结订单金额/退款金额, Alipay |商家实收|). */
  amount: string;
  /** Gross amount before coupons/discounts, positive, two decimals (WeChat 订单金额/申请退款金额). */
  grossAmount?: string;
  /** Fee as a cost to the merchant: positive charged, negative returned; exact as in the file. */
  fee?: string;
  /** Fee rate as printed, e.g. `0.60%`. */
  feeRate?: string;
  /** Instant of the movement in UTC, ISO-8601 (`2024-05-01T01:02:03.000Z`). */
  occurredAt: string;
  /** The file's wall-clock time as printed (`yyyy-MM-dd HH:mm:ss`), in the statement's time zone. */
  localTime: string;
  /** Business date the statement attributes the line to (`yyyy-MM-dd`). */
  businessDate: string;
  /** Status as the file prints it (WeChat 退款状态 snapshot, bank 交易状态, HIS status). */
  status?: string;
  /** Trade type as printed (WeChat 交易类型, Alipay 业务类型, bank 交易类型). */
  tradeType?: string;
  /** HIS charge/receipt number (from the HIS extract, or carried in WeChat attach). */
  hisNo?: string;
  /** Merchant-defined data (WeChat 商户数据包, Alipay 备注). */
  attach?: string;
  /** For HIS/insurance lines: the channel the payment went through (`wechat`, `alipay`, `cash` …). */
  payChannel?: string;
  terminalId?: string;
  batchNo?: string;
  voucherNo?: string;
  referenceNo?: string;
  storeId?: string;
  operatorId?: string;
  patientId?: string;
  /** Further named money amounts (insurance fundPay/accountPay/cashPay, coupons …), decimal strings. */
  amounts?: Record<string, string>;
  /** Account statements: the account balance after this movement, signed, two decimals, as printed. */
  balanceAfter?: string;
  /** Account statements: the account's own journal id (资金流水单号, 账务流水号). */
  entryId?: string;
}

/** A line's optional text fields that tie it to a transaction: merchant, the channel's and the platform's ids. */
export const LINE_REFERENCE_FIELDS = [
  'merchantId',
  'subMerchantId',
  'channelTxnId',
  'channelRefundId',
  'merchantOrderNo',
  'refundNo',
] as const satisfies readonly (keyof StatementLine)[];

/** A line's optional text fields that describe it (status, trade type, the HIS number, terminal, batch …). */
export const LINE_DETAIL_FIELDS = [
  'status',
  'tradeType',
  'hisNo',
  'attach',
  'payChannel',
  'terminalId',
  'batchNo',
  'voucherNo',
  'referenceNo',
  'storeId',
  'operatorId',
  'patientId',
] as const satisfies readonly (keyof StatementLine)[];

/** Totals the file declared and what the rows add up to; a verified summary only holds agreeing ones. */
export interface TotalsCheck {
  name: string;
  declared: string;
  computed: string;
}

/** The verified outcome of parsing a whole statement file. */
export interface StatementSummary {
  file: string;
  format: StatementFormat;
  party: StatementParty;
  source: string;
  /** SHA-256 (hex) of the file's bytes exactly as given (before gunzip/unzip/decoding). */
  sha256: string;
  bytes: number;
  merchantId?: string;
  /** The business date the file declares, or the one all its lines share. */
  businessDate?: string;
  /** Detail lines yielded. */
  lines: number;
  counts: Record<StatementLineKind, number>;
  /** Σ amount per kind, two decimals. */
  amounts: Record<StatementLineKind, string>;
  /** Σ fee (signed as on the lines). */
  fees: string;
  /** Every total the file's summary/footer states, each checked against the rows (all agree, or the file is refused). */
  checks: TotalsCheck[];
  /** How many totals the file stated: a verified file has `checks.length === totalsStated`. */
  totalsStated: number;
  /** The column mapping that read the file (bank, HIS and insurance files). */
  mapping?: string;
}

const MONEY_RE = /^[+-]?(\d+)(\.\d+)?$/;

/** Parses a decimal money text (`12`, `12.3`, `-0.50`, `+1.00`) allowing at most `maxDecimals`. */
export function parseMoney(text: string, maxDecimals = 2): Decimal | undefined {
  const t = text.trim();
  const m = MONEY_RE.exec(t);
  if (!m) return undefined;
  const frac = m[2];
  if (frac !== undefined && frac.length - 1 > maxDecimals) {
    // Allow trailing zeros beyond the limit (`0.04000` as a 2-decimal amount is still exact).
    if (!/^0*$/.test(frac.slice(1 + maxDecimals))) return undefined;
  }
  return new Decimal(t);
}

/** A money value as a two-decimal string (`1.5` → `1.50`). */
export function money2(d: Decimal): string {
  return d.toFixed(2);
}

/** True when `s` is a non-negative decimal string with exactly two decimals. */
export function isAmountString(s: string): boolean {
  return /^\d+\.\d{2}$/.test(s);
}

/** The line's effect on the account it is stated for: + payment/income/returned fee, − refund/fee/settlement/expense. */
export function signedAmount(line: Pick<StatementLine, 'kind' | 'amount'> & { fee?: string }): Decimal {
  const a = new Decimal(line.amount);
  if (line.kind === 'fee') return line.fee?.startsWith('-') ? a : a.negated();
  return line.kind === 'payment' || line.kind === 'income' ? a : a.negated();
}

export function emptyKindCounts(): Record<StatementLineKind, number> {
  return { payment: 0, refund: 0, fee: 0, settlement: 0, income: 0, expense: 0 };
}

/** A Record with one value per kind, built by `make`. */
export function perKind<T>(make: (kind: StatementLineKind) => T): Record<StatementLineKind, T> {
  return Object.fromEntries(STATEMENT_LINE_KINDS.map((k) => [k, make(k)])) as Record<StatementLineKind, T>;
}
