// Proposed matches: for the one-sided items the rules could not settle, candidates a person confirms or rejects,
// each with a confidence score and the reasons behind it. Pure and deterministic: the same open items give the
// same proposals in the same order. A proposal is never applied by itself: accepting it is a manual match by the
// person who accepts (manual-match.ts), with the same approval rules.
//
// Evidence weighed (weights below): the amount (equal, within a tolerance, or net of the channel's agreed fee
// rate), the distance in time, how alike the references are (a kiosk that mangled an order number), the same
// patient, and — for a lump sum — a set of items on the other side adding up to it (bounded subset search).
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DifferenceName, MatchSide } from './match-events.ts';
import { MATCH_SIDES } from './manual-match.ts';
import type { DiscrepancyItem } from './types.ts';

/** Most open items one proposal search looks at (the nearest dates first: the caller bounds its query). */
export const MAX_PROPOSAL_POOL = 400;
/** Most items on the other side a lump-sum search combines, and most candidates it draws them from. */
export const MAX_SUBSET_SIZE = 6;
export const MAX_SUBSET_CANDIDATES = 20;
/** Most search steps per lump sum: the search is bounded whatever the data. */
export const MAX_SUBSET_STEPS = 50_000;
/** Most proposals answered per item. */
export const MAX_PROPOSALS_PER_ITEM = 5;
/** Hex digits of a proposal id. */
const PROPOSAL_ID_HEX = 24;

export interface ProposalConfig {
  /** Proposals scoring below this are not shown. */
  minScore: number;
  /** Amounts this far apart still count as "within tolerance" (yuan, two decimals). */
  amountTolerance: string;
  /** Agreed fee rate per channel ("0.006"): a money item that is records × (1 − rate) is a net settlement. */
  feeRates: Readonly<Record<string, string>>;
  /** Days apart beyond which two items are not paired. */
  maxDaysApart: number;
}

export const DEFAULT_PROPOSAL_CONFIG: ProposalConfig = {
  minScore: 0.5,
  amountTolerance: '1.00',
  feeRates: { wechat: '0.006', alipay: '0.006' },
  maxDaysApart: 3,
};

/** An open item as the scorer reads it. */
export interface ProposalItem extends DiscrepancyItem {
  /** ISO instant of the movement, when known. */
  occurredAt?: string;
  /** A patient reference (masked or hashed: only compared), when known. */
  patient?: string;
}

export type ReasonCode =
  | 'amount-equal'
  | 'amount-within-tolerance'
  | 'net-of-fee'
  | 'sum-equal'
  | 'same-day'
  | 'days-apart'
  | 'time-close'
  | 'reference-similar'
  | 'same-patient';

export interface ProposalReason {
  code: ReasonCode;
  /** What it adds to the score. */
  weight: number;
  text: string;
}

export interface Proposal {
  proposalId: string;
  /** 0..1, two decimals. */
  score: number;
  reasons: ProposalReason[];
  items: (ProposalItem & { side: MatchSide })[];
  /** money − records of the items, and how to name it when accepted (null: they conserve). */
  difference: { amount: string; as: DifferenceName } | null;
}

const W = {
  amountEqual: 0.5,
  amountTolerance: 0.25,
  netOfFee: 0.45,
  sumEqual: 0.45,
  sameDay: 0.15,
  daysApart: 0.05,
  timeClose: 0.1,
  reference: 0.3,
  patient: 0.15,
} as const;

export function proposalIdOf(itemIds: readonly string[]): string {
  return `p${createHash('sha256')
    .update([...itemIds].sort().join(','))
    .digest('hex')
    .slice(0, PROPOSAL_ID_HEX)}`;
}

/** Levenshtein similarity of two references (1 = equal), case and separators ignored; bounded length. */
export function referenceSimilarity(a: string, b: string): number {
  const norm = (s: string) =>
    s
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 64);
  const x = norm(a);
  const y = norm(b);
  if (x.length === 0 || y.length === 0) return 0;
  if (x === y) return 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return 1 - prev[y.length]! / Math.max(x.length, y.length);
}

const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
const daysApart = (a: string, b: string) => Math.abs(dayNumber(a) - dayNumber(b));
const round2 = (n: number) => Math.round(Math.min(1, n) * 100) / 100;

/** The reference behind a subject (`line:…`, `txn:…` prefixes carry no order number to compare). */
const referenceOf = (subject: string): string | null =>
  /^(line|txn|match|settlement|fee|dup):/.test(subject) ? null : subject.replace(/^his:[a-z]+:/, '');

