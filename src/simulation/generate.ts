// The scenario generator: one realistic hospital day, decided entirely by a seed.
//
// Every order is an episode of commands (what kiosks, apps, windows, channels and the HIS would send the bus)
// plus what each counter-party records of it: the channel's movement (its statement line) and the HIS's
// booking (its extract line). Anomalies are injected where they happen in reality — a lost callback leaves the
// platform without a payment the channel took; a failed HIS writeback never retried leaves the HIS without it;
// a channel that refunds from its own console leaves the platform with a pending refund — and each is written
// to the answer key with the subject convention of reconciliation/types.ts. Pure: no clock, no I/O.
import { Decimal } from 'decimal.js';
import { addDays, localToUtc, parseBusinessDate } from '../domain/business-date.ts';
import { Money } from '../domain/money.ts';
import {
  DISCREPANCY_TYPES,
  type AnswerKeyCase,
  type AnswerKeyEntry,
  type DiscrepancyType,
} from '../domain/reconciliation/types.ts';
import {
  CHARGE_ITEM_COUNTS,
  CHARGE_ITEMS,
  DEPARTMENTS,
  DEPOSIT_AMOUNTS,
  DEPOSIT_HOURS,
  HOURLY_ACTIVITY,
  REGISTRATION_FEES,
} from './catalog.ts';
import type { Actor } from '../domain/decider.ts';
import type { OrderBusinessInput } from '../domain/order/types.ts';
import {
  awaitDepositCredit,
  channelActor,
  SIM_ACTORS,
  type SimCommand,
  simCommands as c,
} from './commands.ts';
import { type Random, seededRandom } from './random.ts';
import {
  type BankCredit,
  type ChannelRecord,
  DEFAULT_ANOMALIES,
  DEFAULT_HOSPITAL_ID,
  DEFAULT_ORDERS,
  DEFAULT_SEED,
  FEE_RATES,
  type HisPlan,
  type HisRecord,
  MAX_ANOMALIES,
  MAX_ORDERS,
  MERCHANT_IDS,
  MIN_ORDERS_PER_ANOMALY,
  SETTLEMENT_BANK_ACCOUNT,
  type SimChannel,
  type SimulatedDay,
  type SimulationConfig,
  type SimulationStats,
  STATEMENT_CHANNELS,
  type StatementChannel,
  type Story,
  type EdgeCaseKind,
  EDGE_CASE_KINDS,
} from './types.ts';

const DAY = 86_400;
const ZONE = 'Asia/Shanghai';

// ---- shares of the day (fractions of orders; not money) ----
const KIND_SHARE = { registration: 0.36, outpatient: 0.5, deposit: 0.14 } as const;
const CHANNEL_SHARE: Record<'registration' | 'outpatient' | 'deposit', Record<SimChannel, number>> = {
  registration: { wechat: 55, alipay: 25, unionpay: 5, cash: 15 },
  outpatient: { wechat: 45, alipay: 25, unionpay: 15, cash: 15 },
  deposit: { wechat: 30, alipay: 10, unionpay: 40, cash: 20 },
};
/** How often each turn of an episode happens (a probability per chance, not money). */
const CHANCE = {
  booked: 0.4,
  paymentFailsFirst: 0.05,
  abandonedAfterFailure: 0.35,
  statusUnknown: 0.015,
  unknownResolvedPaid: 0.75,
  hisRetry: 0.02,
  registrationCancelled: 0.05,
  outpatientRefund: 0.04,
  partialRefund: 0.6,
  unpaidCancelled: 0.01,
} as const;
/** Events of the day per order of the day. */
const PER_ORDER = {
  /** Discharges (a ~1,000-bed hospital discharges ~60 patients a day for ~3,000 orders). */
  discharges: 0.02,
  /** Outpatient payments of earlier days refunded on the date. */
  lateRefunds: 0.005,
} as const;
/** Cross-midnight payments per direction: one per this many orders, at least one. */
const ORDERS_PER_CROSS_MIDNIGHT = 600;
/** Latest second of the day an ordinary episode may start: nothing else comes near the cut-off. */
const LAST_NORMAL_START = 23 * 3600 + 30 * 60;
const FIRST_NORMAL_START = 10 * 60;

/** What a channel's id of the day is made of: the date, the run's tag (and two digits of it), the counter. */
interface IdParts {
  ymd: string;
  tag: string;
  digits: string;
  n: number;
}
const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Channel ids in each channel's own shape (微信订单号 28 digits, 支付宝交易号 28, 银联参考号 12, cash receipt). */
const CHANNEL_IDS: Record<'txn' | 'refund', Record<SimChannel, (p: IdParts) => string>> = {
  txn: {
    wechat: (p) => `4200002${p.ymd}${p.digits}${pad(p.n, 11)}`,
    alipay: (p) => `${p.ymd}22001${p.digits}${pad(p.n, 13)}`,
    unionpay: (p) => `${p.ymd.slice(4)}${p.digits}${pad(p.n, 6)}`,
    cash: (p) => `XJ${p.ymd}${p.tag}${pad(p.n, 6)}`,
  },
  refund: {
    wechat: (p) => `50300${p.ymd}${p.digits}${pad(p.n, 13)}`,
    alipay: (p) => `RA${p.ymd}${p.digits}${pad(p.n, 10)}`,
    unionpay: (p) => `${p.ymd.slice(4)}${p.digits}9${pad(p.n, 5)}`,
    cash: (p) => `TK${p.ymd}${p.tag}${pad(p.n, 6)}`,
  },
};

/** A config with defaults filled in and limits checked. */
export function simulationConfig(input: Partial<SimulationConfig> & { date: string }): SimulationConfig {
  const cfg: SimulationConfig = {
    hospitalId: input.hospitalId ?? DEFAULT_HOSPITAL_ID,
    date: parseBusinessDate(input.date),
    orders: input.orders ?? DEFAULT_ORDERS,
    anomalies: input.anomalies ?? DEFAULT_ANOMALIES,
    seed: input.seed ?? DEFAULT_SEED,
    timeZone: input.timeZone ?? ZONE,
  };
  if (!Number.isSafeInteger(cfg.orders) || cfg.orders < 1 || cfg.orders > MAX_ORDERS)
    throw new RangeError(`orders must be 1..${MAX_ORDERS}`);
  if (!Number.isSafeInteger(cfg.anomalies) || cfg.anomalies < 0 || cfg.anomalies > MAX_ANOMALIES)
    throw new RangeError(`anomalies must be 0..${MAX_ANOMALIES}`);
  if (cfg.anomalies * MIN_ORDERS_PER_ANOMALY > cfg.orders)
    throw new RangeError(
      `${cfg.anomalies} anomalies need at least ${cfg.anomalies * MIN_ORDERS_PER_ANOMALY} orders (one clean order each, among others)`,
    );
  return cfg;
}

