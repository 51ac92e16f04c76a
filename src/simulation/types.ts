// What the scenario generator produces: the commands each party's systems issued, the movements each
// counter-party records (and later prints on its statement), and the answer key. Pure data.
import type { BusinessDate } from '../domain/business-date.ts';
import type { AnswerKeyCase, AnswerKeyEntry, DiscrepancyType } from '../domain/reconciliation/types.ts';
import type { SimStep } from './commands.ts';

/** Channels that issue a statement file the platform reconciles against. */
export const STATEMENT_CHANNELS = ['wechat', 'alipay', 'unionpay'] as const;
export type StatementChannel = (typeof STATEMENT_CHANNELS)[number];
/** Every channel the simulated hospital takes money through (cash at the window has no statement but the HIS). */
export const SIM_CHANNELS = [...STATEMENT_CHANNELS, 'cash'] as const;
export type SimChannel = (typeof SIM_CHANNELS)[number];

export const DEFAULT_ORDERS = 3_000;
/** Largest day one run simulates (the files stay far below the parsers' limits). */
export const MAX_ORDERS = 200_000;
/** Two of every type; settlement shortfalls are at most one per statement channel. */
export const DEFAULT_ANOMALIES = 18;
export const MAX_ANOMALIES = 2_000;
/** Each anomaly lives on an order of its own: at least this many orders per anomaly. */
export const MIN_ORDERS_PER_ANOMALY = 8;
export const DEFAULT_HOSPITAL_ID = 'H1';
export const DEFAULT_SEED = 'hospital-day';

/**
 * The contract fee rates (费率) of the simulated merchant accounts. Every statement line's fee is
 * round_half_up(amount × rate, 2 decimals), charged on payments and returned (negative) on refunds, in
 * proportion; a FEE_MISMATCH anomaly is a line whose fee is not that.
 */
export const FEE_RATES: Readonly<Record<StatementChannel, { rate: string; printed: string }>> = {
  wechat: { rate: '0.006', printed: '0.60%' },
  alipay: { rate: '0.006', printed: '0.60%' },
  unionpay: { rate: '0.0038', printed: '0.38%' },
};

/** The hospital's merchant ids at each channel (微信商户号, 支付宝 PID+0156, 银联商户代码). */
export const MERCHANT_IDS: Readonly<Record<StatementChannel, string>> = {
  wechat: '1900000109',
  alipay: '20881234567890120156',
  unionpay: '898310148160568',
};

/** The hospital's bank account the channels settle into. */
export const SETTLEMENT_BANK_ACCOUNT = 'ICBC-1202020109000012345';

export interface SimulationConfig {
  hospitalId: string;
  /** The business date simulated, `yyyy-MM-dd`. */
  date: BusinessDate;
  /** Orders created on that date (registrations, outpatient payments, deposit top-ups). */
  orders: number;
  /** Anomalies injected; round-robin over every DiscrepancyType (so ≥ 9 covers each type). */
  anomalies: number;
  seed: string;
  timeZone: string;
}

/** A sequence of commands that must run in order (one patient episode); episodes run independently. */
export interface Story {
  key: string;
  commands: SimStep[];
}

/**
 * What the simulated HIS answers when the platform writes an order's payment back: `failures` times
 * unavailable (the platform retries), then confirmed with the receipt the HIS extract prints, or refused for
 * good (the order stays paid-not-in-HIS: a HIS_MISSING anomaly).
 */
export interface HisPlan {
  failures: number;
  outcome: 'confirmed' | 'rejected';
  receiptNo?: string;
}

