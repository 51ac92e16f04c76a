// `ledger demo [--batch] [--orders N] [--anomalies N] [--seed S] [--date YYYY-MM-DD] [--out DIR] [--keep]`
// The first run: no servers. On the embedded PostgreSQL (PGlite, in a temporary data directory unless
// DATABASE_URL or LEDGER_DATA_DIR is set) it simulates a hospital day through the command handlers, writes the
// day's statement files, imports them, reconciles every channel, prints the summary and compares it with the
// simulator's answer key. Exit 0 only when reconciliation found exactly the injected anomalies.
// --batch: no live status line (CI, pipes); --keep: keep the temporary data directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { configFromEnv, type DatabaseConfig } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { ensureReadModels } from '../projections/index.ts';
import { UPCASTERS } from '../domain/events.ts';
import { Money } from '../domain/money.ts';
import { describe, progressPrinter } from '../simulation/progress.ts';
import {
  casesReport,
  comparisonReport,
  formatAmount,
  matchesAnswerKey,
  pendingReport,
  summaryTable,
} from '../simulation/report.ts';
import { importScenarioFiles, reconcileScenario, simulateDay } from '../simulation/scenario.ts';
import type { CliIo } from './main.ts';
import { parseSimulateArgs } from './simulate.ts';

export const DEMO_USAGE =
  'usage: ledger demo [--batch] [--orders N] [--anomalies N] [--seed S] [--date YYYY-MM-DD] [--out DIR] [--keep]';
