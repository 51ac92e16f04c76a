// Reconcile one hospital, channel and business date: load the day, catch the read models up, feed the matcher
// (platform movements of the window, then the statements' lines, core before edge), raise a discrepancy per
// finding, auto-resolve what the last run had open and this one no longer finds, record the run. Orchestration
// only: the window, roles, matching, auto-resolution and run id are domain rules.
import { handle } from '../../domain/command-handler.ts';
import type { Actor } from '../../domain/decider.ts';
import type { JsonObject } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import { autoResolutionOf, noLongerFound } from '../../domain/reconciliation/auto-resolution.ts';
import { keepApart } from '../../domain/reconciliation/kept-apart.ts';
import { assertDayOpen, dayDecider } from '../../domain/reconciliation/day.ts';
import {
  discrepancyDecider,
  discrepancyIdOf,
  isOpenStatus,
} from '../../domain/reconciliation/discrepancy.ts';
import {
  type MatchingConfig,
  Matcher,
  type Role,
  type RunContext,
} from '../../domain/reconciliation/matching.ts';
import {
  type HeldStatement,
  type LineRows,
  type MatchLine,
  matchLineRows,
} from '../../domain/reconciliation/line-rows.ts';
import { type AccountStatementLines, checkPayout } from '../../domain/reconciliation/payout.ts';
import {
  type DayState3,
  daySummaryOf,
  matchingConfigOf,
  pendingOf,
  pendingTotal,
  runIdOf,
  runStateOf,
  withFindings,
} from '../../domain/reconciliation/run.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import type { CarriedIn, DiscrepancyType, Finding, PendingItem } from '../../domain/reconciliation/types.ts';
import {
  type DayWindow,
  dayWindow,
  isAccountStatement,
  isCoreStatement,
  neighbourStatements,
  roleOf,
} from '../../domain/reconciliation/window.ts';
import {
  paidOrders,
  type StatementRow,
  statementsOfWindow,
} from '../../projections/reconciliation/queries.ts';
import { catchUp, reconciliationReadModels } from './catch-up.ts';
import { loadDay } from './days.ts';
import { loadMatchBook } from './match-book.ts';
import { discrepancyState } from './discrepancies.ts';
import { indexPlatform, statementLines, statementRows } from './inputs.ts';
import { decoderOf, type ReconciliationPorts, SYSTEM_ACTOR } from './ports.ts';

export type ReconcileProgress =
  | { phase: 'catching-up'; events: number }
  | { phase: 'indexing-platform'; movements: number }
  | { phase: 'matching'; statement: string; lines: number; total: number }
  | { phase: 'classifying' }
  | { phase: 'raising'; done: number; total: number }
  | { phase: 'done' };

/** Findings raised between two progress reports. */
const RAISE_PROGRESS_EVERY = 100;

export interface ReconcileOptions {
  hospitalId: string;
  channel: string;
  businessDate: string;
  config?: Partial<MatchingConfig>;
  /** Who runs it (default system:reconciliation). */
  actor?: Actor;
  /** Business time of the run (default now). */
  at?: Date;
  onProgress?: (p: ReconcileProgress) => void;
  /**
   * Statements this job has just imported (importStatement with `hold`): their lines are matched from what the
   * import holds instead of read back from the store. Only for the same job: a statement not listed here (or
   * another file) is read from its events.
   */
  held?: readonly HeldStatement[];
}

export type { DayState3 };

export interface ReconciliationReport {
  hospitalId: string;
  channel: string;
  businessDate: string;
  runId: string;
  matched: { count: number; amount: string };
  timing: { count: number; amount: string };
  byType: Record<DiscrepancyType, { count: number; amount: string }>;
  /** Sorted by finding key; identical on every re-run over the same inputs. */
  findings: Finding[];
  parties: Record<string, { count: number; amount: string }>;
  /** Held pending (未达账项): counted apart, not discrepancies; carried forward to the next day. */
  pending: { count: number; amount: string };
  pendingItems: PendingItem[];
  /** Lines that failed at the channel (no money moved) that no platform movement claims. */
  failed: { count: number; amount: string };
  /** What became of the previous day's pending items (null when it carried none). */
  carriedIn: CarriedIn | null;
  /** Subjects matched across the cut-off (timing differences), sorted. */
  timingSubjects: string[];
  /** SHA-256 of the statements used. */
  statements: string[];
  discrepancies: { raised: number; autoResolved: number; open: string[] };
  state: DayState3;
}