/** Time and identity evidence shared by both kinds of proposal. */
function closeness(a: ProposalItem, b: ProposalItem): ProposalReason[] {
  const out: ProposalReason[] = [];
  const days = daysApart(a.businessDate, b.businessDate);
  if (days === 0)
    out.push({ code: 'same-day', weight: W.sameDay, text: `same business date ${a.businessDate}` });
  else out.push({ code: 'days-apart', weight: W.daysApart, text: `${days} day(s) apart` });
  if (a.occurredAt && b.occurredAt) {
    const minutes = Math.abs(Date.parse(a.occurredAt) - Date.parse(b.occurredAt)) / 60_000;
    if (minutes <= 30)
      out.push({ code: 'time-close', weight: W.timeClose, text: `${Math.round(minutes)} min apart` });
  }
  if (a.patient && b.patient && a.patient === b.patient)
    out.push({ code: 'same-patient', weight: W.patient, text: 'same patient' });
  return out;
}

function netOfFee(money: Decimal, records: Decimal, rate: string | undefined): boolean {
  if (!rate) return false;
  const fee = records.times(rate).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  // Per-line rounding of the fee may differ from the total's by a few cents.
  return records.minus(fee).minus(money).abs().lte('0.05') && !fee.isZero();
}

function proposalOf(items: (ProposalItem & { side: MatchSide })[], reasons: ProposalReason[]): Proposal {
  const money = items.filter((i) => i.side === 'money').reduce((s, i) => s.plus(i.amount), new Decimal(0));
  const records = items
    .filter((i) => i.side === 'records')
    .reduce((s, i) => s.plus(i.amount), new Decimal(0));
  const diff = money.minus(records);
  const score = round2(reasons.reduce((s, r) => s + r.weight, 0));
  return {
    proposalId: proposalIdOf(items.map((i) => i.discrepancyId)),
    score,
    reasons,
    items: [...items].sort((a, b) => (a.discrepancyId < b.discrepancyId ? -1 : 1)),
    difference: diff.isZero()
      ? null
      : {
          amount: diff.toFixed(2),
          as: diff.isPositive()
            ? 'surplus'
            : reasons.some((r) => r.code === 'net-of-fee')
              ? 'fee'
              : 'shortfall',
        },
  };
}

/** One money item against one records item. */
function pairProposal(
  m: ProposalItem & { side: MatchSide },
  r: ProposalItem & { side: MatchSide },
  config: ProposalConfig,
): Proposal | null {
  if (daysApart(m.businessDate, r.businessDate) > config.maxDaysApart) return null;
  const a = new Decimal(m.amount);
  const b = new Decimal(r.amount);
  const reasons: ProposalReason[] = [];
  if (a.equals(b))
    reasons.push({ code: 'amount-equal', weight: W.amountEqual, text: `amounts equal (${a.toFixed(2)})` });
  else if (netOfFee(a, b, config.feeRates[r.channel]))
    reasons.push({
      code: 'net-of-fee',
      weight: W.netOfFee,
      text: `${a.toFixed(2)} is ${b.toFixed(2)} net of the ${r.channel} fee rate ${config.feeRates[r.channel]}`,
    });
  else if (a.minus(b).abs().lte(config.amountTolerance))
    reasons.push({
      code: 'amount-within-tolerance',
      weight: W.amountTolerance,
      text: `amounts ${a.toFixed(2)} and ${b.toFixed(2)} within ${config.amountTolerance}`,
    });
  else return null;
  const [x, y] = [referenceOf(m.subject), referenceOf(r.subject)];
  if (x && y) {
    const sim = referenceSimilarity(x, y);
    if (sim >= 0.7)
      reasons.push({
        code: 'reference-similar',
        weight: Math.round(W.reference * sim * 100) / 100,
        text: `references ${x} and ${y} ${Math.round(sim * 100)}% alike`,
      });
  }
  reasons.push(...closeness(m, r));
  return proposalOf([m, r], reasons);
}

/**
 * Items of `pool` whose amounts add up to `target` (or to target grossed up by a fee rate), at most
 * MAX_SUBSET_SIZE of them, searched in at most MAX_SUBSET_STEPS steps: the first set found, smallest first.
 */
export function subsetSumming(
  pool: readonly { amount: string }[],
  accepts: (sum: Decimal) => boolean,
  upper: Decimal,
): number[] | null {
  const amounts = pool.map((p) => new Decimal(p.amount));
  const order = amounts.map((_, i) => i).sort((i, j) => amounts[j]!.comparedTo(amounts[i]!));
  let steps = 0;
  for (let size = 2; size <= Math.min(MAX_SUBSET_SIZE, order.length); size++) {
    const chosen: number[] = [];
    const walk = (from: number, sum: Decimal): boolean => {
      if (++steps > MAX_SUBSET_STEPS) return false;
      if (chosen.length === size) return accepts(sum);
      for (let k = from; k < order.length; k++) {
        const next = sum.plus(amounts[order[k]!]!);
        if (next.gt(upper)) continue;
        chosen.push(order[k]!);
        if (walk(k + 1, next)) return true;
        chosen.pop();
      }
      return false;
    };
    if (walk(0, new Decimal(0))) return [...chosen].sort((a, b) => a - b);
    if (steps > MAX_SUBSET_STEPS) return null;
  }
  return null;
}