/** The fee a channel charges on a movement (returned in proportion on a refund): round half up to cents. */
export function expectedFee(channel: StatementChannel, amount: Money): Money {
  const fee = amount.toDecimal().times(FEE_RATES[channel].rate).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  return Money.parse(fee.toFixed(2));
}

/** The subject reconciliation gives a duplicated statement line (`dup:<key>`), per reconciliation/types.ts. */
export function duplicateSubject(
  r: Pick<ChannelRecord, 'kind' | 'merchantOrderNo' | 'refundNo' | 'channelTxnId'>,
): string {
  return `dup:${r.kind === 'refund' ? (r.refundNo ?? r.channelTxnId) : r.merchantOrderNo}`;
}

type Kind = 'registration' | 'outpatient' | 'deposit';

interface Paid {
  orderId: string;
  patientId: string;
  kind: Kind;
  channel: SimChannel;
  txnId: string;
  payerRef: string;
  amount: Money;
  /** Platform time of the payment (seconds of the simulated date; negative = earlier days). */
  t: number;
  record: ChannelRecord | undefined;
  productName: string;
  terminalId: string;
  story: Story;
}

interface Draft {
  orderId: string;
  patientId: string;
  kind: Kind;
  amount: Money;
  items: { id: string; name: string; amount: Money }[];
  productName: string;
  business: OrderBusinessInput;
  story: Story;
  actor: Actor;
}

/** Generates the day. The same config always yields the same day, byte for byte. */
export function generateDay(
  input: Partial<SimulationConfig> & { date: string },
  random?: Random,
): SimulatedDay {
  const cfg = simulationConfig(input);
  return new DayBuilder(cfg, random ?? seededRandom(daySeed(cfg))).build();
}

/** The seed string of a config's own random source: every parameter that shapes the day is in it. */
export function daySeed(cfg: SimulationConfig): string {
  return `${cfg.seed}|${cfg.hospitalId}|${cfg.date}|${cfg.orders}|${cfg.anomalies}`;
}

class DayBuilder {
  private readonly tag: string;
  private readonly ymd: string;
  private readonly stories: Story[] = [];
  private readonly channelRecords: ChannelRecord[] = [];
  private readonly hisRecords: HisRecord[] = [];
  private readonly hisPlan: Record<string, HisPlan> = {};
  private readonly answerKey: AnswerKeyEntry[] = [];
  private readonly cases: AnswerKeyCase[] = [];
  private readonly seq = new Map<string, number>();
  private readonly stats: SimulationStats;
  private readonly offsetSeconds: number;

  constructor(
    private readonly cfg: SimulationConfig,
    private readonly rng: Random,
  ) {
    // Two letters and a digit from the whole config: ids stay apart across runs of other configs in one store.
    const r = seededRandom(`tag:${cfg.seed}|${cfg.hospitalId}|${cfg.date}|${cfg.orders}|${cfg.anomalies}`);
    const L = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
    this.tag = `${r.pick([...L])}${r.pick([...L])}${r.int(0, 9)}`;
    this.ymd = cfg.date.replaceAll('-', '');
    this.offsetSeconds = zoneOffsetSeconds(cfg.date, cfg.timeZone);
    this.stats = {
      orders: 0,
      historyOrders: 0,
      commands: 0,
      byKind: { registration: 0, outpatient: 0, deposit: 0 },
      byChannel: { wechat: 0, alipay: 0, unionpay: 0, cash: 0 },
      refunds: 0,
      cancellations: 0,
      unknownConfirmed: 0,
      paymentFailures: 0,
      hisRetries: 0,
      discharges: 0,
      crossMidnight: 0,
      anomalies: Object.fromEntries(DISCREPANCY_TYPES.map((t) => [t, 0])) as Record<DiscrepancyType, number>,
      edgeCases: Object.fromEntries(EDGE_CASE_KINDS.map((k) => [k, 0])) as Record<EdgeCaseKind, number>,
    };
  }

  build(): SimulatedDay {
    const cfg = this.cfg;
    const anomalyPlan = this.planAnomalies(this.rng.fork('anomaly-types'));
    const crossMidnight = Math.max(1, Math.round(cfg.orders / ORDERS_PER_CROSS_MIDNIGHT));
    const settlementShortfalls = anomalyPlan.filter((a) => a.type === 'SETTLEMENT_SHORTFALL');
    const orderAnomalies = anomalyPlan.filter((a) => a.type !== 'SETTLEMENT_SHORTFALL');

    // Anomalies first, each on a clean order of its own; then the crowd of ordinary orders.
    const arng = this.rng.fork('anomalies');
    for (const a of orderAnomalies) this.anomalyOrder(arng, a.type, a.channel);
    const xrng = this.rng.fork('cross-midnight');
    for (let i = 0; i < crossMidnight; i++) {
      this.crossMidnightOrder(xrng, STATEMENT_CHANNELS[i % STATEMENT_CHANNELS.length]!, 0);
      this.crossMidnightOrder(xrng, STATEMENT_CHANNELS[(i + 1) % STATEMENT_CHANNELS.length]!, -1);
    }
    this.edgeCases(this.rng.fork('edge-cases'));
    const hrng = this.rng.fork('history');
    const discharges = Math.max(1, Math.round(cfg.orders * PER_ORDER.discharges));
    for (let i = 0; i < discharges; i++) this.dischargedAdmission(hrng);
    const lateRefunds = Math.max(1, Math.round(cfg.orders * PER_ORDER.lateRefunds));
    for (let i = 0; i < lateRefunds; i++) this.lateRefund(hrng);
    const orng = this.rng.fork('orders');
    while (this.stats.orders < cfg.orders) this.ordinaryOrder(orng);

    const bankCredits = this.settle(settlementShortfalls.map((s) => s.channel));
    this.stats.commands = this.stories.reduce((n, s) => n + s.commands.length, 0);
    const byTime = (a: { occurredAt: string }, b: { occurredAt: string }) =>
      a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0;
    return {
      config: cfg,
      runTag: this.tag,
      stories: this.stories,
      channelRecords: [...this.channelRecords].sort(byTime),
      hisRecords: [...this.hisRecords].sort(byTime),
      hisPlan: this.hisPlan,
      bankCredits,
      answerKey: [...this.answerKey].sort((a, b) =>
        `${a.type}|${a.channel}|${a.subject}` < `${b.type}|${b.channel}|${b.subject}` ? -1 : 1,
      ),
      cases: [...this.cases].sort((a, b) =>
        `${a.case}|${a.channel}|${a.subject}` < `${b.case}|${b.channel}|${b.subject}` ? -1 : 1,
      ),
      stats: this.stats,
    };
  }

  // ---- anomalies ----