/**
 * Feeds the statements' lines: core lines first, then edge lines (an edge line only clears a core movement no
 * core line matched). Each statement is read once: the edge lines of a core-date file (within the cut-off
 * window, so few) are kept for the edge pass.
 */
async function feedStatements(
  ports: ReconciliationPorts,
  o: ReconcileOptions,
  w: DayWindow,
  stmts: readonly StatementRow[],
  matcher: Matcher,
): Promise<void> {
  const feed = (s: StatementRow, rows: LineRows, pass: Role, picked?: number[]) => {
    if ((picked ? picked.length : rows.count) === 0) return;
    if (s.party === 'his') matcher.addHisRows(rows, s.sha256, pass, picked);
    else matcher.addChannelRows(rows, s.sha256, pass, picked);
  };
  const edgeOfCore = new Map<string, MatchLine[]>();
  for (const pass of ['core', 'edge'] as const) {
    for (const s of stmts) {
      const coreFile = isCoreStatement(w, s.business_date);
      if (pass === 'core' && !coreFile) continue;
      if (pass === 'edge' && coreFile) {
        feed(s, matchLineRows(edgeOfCore.get(s.statement_id) ?? []), 'edge');
        continue;
      }
      const kept: MatchLine[] = [];
      let n = 0;
      for await (const rows of statementRows(ports, o.hospitalId, s, o.held)) {
        // Most batches are all of the pass: then no list of picked lines.
        let picked: number[] | undefined;
        for (let i = 0; i < rows.count; i++) {
          // Most lines are of the date itself: their instant need not be read to know their role.
          const date = rows.businessDate(i);
          const role = date === w.businessDate ? 'core' : roleOf(w, date, rows.at(i));
          if (role === 'edge' && pass === 'core') kept.push({ ...rows.line(i) });
          if (role === pass) picked?.push(i);
          else picked ??= Array.from({ length: i }, (_, k) => k);
        }
        feed(s, rows, pass, picked);
        n += rows.count;
        o.onProgress?.({ phase: 'matching', statement: s.sha256, lines: n, total: s.lines });
      }
      if (pass === 'core') edgeOfCore.set(s.statement_id, kept);
    }
  }
}

/** The day's account statements (fund-flow bill, account statement): the lines the payout check reads. */
async function accountLines(
  ports: ReconciliationPorts,
  hospitalId: string,
  stmts: readonly StatementRow[],
): Promise<AccountStatementLines[]> {
  const decode = decoderOf(ports);
  const out: AccountStatementLines[] = [];
  for (const s of stmts) {
    const kept: StatementLine[] = [];
    for await (const { lines } of statementLines(ports.store, decode, hospitalId, s.statement_id))
      for (const l of lines)
        if (l.kind === 'fee' || l.kind === 'settlement' || l.kind === 'income') kept.push(l);
    out.push({ statement: s.sha256, lines: kept });
  }
  return out;
}

/**
 * Reconciles one hospital, channel and business date. Re-running over the same inputs raises nothing twice
 * (discrepancy ids come from the findings) and records the same run id.
 */
