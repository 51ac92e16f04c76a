// Items only a person (or a proposal) can settle, as the open one-sided findings reconciliation leaves for them,
// with the match that settles each — the answer key for manual matching. Deterministic from its inputs:
//   - mangled-reference: the kiosk mangled one character of the order number the channel printed;
//   - lump-sum-net-of-fees: the bank credits one lump sum for several payments, net of the channel's fee rate;
//   - merged-refunds: the channel merged two refunds of an order into one line under a reference of its own.
import { Decimal } from 'decimal.js';
import type { DifferenceName } from '../domain/reconciliation/match-events.ts';
import type { Finding } from '../domain/reconciliation/types.ts';

export const MANUAL_CASES = ['mangled-reference', 'lump-sum-net-of-fees', 'merged-refunds'] as const;
export type ManualCase = (typeof MANUAL_CASES)[number];

export interface ManualCaseKey {
  case: ManualCase;
  /** Subjects of the findings a match must pair (all of them, no others). */
  subjects: string[];
  /** How the difference must be named, when the sides do not conserve. */
  differenceAs: DifferenceName | null;
  difference: string;
}

function finding(
  o: { hospitalId: string; channel: string; businessDate: string },
  type: 'CHANNEL_ONLY' | 'PLATFORM_ONLY',
  subject: string,
  amount: string,
  ref: string,
): Finding {
  return {
    ...o,
    type,
    subject,
    amount,
    amounts: type === 'CHANNEL_ONLY' ? { channel: amount } : { platform: amount },
    reason:
      type === 'CHANNEL_ONLY'
        ? 'on the statement, not on the platform'
        : 'on the platform, not on the statement',
    sources: [{ party: type === 'CHANNEL_ONLY' ? 'channel' : 'platform', ref }],
  };
}

/** Swaps one character of a reference for a look-alike (8↔B, 0↔O, 1↔I, 5↔S), as a kiosk's OCR or keypad does. */
export function mangle(ref: string, at: number): string {
  const swap: Record<string, string> = {
    '8': 'B',
    B: '8',
    '0': 'O',
    O: '0',
    '1': 'I',
    I: '1',
    '5': 'S',
    S: '5',
  };
  for (let k = 0; k < ref.length; k++) {
    const i = (at + k) % ref.length;
    const c = ref[i]!;
    if (swap[c]) return ref.slice(0, i) + swap[c] + ref.slice(i + 1);
  }
  return `${ref}X`;
}

/**
 * The findings of the three cases for one hospital, channel and date (`n` numbers the batch so several can
 * coexist), and their answer key. `feeRate` is the channel's agreed rate ("0.006").
 */
export function manualCases(o: {
  hospitalId: string;
  channel: string;
  businessDate: string;
  n: number;
  feeRate: string;
}): { findings: Finding[]; key: ManualCaseKey[] } {
  const d = o.businessDate.replaceAll('-', '').slice(2);
  const scope = { hospitalId: o.hospitalId, channel: o.channel, businessDate: o.businessDate };
  const order = `MZ${d}QK${String(8_100 + o.n).padStart(7, '0')}`;
  const mangled = mangle(order, 5 + o.n);
  const amount1 = new Decimal(37 + o.n).plus('0.50').toFixed(2);
  const lumps = [200, 150, 120, 90].map((x, i) => new Decimal(x + o.n + i).toFixed(2));
  const gross = lumps.reduce((s, x) => s.plus(x), new Decimal(0));
  const fee = gross.times(o.feeRate).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const net = gross.minus(fee).toFixed(2);
  const refunds = [new Decimal(30 + o.n).toFixed(2), new Decimal(50 + o.n).toFixed(2)];
  const merged = new Decimal(refunds[0]!).plus(refunds[1]!).toFixed(2);
  const lumpOrders = lumps.map((_, i) => `MZ${d}LS${String(o.n * 10 + i).padStart(7, '0')}`);
  const refundNos = [`RF${d}${o.n}A`, `RF${d}${o.n}B`];
  const findings: Finding[] = [
    finding(scope, 'CHANNEL_ONLY', mangled, amount1, `line:${o.n}:1`),
    finding(scope, 'PLATFORM_ONLY', order, amount1, `pay:${order}`),
    finding(scope, 'CHANNEL_ONLY', `line:bank${o.n}:1`, net, `bank:${o.n}`),
    ...lumps.map((a, i) => finding(scope, 'PLATFORM_ONLY', lumpOrders[i]!, a, `pay:${lumpOrders[i]}`)),
    finding(scope, 'CHANNEL_ONLY', `txn:CRM${d}${o.n}`, merged, `line:${o.n}:9`),
    ...refunds.map((a, i) => finding(scope, 'PLATFORM_ONLY', refundNos[i]!, a, `refund:${refundNos[i]}`)),
  ];
  return {
    findings,
    key: [
      { case: 'mangled-reference', subjects: [mangled, order], differenceAs: null, difference: '0.00' },
      {
        case: 'lump-sum-net-of-fees',
        subjects: [`line:bank${o.n}:1`, ...lumpOrders],
        differenceAs: 'fee',
        difference: fee.negated().toFixed(2),
      },
      {
        case: 'merged-refunds',
        subjects: [`txn:CRM${d}${o.n}`, ...refundNos],
        differenceAs: null,
        difference: '0.00',
      },
    ],
  };
}
