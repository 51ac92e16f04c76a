// Which totals check a statement import used and what it found. A file that states its totals (a totals row,
// a summary block, JSON totals) is checked against its own rows while it is parsed, and refused when they
// disagree. A file that states none is checked by count and net amount against the platform's own movements
// of that day (and channel) instead: the verdict is recorded with the import, and a mapping may ask for the
// file to be refused when it disagrees. Pure: the platform's figures come in.
import { Decimal } from 'decimal.js';
import type { StatementSummary, TotalsCheck } from '../reconciliation/statement-line.ts';

export interface CountAndSum {
  /** Payments and refunds. */
  count: number;
  /** Σ payments − Σ refunds, two decimals. */
  net: string;
}

export type TotalsVerdict =
  | { method: 'file'; outcome: 'agrees'; checks: TotalsCheck[] }
  | {
      method: 'platform';
      outcome: 'agrees' | 'disagrees';
      businessDate: string;
      /** The platform channel compared with; null: every channel (a HIS extract spans them). */
      channel: string | null;
      file: CountAndSum;
      platform: CountAndSum;
    }
  | { method: 'platform'; outcome: 'unavailable'; reason: string };

/** The file's own count and net, from its verified summary (payments and refunds only). */
export function fileCountAndSum(summary: StatementSummary): CountAndSum {
  return {
    count: summary.counts.payment + summary.counts.refund,
    net: new Decimal(summary.amounts.payment).minus(summary.amounts.refund).toFixed(2),
  };
}

/** True when the file stated totals that were all checked against its rows. */
export function statesTotals(summary: StatementSummary): boolean {
  return summary.totalsStated > 0;
}

export function platformVerdict(
  businessDate: string,
  channel: string | null,
  file: CountAndSum,
  platform: CountAndSum,
): TotalsVerdict {
  const agrees = file.count === platform.count && new Decimal(file.net).equals(platform.net);
  return {
    method: 'platform',
    outcome: agrees ? 'agrees' : 'disagrees',
    businessDate,
    channel,
    file,
    platform: { count: platform.count, net: new Decimal(platform.net).toFixed(2) },
  };
}

/** One line for people: which check, and what it found. */
export function describeVerdict(v: TotalsVerdict): string {
  if (v.method === 'file')
    return `totals row: ${v.checks.length} total(s) agree (${v.checks.map((c) => c.name).join(', ')})`;
  if (v.outcome === 'unavailable') return `no totals row; platform check unavailable: ${v.reason}`;
  const what = `${v.file.count} lines netting ${v.file.net}; platform ${v.platform.count} movements netting ${v.platform.net}`;
  return `no totals row; checked against the platform (${v.businessDate}, ${v.channel ?? 'all channels'}): ${v.outcome} — ${what}`;
}