export async function reconcileDay(
  ports: ReconciliationPorts,
  o: ReconcileOptions,
): Promise<ReconciliationReport> {
  const { store, db } = ports;
  const hospitalId = HospitalId(o.hospitalId);
  const config = matchingConfigOf(o.config);
  const at = o.at ?? new Date();
  const actor = o.actor ?? SYSTEM_ACTOR;
  const before = await loadDay(store, hospitalId, o.channel, o.businessDate);
  // Checked before any work; the run's own append checks again against the day as it is then.
  assertDayOpen(before, o.channel, o.businessDate);

  await catchUp(ports, reconciliationReadModels(ports.dateOptions), (events) =>
    o.onProgress?.({ phase: 'catching-up', events }),
  );

  const w = dayWindow(o.businessDate, config.cutoffWindowMinutes, ports.dateOptions);
  const scope = { hospitalId, channel: o.channel, window: w };
  const matcher = new Matcher({ hospitalId, channel: o.channel, businessDate: o.businessDate }, config);
  const movements = await indexPlatform(db, scope, matcher);
  o.onProgress?.({ phase: 'indexing-platform', movements });
  const window = await statementsOfWindow(db, scope);
  const trade = window.filter((s) => !isAccountStatement(s.format));
  await feedStatements(ports, o, w, trade, matcher);
  const accounts = await accountLines(
    ports,
    hospitalId,
    window.filter((s) => isAccountStatement(s.format) && s.business_date === o.businessDate),
  );

  o.onProgress?.({ phase: 'classifying' });
  // What the previous day's last run held pending is carried in: cleared here, raised at its deadline, or
  // listed again.
  const carried = pendingOf((await loadDay(store, hospitalId, o.channel, w.previous)).lastRun?.summary);
  const ctx: RunContext = {
    start: w.start,
    end: w.end,
    asOf: at.getTime(),
    neighbours: neighbourStatements(w, trade),
    settlementByPayout: accounts.length > 0,
    ...(carried.length > 0 ? { carried: { from: w.previous, items: carried } } : {}),
  };
  const matchResult = matcher.finish(await paidOrders(db, hospitalId, matcher.unmatchedRefundOrders()), ctx);
  // The payout: the trade bill's clearing against the account statement's fees and payouts and the bank's
  // credits (payout.ts). Without an account statement the matcher's own net check has judged the settlement.
  const checked =
    accounts.length > 0
      ? withFindings(
          matchResult,
          checkPayout({
            hospitalId,
            channel: o.channel,
            businessDate: o.businessDate,
            clearing: matchResult.clearing,
            account: accounts,
            bankCredits: matcher.bankCredits(),
          }),
        )
      : matchResult;
  // Pairs the rules made and a person undid stay apart (kept-apart.ts).
  const book = await loadMatchBook(ports, hospitalId, o.channel, o.businessDate);
  const result = keepApart(
    checked,
    { hospitalId, channel: o.channel, businessDate: o.businessDate },
    book.keptApart,
  );
  const statements = [...new Set([...matcher.statementsUsed(), ...accounts.map((a) => a.statement)])].sort();
  const runId = runIdOf(statements, config, result);

  // Raise every finding (idempotent by id), then auto-resolve what the previous run had open and this one no
  // longer finds.
  const ids = result.findings.map((f) => discrepancyIdOf(f));
  let raised = 0;
  const open: string[] = [];
  for (const [i, f] of result.findings.entries()) {
    const id = ids[i]!;
    const r = await handle(store, discrepancyDecider, {
      type: 'RaiseDiscrepancy',
      hospitalId,
      at,
      actor,
      discrepancyId: id,
      finding: f,
      runId,
    });
    if (r.events.length > 0) raised++;
    if (isOpenStatus(r.state.status)) open.push(id);
    if (i % RAISE_PROGRESS_EVERY === 0)
      o.onProgress?.({ phase: 'raising', done: i, total: result.findings.length });
  }
  const cleared = { timing: new Set(result.timingSubjects), hisSynced: new Set(result.hisSyncedSubjects) };
  let autoResolved = 0;
  for (const id of noLongerFound(before.lastRun?.open ?? [], new Set(ids))) {
    const s = await discrepancyState(ports, hospitalId, id);
    if (!isOpenStatus(s.status)) continue;
    const r = await handle(store, discrepancyDecider, {
      type: 'AutoResolveDiscrepancy',
      hospitalId,
      at,
      actor,
      discrepancyId: id,
      ...autoResolutionOf(s, cleared),
      runId,
    });
    if (r.events.length > 0) autoResolved++;
  }

  await handle(store, dayDecider, {
    type: 'RecordReconciliationRun',
    hospitalId,
    at,
    actor,
    channel: o.channel,
    businessDate: o.businessDate,
    runId,
    summary: daySummaryOf(result),
    statements,
    findings: result.findings.length,
    open,
    config: config as unknown as JsonObject,
  });
  o.onProgress?.({ phase: 'done' });
  return {
    hospitalId,
    channel: o.channel,
    businessDate: o.businessDate,
    runId,
    matched: result.matched,
    timing: result.timing,
    byType: result.byType,
    findings: result.findings,
    parties: result.parties,
    pending: pendingTotal(result.pending),
    pendingItems: result.pending,
    failed: result.failed,
    carriedIn: result.carriedIn,
    timingSubjects: result.timingSubjects,
    statements,
    discrepancies: { raised, autoResolved, open },
    state: runStateOf(open),
  };
}