  private planAnomalies(rng: Random): { type: DiscrepancyType; channel: StatementChannel }[] {
    const out: { type: DiscrepancyType; channel: StatementChannel }[] = [];
    const settlementChannels = rng.shuffle(STATEMENT_CHANNELS);
    let i = 0;
    while (out.length < this.cfg.anomalies) {
      const type = DISCREPANCY_TYPES[i % DISCREPANCY_TYPES.length]!;
      i++;
      if (type === 'SETTLEMENT_SHORTFALL') {
        const ch = settlementChannels.shift();
        if (ch) out.push({ type, channel: ch });
        continue;
      }
      // Refunds at a POS terminal are synchronous (no console refund behind the platform's back).
      const channels = type === 'STATUS_MISMATCH' ? (['wechat', 'alipay'] as const) : STATEMENT_CHANNELS;
      out.push({ type, channel: rng.pick(channels) });
    }
    return out;
  }

  private anomalyOrder(rng: Random, type: DiscrepancyType, channel: StatementChannel): void {
    // FEE_MISMATCH lines carry an amount whose fee has no rounding tie at any of the contract rates.
    const cents = type === 'FEE_MISMATCH' ? 5_000 * rng.int(1, 12) : undefined;
    const d = rng.chance(0.4) ? this.newRegistration(rng, 0, cents) : this.newOutpatient(rng, 0, cents);
    const t = this.daytime(rng);
    const date = this.cfg.date;
    const key = (subject: string, amount: Money): void => {
      this.answerKey.push({ type, channel, businessDate: date, subject, amount: amount.toString() });
      this.stats.anomalies[type]++;
    };
    this.create(d, t);
    switch (type) {
      case 'CHANNEL_ONLY': {
        // 掉单: the channel took the money, its callback never reached the platform; the kiosk gave up.
        this.request(d, channel, t + 5);
        const txnId = this.txnId(channel);
        this.record(channel, 'payment', d.amount, t + rng.int(15, 60), {
          channelTxnId: txnId,
          merchantOrderNo: d.orderId,
          productName: d.productName,
        });
        key(d.orderId, d.amount);
        return;
      }
      case 'PLATFORM_ONLY': {
        // The terminal reported success, the acquirer reversed the transaction (冲正) and never settled it.
        const paid = this.payClean(rng, d, channel, t + 5, { noChannelRecord: true });
        this.hisSync(rng, paid, 'synced');
        key(d.orderId, d.amount);
        return;
      }
      case 'HIS_MISSING': {
        const paid = this.payClean(rng, d, channel, t + 5);
        this.hisSync(rng, paid, 'never');
        key(d.orderId, d.amount);
        return;
      }
      case 'HIS_ONLY': {
        // The payment failed, but a window clerk confirmed the charge in the HIS by hand.
        const attemptId = this.request(d, channel, t + 5);
        this.push(
          d.story,
          c.recordPaymentFailure({
            ...this.b(t + rng.int(20, 90), channelActor(channel)),
            orderId: d.orderId,
            attemptId,
            channel,
            reason: 'PAYERROR 支付失败',
          }),
        );
        const hisNo = this.hisNo();
        this.hisRecords.push({
          hisNo,
          kind: 'payment',
          merchantOrderNo: d.orderId,
          payChannel: channel,
          tradeType: hisTradeType(d.kind),
          amount: d.amount.toString(),
          occurredAt: this.iso(t + rng.int(300, 3_600)),
          businessDate: date,
          patientId: d.patientId,
          operatorId: 'SF012',
        });
        key(`his:payment:${hisNo}`, d.amount);
        return;
      }
      case 'AMOUNT_MISMATCH': {
        const paid = this.payClean(rng, d, channel, t + 5);
        this.hisSync(rng, paid, 'synced');
        const r = paid.record!;
        const delta = Money.fromCents(rng.int(1, Math.max(1, Number(d.amount.toCents() / 2n))));
        const up = rng.chance(0.5);
        const amount = up ? d.amount.add(delta) : d.amount.sub(delta);
        r.amount = amount.toString();
        r.fee = expectedFee(channel, amount).toString();
        key(d.orderId, delta);
        return;
      }
      case 'STATUS_MISMATCH': {
        // Staff refunded from the channel's merchant console; the platform's refund request stays pending.
        const { refundId } = this.paidAndRefunded(rng, d, channel, t, [1_800, 4 * 3_600]);
        key(refundId, d.amount);
        return;
      }
      case 'DUPLICATE': {
        const paid = this.payClean(rng, d, channel, t + 5);
        this.hisSync(rng, paid, 'synced');
        const r = paid.record!;
        this.channelRecords.push({ ...r, copy: true });
        key(duplicateSubject(r), d.amount);
        return;
      }
      case 'FEE_MISMATCH': {
        const paid = this.payClean(rng, d, channel, t + 5);
        this.hisSync(rng, paid, 'synced');
        const r = paid.record!;
        const delta = Money.fromCents(rng.int(5, 200));
        r.fee = Money.parse(r.fee).add(delta).toString();
        key(`fee:${d.orderId}`, delta);
        return;
      }
      case 'SETTLEMENT_SHORTFALL':
        return; // see settle()
    }
  }

  /**
   * T+1 transfers of each statement channel's net for the date, short where a shortfall is injected. The channel
   * settles what its statement says (WeChat: Σ 应结订单金额 − Σ 退款金额 − Σ 手续费), repeated lines included: a
   * duplicate is money the channel paid twice and will claw back, not a shortfall.
   */
  private settle(shortChannels: StatementChannel[]): BankCredit[] {
    const rng = this.rng.fork('settlement');
    const date = this.cfg.date;
    const credits: BankCredit[] = [];
    for (const channel of STATEMENT_CHANNELS) {
      let due = Money.ZERO;
      for (const r of this.channelRecords) {
        // A line that failed at the channel moved no money: it is in no net (the matcher's clearing agrees).
        if (r.channel !== channel || r.businessDate !== date || r.status === 'FAIL') continue;
        const a = Money.parse(r.amount);
        due = (r.kind === 'payment' ? due.add(a) : due.sub(a)).sub(
          Money.parse(r.fee, { allowNegative: true }),
        );
      }
      if (!due.isPositive()) continue;
      let amount = due;
      if (shortChannels.includes(channel)) {
        const maxCents = Math.max(1, Math.min(50_000, Number(due.toCents() / 10n)));
        const shortfall = Money.fromCents(rng.int(1, maxCents));
        amount = due.sub(shortfall);
        this.answerKey.push({
          type: 'SETTLEMENT_SHORTFALL',
          channel,
          businessDate: date,
          subject: `settlement:${date}`,
          amount: shortfall.toString(),
        });
        this.stats.anomalies.SETTLEMENT_SHORTFALL++;
      }
      const t = DAY + 10 * 3_600 + rng.int(0, 3_600);
      const settlementId = `STL${this.ymd}${channel.toUpperCase()}${this.tag}`;
      credits.push({
        channel,
        businessDate: date,
        settlementId,
        bankAccount: SETTLEMENT_BANK_ACCOUNT,
        due: due.toString(),
        amount: amount.toString(),
        creditedAt: this.iso(t),
      });
      this.stories.push({
        key: `settlement:${channel}`,
        commands: [
          c.recordChannelSettlement({
            ...this.b(t, SIM_ACTORS.treasury),
            channel,
            businessDate: date,
            settlementId,
            bankAccount: SETTLEMENT_BANK_ACCOUNT,
            amount,
          }),
        ],
      });
    }
    return credits;
  }