/** The demo's day: big enough to look like a hospital, small enough to finish in about half a minute on 2 cores. */
export const DEMO_ORDERS = 1_000;
export const DEMO_SEED = 'demo';
const EX_USAGE = 64;
/** Exit status when reconciliation does not match the answer key. */
export const EX_MISMATCH = 1;

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parseSimulateArgs>;
  try {
    args = parseSimulateArgs(argv, { orders: DEMO_ORDERS, seed: DEMO_SEED });
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${DEMO_USAGE}\n`);
    return EX_USAGE;
  }
  if (args.help) {
    io.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  const { config } = args;
  const live = !args.batch && (io.stderr as NodeJS.WriteStream).isTTY === true;
  const progress = progressPrinter(io.stderr, live);
  const dir = resolve(args.out ?? 'out/demo');
  const shownDir = relative(process.cwd(), dir) || '.';

  const configured = Boolean(io.env.DATABASE_URL?.trim() || io.env.LEDGER_DATA_DIR?.trim());
  const tempDir = configured ? undefined : await mkdtemp(join(tmpdir(), 'ledger-demo-'));
  const dbConfig: DatabaseConfig = tempDir ? { dataDir: tempDir } : configFromEnv(io.env);
  const where = dbConfig.url
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL (PGlite) in ${dbConfig.dataDir}`;

  const started = performance.now();
  progress.step(`starting ${where}`);
  const ledger = await openLedger(dbConfig, {
    migrate: true,
    prepare: ensureReadModels,
    upcasters: UPCASTERS,
  });
  progress.done();
  try {
    progress.step(
      `simulating ${config.hospitalId} on ${config.date}: ${config.orders} orders through the command handlers (seed ${config.seed})`,
    );
    const sim = await simulateDay(
      { store: ledger.store, db: ledger.database.db, leases: ledger.database },
      config,
      dir,
      (p) => progress.update(describe(p, live)),
    );
    const s = sim.day.stats;
    progress.done(
      `${sim.drive.commands} commands → ${sim.drive.events} events${sim.drive.replayed ? ` (${sim.drive.replayed} already applied: this day was simulated into this store before)` : ''}`,
    );
    progress.note(
      `  wrote ${sim.manifest.files.length} statement files and answer-key.json (${sim.day.answerKey.length} injected anomalies) to ${shownDir}/`,
    );

    // 10:30 on T+1, as the scheduler runs it: the day's own statements exist, the next day's bills do not yet.
    const dayFiles = sim.manifest.files.filter((f) => f.role === 'day').length;
    progress.step(`importing the day's ${dayFiles} statement files (T+1 morning: no next-day bills yet)`);
    const morningImports = await importScenarioFiles(
      ledger,
      sim.manifest,
      dir,
      (p) => progress.update(describe(p, live)),
      { nextDay: false },
    );
    progress.done(`${morningImports.reduce((n, r) => n + r.summary.lines, 0)} lines`);
    progress.step('reconciling platform ↔ channel ↔ HIS (without the next day)');
    const morning = await reconcileScenario(
      { store: ledger.store, db: ledger.database.db },
      sim.manifest,
      sim.day.answerKey,
      (p) => progress.update(describe(p, live)),
      { cases: sim.day.cases, withNextDay: false },
    );
    progress.done(`${morning.findings.length} discrepancies, ${morning.pending.length} pending`);

    progress.step(
      `importing all ${sim.manifest.files.length} statement files (the next day's bills arrived)`,
    );
    const imports = await importScenarioFiles(ledger, sim.manifest, dir, (p) =>
      progress.update(describe(p, live)),
    );
    progress.done(`${imports.reduce((n, r) => n + r.summary.lines, 0)} lines`);

    progress.step('reconciling again');
    const recon = await reconcileScenario(
      { store: ledger.store, db: ledger.database.db },
      sim.manifest,
      sim.day.answerKey,
      (p) => progress.update(describe(p, live)),
      { cases: sim.day.cases },
    );
    progress.done(`${recon.findings.length} discrepancies, ${recon.pending.length} pending`);

    const out = io.stdout;
    out.write('\n');
    out.write(
      `对账结果 Reconciliation of ${sim.manifest.hospitalId}, business date ${sim.manifest.businessDate} (Asia/Shanghai)\n`,
    );
    out.write(
      `${s.orders} orders (${s.byKind.registration} registrations, ${s.byKind.outpatient} outpatient, ${s.byKind.deposit} deposit top-ups) + ${s.historyOrders} from earlier days; ` +
        `${s.refunds} refunds, ${s.cancellations} cancellations, ${s.discharges} discharges, ${s.unknownConfirmed} kiosk payments confirmed after an unknown status, ${s.hisRetries} HIS writebacks retried, ${s.crossMidnight} cross-midnight payments\n\n`,
    );
    out.write('T+1 10:30，次日账单未到 Before the next day’s bills arrived\n');
    out.write(`${summaryTable(morning.reports)}\n\n`);
    out.write('未达账项 Pending items (counted apart, not discrepancies)\n');
    out.write(`${pendingReport(morning.reports)}\n\n`);
    out.write('次日账单导入后 After the next day’s bills were imported\n');
    out.write(`${summaryTable(recon.reports)}\n\n`);
    out.write('未达账项 Pending items still followed\n');
    out.write(`${pendingReport(recon.reports)}\n\n`);
    const matched = recon.reports.reduce((n, r) => n + r.matched.count, 0);
    out.write(
      `matched ${matched} movements; timing differences are payments at 23:59:5x the channels booked after midnight (not discrepancies)\n\n`,
    );
    out.write('与模拟器答案对比 Compared with the simulator’s answer key\n');
    out.write(`${comparisonReport(recon.findings, sim.day.answerKey, recon.comparison)}\n\n`);
    const mismatched = [...morning.cases, ...recon.cases];
    if (mismatched.length > 0)
      out.write(`边界情形不符 Edge cases not as the answer key says\n${casesReport(mismatched)}\n\n`);
    const ok =
      matchesAnswerKey(morning.comparison) && matchesAnswerKey(recon.comparison) && mismatched.length === 0;
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const atStake = Money.sum(sim.day.answerKey.map((k) => Money.parse(k.amount))).toString();
    out.write(
      ok
        ? `OK: reconciliation found exactly the ${sim.day.answerKey.length} injected anomalies (${formatAmount(atStake)} CNY at stake) and nothing else, before and after the next day's bills; ${morning.pending.length} items were pending, ${recon.pending.length} still are (in flight), in ${secs} s.\n`
        : `MISMATCH: reconciliation does not match the answer key (see above), in ${secs} s.\n`,
    );
    out.write(
      `Statement files: ${shownDir}/  (scenario.json lists them; answer-key.json holds the injected anomalies)\n`,
    );
    return ok ? 0 : EX_MISMATCH;
  } catch (error) {
    progress.fail();
    throw error;
  } finally {
    await ledger.close();
    if (tempDir && !args.keep) await rm(tempDir, { recursive: true, force: true });
    else if (tempDir) progress.note(`kept the data directory ${tempDir}`);
  }
}