/** A movement as a channel records it and prints it on its statement (the StatementLine fields the writers take). */
export interface ChannelRecord {
  channel: StatementChannel;
  /** The date the channel's statement attributes it to (its own clock, 00:00 cut-off). */
  businessDate: BusinessDate;
  kind: 'payment' | 'refund';
  /** Positive, two decimals. */
  amount: string;
  /** Cost to the merchant: + charged on a payment, − returned on a refund; two decimals. */
  fee: string;
  feeRate: string;
  /** The channel's time of the movement, ISO-8601 UTC. */
  occurredAt: string;
  merchantId: string;
  channelTxnId: string;
  channelRefundId?: string;
  merchantOrderNo: string;
  refundNo?: string;
  tradeType?: string;
  productName: string;
  attach?: string;
  terminalId?: string;
  batchNo?: string;
  voucherNo?: string;
  referenceNo?: string;
  status?: string;
  /** True for the repeated copy of a line (a DUPLICATE anomaly). */
  copy?: boolean;
}

/** A charge or refund as the HIS books it and prints it on its daily charge extract. */
export interface HisRecord {
  hisNo: string;
  kind: 'payment' | 'refund';
  merchantOrderNo: string;
  refundNo?: string;
  channelTxnId?: string;
  payChannel: SimChannel;
  /** 业务类型 as the HIS prints it. */
  tradeType: string;
  amount: string;
  occurredAt: string;
  businessDate: BusinessDate;
  patientId: string;
  operatorId: string;
}

/** A channel's transfer of one business day's net to the hospital's bank (T+1). */
export interface BankCredit {
  channel: StatementChannel;
  /** The channel day it settles. */
  businessDate: BusinessDate;
  settlementId: string;
  bankAccount: string;
  /** Σ payments − Σ refunds − Σ fees of every line of the channel's statement for that day. */
  due: string;
  /** What the bank actually received. */
  amount: string;
  creditedAt: string;
}

/**
 * The edge cases every simulated day holds besides its anomalies (the answer key's `cases` say what each must end
 * as, with and without the next day's statements imported):
 * - `cross-midnight`: paid at 23:59:5x, booked by the channel after midnight — pending (next statement) without
 *   the next day's bill, a timing difference (resolved by rule) with it;
 * - `refund-in-flight`: a WeChat refund printed 退款处理中 (PROCESSING) the platform has not completed — pending
 *   (in flight) either way;
 * - `refund-failed`: a WeChat refund printed FAIL the platform never completed — no money moved, matched, no finding;
 * - `split-lines`: one payment printed as two lines with their own transaction ids — matched as one, no finding;
 * - `his-shared-number`: a HIS charge and its reversal on one HIS number, no platform movement — two HIS_ONLY
 *   findings (both in the answer key).
 */
export const EDGE_CASE_KINDS = [
  'cross-midnight',
  'refund-in-flight',
  'refund-failed',
  'split-lines',
  'his-shared-number',
] as const;
export type EdgeCaseKind = (typeof EDGE_CASE_KINDS)[number];
/** Answer-key findings the edge cases add to the injected anomalies (the HIS charge and its reversal). */
export const EDGE_CASE_FINDINGS = 2;

export interface SimulatedDay {
  config: SimulationConfig;
  /** A short tag derived from the seed, part of every id so several runs can share one store. */
  runTag: string;
  stories: Story[];
  channelRecords: ChannelRecord[];
  hisRecords: HisRecord[];
  /** Per order id: how the simulated HIS answers its payment writeback (orders not listed: confirmed at once). */
  hisPlan: Record<string, HisPlan>;
  bankCredits: BankCredit[];
  answerKey: AnswerKeyEntry[];
  /** What each edge case must end as (pending, resolved, matched, open), with and without the next day. */
  cases: AnswerKeyCase[];
  stats: SimulationStats;
}

export interface SimulationStats {
  /** Orders created on the simulated date. */
  orders: number;
  /** Orders created on earlier days whose refunds or discharge fall on the date. */
  historyOrders: number;
  commands: number;
  byKind: Record<'registration' | 'outpatient' | 'deposit', number>;
  byChannel: Record<SimChannel, number>;
  refunds: number;
  cancellations: number;
  unknownConfirmed: number;
  paymentFailures: number;
  hisRetries: number;
  discharges: number;
  crossMidnight: number;
  anomalies: Record<DiscrepancyType, number>;
  /** Edge cases injected besides the anomalies (cross-midnight counts the date's own). */
  edgeCases: Record<EdgeCaseKind, number>;
}