  // ---- ordinary episodes ----

  private ordinaryOrder(rng: Random): void {
    const kind = rng.weighted(KIND_SHARE);
    if (kind === 'deposit') {
      this.admissionTopUp(rng);
      return;
    }
    const d = kind === 'registration' ? this.newRegistration(rng, 0) : this.newOutpatient(rng, 0);
    const channel = rng.weighted(CHANNEL_SHARE[kind]);
    const t = this.startTime(rng, HOURLY_ACTIVITY);
    this.create(d, t);
    if (rng.chance(CHANCE.unpaidCancelled)) {
      // Created, never paid, cancelled by the patient (slot released).
      this.cancelUnpaid(d, t + rng.int(30, 600), '患者取消');
      return;
    }
    const paid = this.pay(rng, d, channel, t + rng.int(3, 40));
    if (!paid) return;
    this.hisSync(rng, paid, rng.chance(CHANCE.hisRetry) ? 'retry' : 'synced');
    const after = paid.t + 600;
    if (kind === 'registration' && rng.chance(CHANCE.registrationCancelled) && after < LAST_NORMAL_START) {
      const tc = rng.int(after, Math.min(LAST_NORMAL_START, after + 8 * 3_600));
      this.cancelPaidRegistration(rng, d, paid, tc);
    } else if (kind === 'outpatient' && rng.chance(CHANCE.outpatientRefund) && after < LAST_NORMAL_START) {
      const tr = rng.int(after, Math.min(LAST_NORMAL_START, after + 6 * 3_600));
      this.refundOutpatient(rng, d, paid, tr);
    }
  }

  /** A deposit top-up of an admitted patient (a new admission or a stay going on). */
  private admissionTopUp(rng: Random): void {
    const admissionId = this.id('ZY', 'admission');
    const patientId = this.patientId();
    const channel = rng.weighted(CHANNEL_SHARE.deposit);
    const t = this.startTime(rng, DEPOSIT_HOURS);
    const story: Story = { key: `admission:${admissionId}`, commands: [] };
    this.stories.push(story);
    const paid = this.topUp(rng, story, admissionId, patientId, channel, t, 0);
    if (paid) this.hisSync(rng, paid, rng.chance(CHANCE.hisRetry) ? 'retry' : 'synced');
  }

  /** An admission of earlier days discharged on the date: top-ups before, deposit applied, remainder refunded. */
  private dischargedAdmission(rng: Random): void {
    const admissionId = this.id('ZY', 'admission');
    const patientId = this.patientId();
    const story: Story = { key: `admission:${admissionId}`, commands: [] };
    this.stories.push(story);
    const stayDays = rng.int(2, 12);
    const topUps: Paid[] = [];
    const n = rng.weighted({ '1': 6, '2': 3, '3': 1 });
    for (let i = 0; i < Number(n); i++) {
      const day = -stayDays + Math.floor((i * stayDays) / Number(n));
      const t = day * DAY + rng.int(8 * 3_600 + 1_800, 17 * 3_600);
      const channel = rng.weighted(CHANNEL_SHARE.deposit);
      const paid = this.topUp(rng, story, admissionId, patientId, channel, t, day);
      if (paid) {
        this.hisSync(rng, paid, 'synced');
        topUps.push(paid);
      }
      this.history('deposit');
    }
    if (topUps.length === 0) return;
    const balance = Money.sum(topUps.map((p) => p.amount));
    // Charges of the stay covered by the deposit: most of it; the rest goes back.
    const appliedCents = (balance.toCents() * BigInt(rng.int(40, 97))) / 100n;
    const applied = Money.fromCents(appliedCents);
    const td = rng.int(9 * 3_600, 16 * 3_600);
    // The admission desk settles once the deposit shows every top-up (credited by the platform's reaction).
    story.commands.push(
      awaitDepositCredit(
        this.cfg.hospitalId,
        admissionId,
        topUps.map((p) => p.orderId),
      ),
    );
    this.push(
      story,
      c.applyDeposit({
        ...this.b(td, SIM_ACTORS.admission),
        admissionId,
        settlementId: `JS${this.ymd}${this.tag}${this.next('settlement-no')}`,
        amount: applied,
      }),
    );
    this.stats.discharges++;
    let remainder = balance.sub(applied);
    let tr = td + rng.int(300, 1_800);
    // Back to the latest top-ups first, each at most what it brought in.
    for (const p of [...topUps].reverse()) {
      if (remainder.isZero()) break;
      const amount = Money.min(remainder, p.amount);
      const refundId = this.refundId();
      this.push(
        story,
        c.refundDepositRemainder({
          ...this.b(tr, SIM_ACTORS.admission),
          admissionId,
          refundId,
          topUpOrderId: p.orderId,
          amount,
          method: 'id-card',
          verifiedBy: SIM_ACTORS.admission.id,
        }),
      );
      this.refundRecords(rng, p, refundId, amount, tr);
      remainder = remainder.sub(amount);
      tr += rng.int(20, 120);
      this.stats.refunds++;
    }
  }

  /** An outpatient payment of an earlier day refunded on the date. */
  private lateRefund(rng: Random): void {
    const day = -rng.int(1, 5);
    const d = this.newOutpatient(rng, day);
    const channel = rng.weighted(CHANNEL_SHARE.outpatient);
    const t = day * DAY + rng.int(8 * 3_600, 17 * 3_600);
    this.create(d, t);
    this.history('outpatient');
    const paid = this.payClean(rng, d, channel, t + rng.int(5, 60));
    this.hisSync(rng, paid, 'synced');
    this.refundOutpatient(rng, d, paid, this.daytime(rng));
  }

  /**
   * A payment on the platform at 23:59:5x that the channel books a few seconds later, after its 00:00 cut-off:
   * on the next day's statement. dayOffset 0 = tonight (on tomorrow's bill), −1 = last night (on today's bill).
   */
  private crossMidnightOrder(rng: Random, channel: StatementChannel, dayOffset: 0 | -1): void {
    const d = rng.chance(0.5) ? this.newRegistration(rng, dayOffset) : this.newOutpatient(rng, dayOffset);
    const end = (dayOffset + 1) * DAY;
    const tPay = end - rng.int(4, 10); // 23:59:50 … 23:59:56
    this.create(d, tPay - rng.int(20, 40));
    const paid = this.payClean(rng, d, channel, tPay - rng.int(5, 10), {
      paidAt: tPay,
      channelAt: end + rng.int(0, 6),
    });
    this.hisSync(rng, paid, 'synced', 1);
    if (dayOffset === -1) this.history(d.kind);
    // Paid on the date, booked by the channel on the next: pending until the next day's bill is imported.
    else {
      this.stats.edgeCases['cross-midnight']++;
      this.cases.push({
        case: 'cross-midnight',
        channel,
        businessDate: this.cfg.date,
        subject: d.orderId,
        amount: d.amount.toString(),
        withoutNextDay: 'pending',
        withNextDay: 'resolved',
        awaiting: 'next-statement',
      });
    }
    this.stats.crossMidnight++;
  }