/** One item against several on the other side adding up to it (a lump sum, merged refunds). */
function lumpProposal(
  target: ProposalItem & { side: MatchSide },
  others: (ProposalItem & { side: MatchSide })[],
  config: ProposalConfig,
): Proposal | null {
  const near = others
    .filter((o) => daysApart(o.businessDate, target.businessDate) <= config.maxDaysApart)
    .filter((o) =>
      new Decimal(o.amount).lt(
        target.side === 'money' ? new Decimal(target.amount).times(1.1) : target.amount,
      ),
    )
    .sort(
      (a, b) =>
        daysApart(a.businessDate, target.businessDate) - daysApart(b.businessDate, target.businessDate),
    )
    .slice(0, MAX_SUBSET_CANDIDATES);
  if (near.length < 2) return null;
  const t = new Decimal(target.amount);
  const rate = target.side === 'money' ? config.feeRates[near[0]!.channel] : undefined;
  const found: { how: ReasonCode } = { how: 'sum-equal' };
  const accepts = (sum: Decimal) => {
    if (sum.equals(t)) {
      found.how = 'sum-equal';
      return true;
    }
    if (target.side === 'money' && netOfFee(t, sum, rate)) {
      found.how = 'net-of-fee';
      return true;
    }
    return false;
  };
  const upper = target.side === 'money' && rate ? t.dividedBy(new Decimal(1).minus(rate)).plus('0.10') : t;
  const picked = subsetSumming(near, accepts, upper);
  if (!picked) return null;
  const group = picked.map((i) => near[i]!);
  const sum = group.reduce((s, g) => s.plus(g.amount), new Decimal(0));
  const reasons: ProposalReason[] = [
    found.how === 'sum-equal'
      ? {
          code: 'sum-equal',
          weight: W.sumEqual,
          text: `${group.length} items add up to ${t.toFixed(2)}`,
        }
      : {
          code: 'net-of-fee',
          weight: W.netOfFee,
          text: `${t.toFixed(2)} is ${group.length} items of ${sum.toFixed(2)} net of the fee rate ${rate}`,
        },
  ];
  // Closeness counts when every item of the group is close to the target.
  const shared = group
    .map((g) => closeness(target, g))
    .reduce((acc, rs) => acc.filter((r) => rs.some((x) => x.code === r.code)));
  reasons.push(...shared.filter((r) => r.code !== 'time-close'));
  return proposalOf([target, ...group], reasons);
}

/**
 * The proposals over a pool of open items, best first: every money item against every records item, and every
 * item against sets on the other side adding up to it. `rejected` (proposal ids) never come back.
 */
export function proposeMatches(
  pool: readonly ProposalItem[],
  rejected: ReadonlySet<string>,
  config: ProposalConfig = DEFAULT_PROPOSAL_CONFIG,
): Proposal[] {
  const items = pool
    .slice(0, MAX_PROPOSAL_POOL)
    .flatMap((i) => {
      const side = MATCH_SIDES[i.type];
      return side ? [{ ...i, side }] : [];
    })
    .sort((a, b) => (a.discrepancyId < b.discrepancyId ? -1 : 1));
  const money = items.filter((i) => i.side === 'money');
  const records = items.filter((i) => i.side === 'records');
  const out = new Map<string, Proposal>();
  const keep = (p: Proposal | null) => {
    if (!p || p.score < config.minScore || rejected.has(p.proposalId)) return;
    const was = out.get(p.proposalId);
    if (!was || was.score < p.score) out.set(p.proposalId, p);
  };
  for (const m of money) for (const r of records) keep(pairProposal(m, r, config));
  for (const m of money) keep(lumpProposal(m, records, config));
  for (const r of records) keep(lumpProposal(r, money, config));
  return [...out.values()].sort((a, b) => b.score - a.score || (a.proposalId < b.proposalId ? -1 : 1));
}

/** The proposals that include an item, best first, at most MAX_PROPOSALS_PER_ITEM. */
export function proposalsFor(discrepancyId: string, proposals: readonly Proposal[]): Proposal[] {
  return proposals
    .filter((p) => p.items.some((i) => i.discrepancyId === discrepancyId))
    .slice(0, MAX_PROPOSALS_PER_ITEM);
}
