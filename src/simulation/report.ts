// Text a person reads: the reconciliation summary per channel (Chinese and English labels) and the comparison
// of what reconciliation found with what the simulator injected. Plain text, aligned for a terminal.
import { Decimal } from 'decimal.js';
import {
  type AnswerKeyComparison,
  type AnswerKeyEntry,
  DISCREPANCY_LABELS,
  DISCREPANCY_TYPES,
  type DiscrepancyType,
  type Finding,
  type PendingReason,
} from '../domain/reconciliation/types.ts';
import type { ReconciliationReport } from '../app/reconciliation/index.ts';
import type { CaseMismatch } from './cases.ts';

/** Terminal columns a string takes: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6);
    w += wide ? 2 : 1;
  }
  return w;
}

function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'left' ? s + fill : fill + s;
}

/** Renders rows as an aligned table; the first row is the header. */
export function table(rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[]): string {
  const widths: number[] = [];
  for (const r of rows)
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, displayWidth(c));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => pad(c, widths[i]!, align[i] ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('──');
  const [head, ...body] = rows;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

/** `1,234,567.89` for display only (the data keeps plain decimal strings). */
export function formatAmount(amount: string): string {
  const [int = '0', frac = '00'] = new Decimal(amount).toFixed(2).split('.');
  const neg = int.startsWith('-');
  const digits = neg ? int.slice(1) : int;
  return `${neg ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

const cell = (x: { count: number; amount: string }) =>
  x.count === 0 ? '–' : `${x.count} / ${formatAmount(x.amount)}`;

/** The day's summary: one column per channel, one row per category. */
export function summaryTable(reports: readonly ReconciliationReport[]): string {
  const head = ['类别 Category', ...reports.map((r) => r.channel)];
  const rows: string[][] = [head];
  rows.push(['已匹配 Matched', ...reports.map((r) => cell(r.matched))]);
  rows.push(['跨日时间差 Timing (cross-day)', ...reports.map((r) => cell(r.timing))]);
  rows.push(['未达账项 Pending (not discrepancies)', ...reports.map((r) => cell(r.pending))]);
  for (const t of DISCREPANCY_TYPES)
    rows.push([
      `${DISCREPANCY_LABELS[t].zh} ${DISCREPANCY_LABELS[t].en}`,
      ...reports.map((r) => cell(r.byType[t])),
    ]);
  rows.push([
    '差错合计 Discrepancies',
    ...reports.map((r) =>
      cell({
        count: r.findings.length,
        amount: r.findings.reduce((s, f) => s.plus(f.amount), new Decimal(0)).toFixed(2),
      }),
    ),
  ]);
  rows.push([
    '对账状态 Day state',
    ...reports.map((r) => (r.state === 'balanced' ? '平 balanced' : '不平 open')),
  ]);
  return `${table(rows, ['left', ...reports.map(() => 'right' as const)])}\n(count / amount CNY)`;
}

function totals<T extends { type: DiscrepancyType; amount: string }>(
  xs: readonly T[],
): Map<DiscrepancyType, { count: number; amount: Decimal }> {
  const m = new Map<DiscrepancyType, { count: number; amount: Decimal }>();
  for (const x of xs) {
    const t = m.get(x.type) ?? { count: 0, amount: new Decimal(0) };
    m.set(x.type, { count: t.count + 1, amount: t.amount.plus(x.amount) });
  }
  return m;
}

/** Injected vs found per type, precision and recall, and every difference by name. */
export function comparisonReport(
  findings: readonly Finding[],
  key: readonly AnswerKeyEntry[],
  cmp: AnswerKeyComparison,
): string {
  const injected = totals(key);
  const found = totals(findings);
  const rows: string[][] = [['类别 Category', 'injected', 'found', '']];
  for (const t of DISCREPANCY_TYPES) {
    const i = injected.get(t) ?? { count: 0, amount: new Decimal(0) };
    const f = found.get(t) ?? { count: 0, amount: new Decimal(0) };
    const ok = i.count === f.count && i.amount.equals(f.amount);
    rows.push([
      `${DISCREPANCY_LABELS[t].zh} ${DISCREPANCY_LABELS[t].en}`,
      `${i.count} / ${formatAmount(i.amount.toFixed(2))}`,
      `${f.count} / ${formatAmount(f.amount.toFixed(2))}`,
      ok ? 'ok' : 'DIFFERS',
    ]);
  }
  const lines = [table(rows, ['left', 'right', 'right', 'left'])];
  const pct = (x: number) => `${(x * 100).toFixed(x === 1 ? 0 : 2)}%`;
  lines.push(
    `precision ${pct(cmp.precision)}  recall ${pct(cmp.recall)}  (${key.length} injected, ${findings.length} found)`,
  );
  for (const m of cmp.missing) lines.push(`  missing:    ${m.type} ${m.channel} ${m.subject} ${m.amount}`);
  for (const u of cmp.unexpected)
    lines.push(`  unexpected: ${u.type} ${u.channel} ${u.subject} ${u.amount} — ${u.reason}`);
  for (const w of cmp.wrongAmount)
    lines.push(
      `  amount:     ${w.expected.type} ${w.expected.channel} ${w.expected.subject} injected ${w.expected.amount}, found ${w.found.amount}`,
    );
  return lines.join('\n');
}

/** True when reconciliation found exactly the answer key: same types, subjects and amounts, nothing else. */
export function matchesAnswerKey(cmp: AnswerKeyComparison): boolean {
  return (
    cmp.precision === 1 &&
    cmp.recall === 1 &&
    cmp.missing.length === 0 &&
    cmp.unexpected.length === 0 &&
    cmp.wrongAmount.length === 0
  );
}

/** The pending items (未达账项) of a run, one line each: what each waits for and until when. */
export function pendingReport(reports: readonly ReconciliationReport[]): string {
  const lines = reports.flatMap((r) =>
    r.pendingItems.map(
      (p) =>
        `  ${r.channel.padEnd(9)} ${p.finding.subject.padEnd(28)} ${formatAmount(p.finding.amount).padStart(12)}  ${PENDING_LABELS[p.awaiting]} (deadline ${p.deadline}, then ${p.finding.type})`,
    ),
  );
  return lines.length > 0 ? lines.join('\n') : '  (none)';
}

const PENDING_LABELS: Readonly<Record<PendingReason, string>> = {
  'next-statement': '等待次日账单 awaiting the next day’s statement',
  'previous-statement': '等待前日账单 awaiting the previous day’s statement',
  'platform-next-day': '等待平台次日记录 awaiting the platform’s next-day record',
  'in-flight': '渠道处理中 in flight at the channel',
};

/** Edge cases that did not end as the answer key says, one line each (empty when all did). */
export function casesReport(mismatches: readonly CaseMismatch[]): string {
  return mismatches
    .map((m) => `  ${m.case.case} ${m.case.channel} ${m.case.subject}: ${m.found}, expected ${m.expected}`)
    .join('\n');
}