  // ---- edge cases (EDGE_CASE_KINDS): what must end pending, resolved by rule, matched, or open ----

  private edgeCases(rng: Random): void {
    const date = this.cfg.date;
    const note = (c: Omit<AnswerKeyCase, 'businessDate'>) => {
      this.cases.push({ ...c, businessDate: date });
      this.stats.edgeCases[c.case as EdgeCaseKind]++;
    };
    // A refund the channel still processes (退款处理中): followed, pending in flight whatever is imported.
    // And one the channel failed (退款失败): no money moved, nothing is owed, nobody raises anything.
    for (const [kind, status] of [
      ['refund-in-flight', 'PROCESSING'],
      ['refund-failed', 'FAIL'],
    ] as const) {
      const d = this.newOutpatient(rng, 0);
      const t = this.daytime(rng);
      this.create(d, t);
      const { refundId, line } = this.paidAndRefunded(rng, d, 'wechat', t, [600, 3_600]);
      line.status = status;
      const pending = kind === 'refund-in-flight';
      note({
        case: kind,
        channel: 'wechat',
        subject: refundId,
        amount: d.amount.toString(),
        withoutNextDay: pending ? 'pending' : 'matched',
        withNextDay: pending ? 'pending' : 'matched',
        ...(pending ? { awaiting: 'in-flight' as const } : {}),
      });
    }
    // One payment printed as several lines (组合支付: balance and card), each with its own transaction id.
    {
      const channel = rng.pick(['wechat', 'alipay'] as const);
      const d = this.newOutpatient(rng, 0, 100 * rng.int(60, 400));
      const t = this.daytime(rng);
      this.create(d, t);
      const paid = this.payClean(rng, d, channel, t + 5);
      this.hisSync(rng, paid, 'synced');
      const whole = paid.record!;
      const first = Money.fromCents(BigInt(rng.int(1, Number(d.amount.toCents()) - 1)));
      const parts = [first, d.amount.sub(first)];
      this.channelRecords.splice(this.channelRecords.indexOf(whole), 1);
      parts.forEach((amount, i) => {
        const fee = expectedFee(channel, amount);
        this.channelRecords.push({
          ...whole,
          channelTxnId: `${whole.channelTxnId}${i + 1}`,
          amount: amount.toString(),
          fee: fee.toString(),
        });
      });
      note({
        case: 'split-lines',
        channel,
        subject: d.orderId,
        amount: d.amount.toString(),
        withoutNextDay: 'matched',
        withNextDay: 'matched',
      });
    }
    // The HIS books a charge by hand and reverses it under the same HIS number, with no platform movement
    // behind either: two HIS-only findings, neither replacing the other.
    {
      const channel = rng.pick(STATEMENT_CHANNELS);
      const d = this.newOutpatient(rng, 0);
      const t = this.daytime(rng);
      this.create(d, t);
      const hisNo = this.hisNo();
      const refundNo = this.refundId();
      for (const [kind, dt] of [
        ['payment', 300],
        ['refund', 1_800],
      ] as const) {
        this.hisRecords.push({
          hisNo,
          kind,
          merchantOrderNo: d.orderId,
          ...(kind === 'refund' ? { refundNo } : {}),
          payChannel: channel,
          tradeType: hisTradeType(d.kind),
          amount: d.amount.toString(),
          occurredAt: this.iso(t + dt),
          businessDate: date,
          patientId: d.patientId,
          operatorId: 'SF012',
        });
        const subject = kind === 'payment' ? `his:payment:${hisNo}` : `his:refund:${hisNo}:${refundNo}`;
        this.answerKey.push({
          type: 'HIS_ONLY',
          channel,
          businessDate: date,
          subject,
          amount: d.amount.toString(),
        });
      }
      note({
        case: 'his-shared-number',
        channel,
        subject: `his:payment:${hisNo}`,
        amount: d.amount.toString(),
        withoutNextDay: 'open',
        withNextDay: 'open',
      });
    }
  }

  // ---- building blocks ----

  private newRegistration(rng: Random, dayOffset: number, cents?: number): Draft {
    const booked = rng.chance(CHANCE.booked);
    const [dep, name] = rng.pick(DEPARTMENTS);
    const amount = Money.fromCents(cents ?? Number(rng.weighted(REGISTRATION_FEES)));
    const orderId = this.id('GH', 'order', dayOffset);
    const visitDate = addDays(this.cfg.date, dayOffset + (booked ? rng.int(1, 7) : 0));
    const business = c.registration({
      mode: booked ? 'booked' : 'same-day',
      department: dep,
      doctor: `DR-${String(rng.int(1, 240)).padStart(4, '0')}`,
      slot: `SLOT-${visitDate.replaceAll('-', '')}-${String(rng.int(1, 120)).padStart(3, '0')}`,
      visitDate,
    });
    const actor = booked ? SIM_ACTORS.app : rng.pick([SIM_ACTORS.kiosk, SIM_ACTORS.window]);
    return this.draft(orderId, 'registration', amount, `挂号费-${name}`, business, [], actor);
  }

  private newOutpatient(rng: Random, dayOffset: number, cents?: number): Draft {
    const n = cents === undefined ? Number(rng.weighted(CHARGE_ITEM_COUNTS)) : 1;
    const items: Draft['items'] = [];
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const item = rng.pick(CHARGE_ITEMS);
      if (used.has(item.code)) continue;
      used.add(item.code);
      const amount = Money.fromCents(cents ?? rng.int(item.min, item.max));
      items.push({ id: `${item.code}-${this.next('item')}`, name: item.name, amount });
    }
    const orderId = this.id('MZ', 'order', dayOffset);
    const business = c.outpatient(`V${this.ymd}${this.tag}${this.next('visit')}`, items);
    const actor = rng.pick([SIM_ACTORS.kiosk, SIM_ACTORS.app, SIM_ACTORS.window]);
    return this.draft(
      orderId,
      'outpatient',
      Money.sum(items.map((i) => i.amount)),
      '门诊缴费',
      business,
      items,
      actor,
    );
  }

  private draft(
    orderId: string,
    kind: Kind,
    amount: Money,
    productName: string,
    business: OrderBusinessInput,
    items: Draft['items'],
    actor: Actor,
  ): Draft {
    const story: Story = { key: `order:${orderId}`, commands: [] };
    this.stories.push(story);
    this.count(kind);
    return { orderId, patientId: this.patientId(), kind, amount, items, productName, business, story, actor };
  }

  private count(kind: Kind): void {
    this.stats.orders++;
    this.stats.byKind[kind]++;
  }

  /** Moves an order created on an earlier day from the date's count to the history count. */
  private history(kind: Kind): void {
    this.stats.orders--;
    this.stats.byKind[kind]--;
    this.stats.historyOrders++;
  }

  private create(d: Draft, t: number): void {
    this.push(
      d.story,
      c.createOrder({
        ...this.b(t, d.actor),
        orderId: d.orderId,
        patientId: d.patientId,
        amount: d.amount,
        business: d.business,
      }),
    );
  }

  private request(d: Draft, channel: SimChannel, t: number): string {
    const attemptId = `${d.orderId}-A${this.bump(`attempt:${d.orderId}`)}`;
    this.push(d.story, c.requestPayment({ ...this.b(t, d.actor), orderId: d.orderId, attemptId, channel }));
    return attemptId;
  }

  /** Pays with no failed attempt and no lost kiosk answer: the clean order an anomaly or a timing case needs. */
  private payClean(
    rng: Random,
    d: Draft,
    channel: SimChannel,
    t0: number,
    o: { noChannelRecord?: boolean; paidAt?: number; channelAt?: number } = {},
  ): Paid {
    const paid = this.pay(rng, d, channel, t0, { ...o, noFailures: true });
    if (!paid) throw new Error('a clean payment cannot fail');
    return paid;
  }

  /**
   * Pays an order through a channel: request, maybe a failed first attempt or a kiosk that lost track of the
   * attempt (confirmed later by a channel query), then the payment. Returns undefined when the patient gave up.
   */
  private pay(
    rng: Random,
    d: Draft,
    channel: SimChannel,
    t0: number,
    o: { noChannelRecord?: boolean; noFailures?: boolean; paidAt?: number; channelAt?: number } = {},
  ): Paid | undefined {
    let t = t0;
    let attemptId = this.request(d, channel, t);
    const special = o.noFailures || o.noChannelRecord || o.paidAt !== undefined;
    if (!special && rng.chance(CHANCE.paymentFailsFirst)) {
      t += rng.int(20, 120);
      this.push(
        d.story,
        c.recordPaymentFailure({
          ...this.b(t, channelActor(channel)),
          orderId: d.orderId,
          attemptId,
          channel,
          reason: rng.pick([
            'NOTENOUGH 余额不足',
            'USERPAYING 用户支付超时',
            'PAYERROR 支付错误',
            '交易被拒绝 51',
          ]),
        }),
      );
      this.stats.paymentFailures++;
      if (rng.chance(CHANCE.abandonedAfterFailure)) {
        this.cancelUnpaid(d, t + rng.int(60, 900), '支付失败，患者离开');
        return undefined;
      }
      t += rng.int(10, 90);
      attemptId = this.request(d, channel, t);
    }
    const txnId = this.txnId(channel);
    const payerRef = this.payerRef(rng, channel);
    const terminalId = `KS${String(rng.int(1, 48)).padStart(6, '0')}`;
    const kioskUnknown = !special && d.actor === SIM_ACTORS.kiosk && rng.chance(CHANCE.statusUnknown);
    let tPaid = o.paidAt ?? t + rng.int(8, 60);
    const channelT = o.channelAt ?? tPaid - rng.int(0, 2);
    if (kioskUnknown) {
      // The kiosk timed out waiting for the answer: the attempt is unknown until a channel query resolves it.
      this.push(
        d.story,
        c.markPaymentUnknown({ ...this.b(tPaid, SIM_ACTORS.kiosk), orderId: d.orderId, attemptId, channel }),
      );
      tPaid += rng.int(60, 1_200);
      if (!rng.chance(CHANCE.unknownResolvedPaid)) {
        this.push(
          d.story,
          c.recordPaymentFailure({
            ...this.b(tPaid, SIM_ACTORS.scheduler),
            orderId: d.orderId,
            attemptId,
            channel,
            reason: '查询结果：交易未支付 (NOTPAY)',
          }),
        );
        this.push(
          d.story,
          c.cancelOrder({
            ...this.b(tPaid + 5, SIM_ACTORS.scheduler),
            orderId: d.orderId,
            reason: '支付状态未知，查询未支付',
            refundId: null,
          }),
        );
        this.stats.paymentFailures++;
        this.stats.cancellations++;
        return undefined;
      }
      this.push(
        d.story,
        c.confirmPayment({
          ...this.b(tPaid, SIM_ACTORS.scheduler),
          orderId: d.orderId,
          attemptId,
          channelTxnId: txnId,
          amount: d.amount,
          payerRef,
        }),
      );
      this.stats.unknownConfirmed++;
    } else {
      this.push(
        d.story,
        c.recordPayment({
          ...this.b(tPaid, channel === 'cash' ? SIM_ACTORS.window : channelActor(channel)),
          orderId: d.orderId,
          attemptId,
          channel,
          channelTxnId: txnId,
          amount: d.amount,
          payerRef,
        }),
      );
    }
    this.stats.byChannel[channel]++;
    const record =
      channel === 'cash' || o.noChannelRecord
        ? undefined
        : this.record(channel, 'payment', d.amount, channelT, {
            channelTxnId: txnId,
            merchantOrderNo: d.orderId,
            productName: d.productName,
            terminalId,
            tradeType: channel === 'wechat' ? (d.actor === SIM_ACTORS.app ? 'JSAPI' : 'MICROPAY') : undefined,
          });
    return {
      orderId: d.orderId,
      patientId: d.patientId,
      kind: d.kind,
      channel,
      txnId,
      payerRef,
      amount: d.amount,
      t: tPaid,
      record,
      productName: d.productName,
      terminalId,
      story: d.story,
    };
  }

  private topUp(
    rng: Random,
    story: Story,
    admissionId: string,
    patientId: string,
    channel: SimChannel,
    t: number,
    dayOffset: number,
  ): Paid | undefined {
    const orderId = this.id('YJ', 'order', dayOffset);
    const amount = Money.fromCents(Number(rng.weighted(DEPOSIT_AMOUNTS)));
    const d: Draft = {
      orderId,
      patientId,
      kind: 'deposit',
      amount,
      items: [],
      productName: '住院预交金',
      business: c.deposit(admissionId),
      story,
      actor: channel === 'wechat' || channel === 'alipay' ? SIM_ACTORS.app : SIM_ACTORS.admission,
    };
    this.count('deposit');
    this.create(d, t);
    const paid = this.pay(rng, d, channel, t + rng.int(5, 60), { noFailures: dayOffset !== 0 });
    // The admission's deposit is credited by the platform's reaction to the payment, not by a command here.
    return paid;
  }

  /**
   * What the HIS answers when the platform writes the payment back (the writeback itself is the platform's
   * reaction): confirmed at once; or unavailable once or twice, then confirmed on a retry; or refused for good.
   */
  private hisSync(rng: Random, paid: Paid, how: 'synced' | 'retry' | 'never', maxDelay = 3): void {
    const t = paid.t + rng.int(1, maxDelay);
    if (how === 'never') {
      this.hisPlan[paid.orderId] = { failures: 0, outcome: 'rejected' };
      return;
    }
    if (how === 'retry') this.stats.hisRetries++;
    const hisNo = this.hisNo();
    this.hisPlan[paid.orderId] = {
      failures: how === 'retry' ? rng.int(1, 2) : 0,
      outcome: 'confirmed',
      receiptNo: hisNo,
    };
    this.hisRecords.push({
      hisNo,
      kind: 'payment',
      merchantOrderNo: paid.orderId,
      channelTxnId: paid.txnId,
      payChannel: paid.channel,
      tradeType: hisTradeType(paid.kind),
      amount: paid.amount.toString(),
      occurredAt: this.iso(t),
      businessDate: this.dateAt(t),
      patientId: paid.patientId,
      operatorId: paid.channel === 'cash' ? 'SF012' : 'ZZJ',
    });
  }

  private cancelPaidRegistration(rng: Random, d: Draft, paid: Paid, t: number): void {
    this.refund(rng, d, paid, paid.amount, t, (refundId) =>
      c.cancelOrder({
        ...this.b(t, d.actor),
        orderId: d.orderId,
        reason: rng.pick(['患者退号', '医生停诊']),
        refundId,
      }),
    );
    this.stats.cancellations++;
  }

  private refundOutpatient(rng: Random, d: Draft, paid: Paid, t: number): void {
    // Partial: the items not dispensed / not performed; full: the whole visit.
    let amount = paid.amount;
    if (d.items.length > 1 && rng.chance(CHANCE.partialRefund)) {
      const k = rng.int(1, d.items.length - 1);
      amount = Money.sum(
        rng
          .shuffle(d.items)
          .slice(0, k)
          .map((i) => i.amount),
      );
    }
    this.refund(rng, d, paid, amount, t, (refundId) =>
      c.requestRefund({
        ...this.b(t, SIM_ACTORS.window),
        orderId: d.orderId,
        refundId,
        amount,
        reason: amount.equals(paid.amount) ? '患者要求全额退费' : '部分项目未执行，退费',
      }),
    );
  }

  /** A new refund of a paid order: the command that asks for it (under its refund number), then carried through. */
  private refund(
    rng: Random,
    d: Draft,
    paid: Paid,
    amount: Money,
    t: number,
    command: (refundId: string) => SimCommand,
  ): void {
    const refundId = this.refundId();
    this.push(d.story, command(refundId));
    this.completeRefund(rng, d, paid, refundId, amount, t);
  }

  /** The patient cancels an order never paid (the slot is released). */
  private cancelUnpaid(d: Draft, at: number, reason: string): void {
    this.push(d.story, c.cancelOrder({ ...this.b(at, d.actor), orderId: d.orderId, reason, refundId: null }));
    this.stats.cancellations++;
  }

  /** A whole refund asked for at the window at `tr`, the patient's ID card checked half a minute later. */
  /**
   * A clean payment at `t`, written back to the HIS, then refunded in full: asked at the window `lag` seconds
   * later, refunded by the channel a few minutes after. Returns the refund number and the channel's line of it.
   */
  private paidAndRefunded(
    rng: Random,
    d: Draft,
    channel: SimChannel,
    t: number,
    lag: readonly [number, number],
  ): { refundId: string; line: ChannelRecord } {
    const paid = this.payClean(rng, d, channel, t + 5);
    this.hisSync(rng, paid, 'synced');
    const refundId = this.refundId();
    const tr = t + rng.int(lag[0], lag[1]);
    this.windowRefund(d, refundId, tr);
    const line = this.record(channel, 'refund', d.amount, tr + rng.int(60, 600), {
      channelTxnId: paid.txnId,
      channelRefundId: this.channelRefundId(channel),
      merchantOrderNo: d.orderId,
      refundNo: refundId,
      productName: d.productName,
    });
    return { refundId, line };
  }

  private windowRefund(d: Draft, refundId: string, tr: number): void {
    this.push(
      d.story,
      c.requestRefund({
        ...this.b(tr, SIM_ACTORS.window),
        orderId: d.orderId,
        refundId,
        amount: d.amount,
        reason: '患者要求退费',
      }),
    );
    this.push(
      d.story,
      c.verifyRefundIdentity({
        ...this.b(tr + 30, SIM_ACTORS.window),
        orderId: d.orderId,
        refundId,
        method: 'id-card',
        verifiedBy: SIM_ACTORS.window.id,
      }),
    );
  }

  /** Identity check at the window (or app login), the channel refunds, the platform records it, the HIS books it. */
  private completeRefund(
    rng: Random,
    d: Draft,
    paid: Paid,
    refundId: string,
    amount: Money,
    t: number,
  ): void {
    const method =
      d.actor === SIM_ACTORS.app ? 'app-login' : rng.pick(['id-card', 'insurance-card', 'face'] as const);
    this.push(
      d.story,
      c.verifyRefundIdentity({
        ...this.b(t + rng.int(10, 60), d.actor === SIM_ACTORS.app ? SIM_ACTORS.app : SIM_ACTORS.window),
        orderId: d.orderId,
        refundId,
        method,
        verifiedBy: d.actor === SIM_ACTORS.app ? SIM_ACTORS.app.id : SIM_ACTORS.window.id,
      }),
    );
    const tr = t + rng.int(70, 300);
    const channelRefundId = this.refundRecords(rng, paid, refundId, amount, tr);
    this.push(
      d.story,
      c.recordRefundSuccess({
        ...this.b(
          tr + rng.int(1, 5),
          paid.channel === 'cash' ? SIM_ACTORS.window : channelActor(paid.channel),
        ),
        orderId: d.orderId,
        refundId,
        channelRefundId,
      }),
    );
    this.stats.refunds++;
  }

  /** The channel's refund line (not for cash) and the HIS refund booking; returns the channel's refund id. */
  private refundRecords(rng: Random, paid: Paid, refundId: string, amount: Money, t: number): string {
    const channelRefundId =
      paid.channel === 'cash'
        ? `TK${this.ymd}${this.tag}${this.next('cash-refund')}`
        : this.channelRefundId(paid.channel);
    if (paid.channel !== 'cash') {
      const sameDay = this.dateAt(paid.t) === this.dateAt(t);
      this.record(paid.channel, 'refund', amount, t, {
        // UnionPay prints the refund under its own reference number (参考号); the others under the payment's.
        channelTxnId: paid.channel === 'unionpay' ? channelRefundId : paid.txnId,
        channelRefundId: paid.channel === 'unionpay' ? undefined : channelRefundId,
        merchantOrderNo: paid.orderId,
        refundNo: paid.channel === 'unionpay' ? undefined : refundId,
        productName: paid.productName,
        terminalId: paid.terminalId,
        tradeType: paid.channel === 'unionpay' ? (sameDay ? '消费撤销' : '退货') : undefined,
      });
    }
    this.hisRecords.push({
      hisNo: this.hisNo(),
      kind: 'refund',
      merchantOrderNo: paid.orderId,
      refundNo: refundId,
      channelTxnId: paid.txnId,
      payChannel: paid.channel,
      tradeType: hisTradeType(paid.kind),
      amount: amount.toString(),
      occurredAt: this.iso(t + rng.int(1, 3)),
      businessDate: this.dateAt(t + 3),
      patientId: paid.patientId,
      operatorId: paid.channel === 'cash' ? 'SF012' : 'ZZJ',
    });
    return channelRefundId;
  }

  /** Adds the channel's record of a movement (fee at the contract rate) and returns it. */
  private record(
    channel: SimChannel,
    kind: 'payment' | 'refund',
    amount: Money,
    t: number,
    f: Pick<ChannelRecord, 'channelTxnId' | 'merchantOrderNo' | 'productName'> &
      Partial<Pick<ChannelRecord, 'channelRefundId' | 'refundNo' | 'terminalId' | 'tradeType'>>,
  ): ChannelRecord {
    if (channel === 'cash') throw new Error('cash has no channel statement');
    const fee = expectedFee(channel, amount);
    const r: ChannelRecord = {
      channel,
      businessDate: this.dateAt(t),
      kind,
      amount: amount.toString(),
      fee: (kind === 'payment' ? fee : fee.negate()).toString(),
      feeRate: FEE_RATES[channel].printed,
      occurredAt: this.iso(t),
      merchantId: MERCHANT_IDS[channel],
      channelTxnId: f.channelTxnId,
      merchantOrderNo: f.merchantOrderNo,
      productName: f.productName,
    };
    if (f.channelRefundId) r.channelRefundId = f.channelRefundId;
    if (f.refundNo) r.refundNo = f.refundNo;
    if (channel === 'wechat') {
      r.tradeType = f.tradeType ?? 'JSAPI';
      if (f.terminalId && r.tradeType === 'MICROPAY') r.terminalId = f.terminalId;
      if (kind === 'refund') r.status = 'SUCCESS';
    }
    if (channel === 'unionpay') {
      r.tradeType = kind === 'payment' ? '消费' : (f.tradeType ?? '退货');
      r.terminalId = f.terminalId ?? 'KS000001';
      r.batchNo = `${this.ymd.slice(2)}`;
      r.voucherNo = String(this.bump('voucher')).padStart(6, '0');
      r.referenceNo = f.channelTxnId;
      r.status = '成功';
    }
    this.channelRecords.push(r);
    return r;
  }

  // ---- ids, times, helpers ----

  private push(story: Story, command: SimCommand): void {
    story.commands.push(command);
  }

  private b(
    t: number,
    actor: SimCommand['command']['actor'],
  ): { hospitalId: string; at: Date; actor: SimCommand['command']['actor'] } {
    return { hospitalId: this.cfg.hospitalId, at: new Date(this.instantMs(t)), actor };
  }

  /** UTC ms of `t` seconds after local midnight of the simulated date (negative/over a day = other days). */
  private instantMs(t: number): number {
    const [y, m, d] = this.cfg.date.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d) + (t - this.offsetSeconds) * 1_000;
  }

  private iso(t: number): string {
    return new Date(this.instantMs(t)).toISOString();
  }

  private dateAt(t: number): string {
    return addDays(this.cfg.date, Math.floor(t / DAY));
  }

  private daytime(rng: Random): number {
    return rng.int(8 * 3_600, 18 * 3_600);
  }

  private startTime(rng: Random, weights: readonly number[]): number {
    const hours = Object.fromEntries(weights.map((w, h) => [String(h), w])) as Record<string, number>;
    const h = Number(rng.weighted(hours));
    const t = h * 3_600 + rng.int(0, 3_599);
    return Math.min(LAST_NORMAL_START, Math.max(FIRST_NORMAL_START, t));
  }

  private bump(key: string): number {
    const n = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, n);
    return n;
  }

  private next(key: string): string {
    return String(this.bump(key)).padStart(6, '0');
  }

  /** `GH240501AB3000123`: prefix, the date it was created, the run tag, a sequence. */
  private id(prefix: string, key: string, dayOffset = 0): string {
    const ymd = addDays(this.cfg.date, dayOffset).replaceAll('-', '').slice(2);
    return `${prefix}${ymd}${this.tag}${this.next(key)}`;
  }

  private patientId(): string {
    return `P${this.tag}${String(this.bump('patient')).padStart(7, '0')}`;
  }

  private refundId(): string {
    return `TF${this.ymd.slice(2)}${this.tag}${this.next('refund')}`;
  }

  private hisNo(): string {
    return `HIS${this.ymd}${this.tag}${String(this.bump('his')).padStart(7, '0')}`;
  }

  private tagDigits(): string {
    return String(
      (this.tag.charCodeAt(0) * 31 + this.tag.charCodeAt(1) * 7 + this.tag.charCodeAt(2)) % 100,
    ).padStart(2, '0');
  }

  /** The channel's transaction id in its own shape. */
  private txnId(channel: SimChannel): string {
    return this.channelId('txn', channel);
  }

  private channelRefundId(channel: SimChannel): string {
    return this.channelId('refund', channel);
  }

  private channelId(kind: keyof typeof CHANNEL_IDS, channel: SimChannel): string {
    const n = this.bump(`${kind}:${channel}`);
    return CHANNEL_IDS[kind][channel]({ ymd: this.ymd, tag: this.tag, digits: this.tagDigits(), n });
  }

  private payerRef(rng: Random, channel: SimChannel): string {
    const hex = () => rng.int(0, 0xffff).toString(16).padStart(4, '0');
    switch (channel) {
      case 'wechat':
        return `oUpF****${hex()}`;
      case 'alipay':
        return `2088****${String(rng.int(0, 9999)).padStart(4, '0')}`;
      case 'unionpay':
        return `6222****${String(rng.int(0, 9999)).padStart(4, '0')}`;
      case 'cash':
        return 'cash';
    }
  }
}

function hisTradeType(kind: Kind): string {
  return kind === 'registration' ? '挂号' : kind === 'outpatient' ? '门诊缴费' : '住院预交金';
}

/** Offset of the zone from UTC, in seconds, at local noon of the date (whole minutes; Asia/Shanghai: +28,800). */
function zoneOffsetSeconds(date: string, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const noon = { year, month, day, hour: 12, minute: 0 };
  return (Date.UTC(year, month - 1, day, 12) - localToUtc(noon, timeZone)) / 1_000;
}
