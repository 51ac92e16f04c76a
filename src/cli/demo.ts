// `ledger demo [--batch] [--fresh] [--orders N] [--anomalies N] [--seed S] [--date YYYY-MM-DD] [--out DIR]`
// The first run: no servers. On the embedded PostgreSQL (PGlite in .data/demo/pglite, unless DATABASE_URL or
// LEDGER_DATA_DIR is set) it simulates a hospital day through the command handlers, writes the day's statement
// files (part of the day is paid through the payment route with the channel sandbox answering: platform-payments.ts),
// imports them (the channels' bills downloaded from that sandbox, the bank and HIS files by SFTP: delivery.ts), reconciles every channel, prints the summary and compares it with the simulator's answer
// key. Exit 0 only when reconciliation found exactly the injected anomalies.
// The data stays, for the commands the demo suggests at its end; running the demo again shows the same day
// again. A store that holds anything but this demo day is refused (its other data would be reconciled too and
// counted as discrepancies): --fresh empties .data/demo first.
// --batch: no live status line (CI, pipes).
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { sql } from 'kysely';
import { configFromEnv, type DatabaseConfig } from '../adapters/db/database.ts';
import { type Ledger, openLedger } from '../adapters/event-store/open.ts';
import { readModelPreparation } from '../projections/index.ts';
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
import { DEFAULT_HOSPITAL_ID } from '../simulation/types.ts';
import {
  channelBillDelivery,
  type StatementDelivery,
  startStatementDelivery,
} from '../simulation/delivery.ts';
import type { ScenarioFile } from '../simulation/files.ts';
import { type PaymentSandbox, routedSummary, startPaymentSandbox } from '../simulation/platform-payments.ts';
import type { CliIo } from './main.ts';
import { ensureDemoUsers, verifyDemoChain, writeDemoReports } from './demo-finish.ts';
import { type parseSimulateArgs, readSimulateArgs } from './simulate.ts';

export const DEMO_USAGE = `usage: ledger demo [--batch] [--fresh] [--no-serve] [--orders N] [--anomalies N] [--seed S] [--date YYYY-MM-DD] [--out DIR]
  Simulates a hospital day through the command handlers on the embedded PostgreSQL (part of it paid through the
  payment route, POST /v1/payments, with the channel sandbox answering on loopback), imports the day's statement
  files (the channels' bills downloaded from that sandbox, the bank and HIS files by SFTP), reconciles, prints the summary and compares it with the simulator's answer key (exit 0 only on a match),
  writes the day's settlement and reconciliation reports (xlsx) and verifies the event log's chain. On a
  terminal it then starts the workbench on http://127.0.0.1:8080/ with one demo account per role (their
  password is made for the demo folder and printed) and says what to try; Ctrl-C stops it.
  The data stays in .data/demo (the store in .data/demo/pglite, the statement files in .data/demo/files) for the
  commands suggested at the end; running the demo again shows the same day again.
  --fresh   start .data/demo anew (a store holding other data is refused, never reconciled)
  --batch   plain progress lines, for CI and pipes; never starts the workbench
  --no-serve  end after the summary instead of starting the workbench
  DATABASE_URL or LEDGER_DATA_DIR point the demo at another store: it must be empty, or hold this same demo day.`;
/** Where the demo keeps its data when no store is configured. */
export const DEMO_DIR = '.data/demo';
/** The demo's day: big enough to look like a hospital, small enough to finish in about half a minute on 2 cores. */
export const DEMO_ORDERS = 1_000;
export const DEMO_SEED = 'demo';
const EX_USAGE = 64;
/** Exit status when reconciliation does not match the answer key. */
export const EX_MISMATCH = 1;

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const args = readSimulateArgs(argv, io, { orders: DEMO_ORDERS, seed: DEMO_SEED }, DEMO_USAGE);
  if (typeof args === 'number') return args;
  const configured = Boolean(io.env.DATABASE_URL?.trim() || io.env.LEDGER_DATA_DIR?.trim());
  if (args.fresh && configured) {
    io.stderr.write(
      "ledger demo: --fresh empties only the demo's own folder (.data/demo); with DATABASE_URL or LEDGER_DATA_DIR set, " +
        'empty that store yourself or unset them\n',
    );
    return EX_USAGE;
  }
  const demoDir = resolve(DEMO_DIR);
  if (args.fresh) await rm(demoDir, { recursive: true, force: true });
  const live = !args.batch && (io.stderr as NodeJS.WriteStream).isTTY === true;
  const progress = progressPrinter(io.stderr, live);
  const dbConfig: DatabaseConfig = configured ? configFromEnv(io.env) : { dataDir: join(demoDir, 'pglite') };
  const where = dbConfig.url
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL (PGlite) in ${relative(process.cwd(), dbConfig.dataDir ?? '') || dbConfig.dataDir}`;

  const started = performance.now();
  progress.step(`starting ${where}`);
  const ledger = await openLedger(dbConfig, {
    migrate: true,
    prepare: readModelPreparation,
    upcasters: UPCASTERS,
  });
  progress.done();
  let config = args.config;
  let workbench: { password: string; passwordFile: string; hospitalId: string } | undefined;
  let payments: PaymentSandbox | undefined;
  let delivery: StatementDelivery | undefined;
  try {
    // The store must be empty, or hold this demo day (run again); anything else is refused before any write.
    const chosen = await chooseScenario(ledger, config, explicitScenario(argv));
    if (!chosen.ok) {
      io.stderr.write(`ledger demo: ${chosen.message}\n`);
      return EX_OTHER_DATA;
    }
    config = chosen.config;
    if (chosen.again)
      progress.note(
        `  this store holds the demo day ${scenarioKey(config)}: showing it again (--fresh starts anew)`,
      );
    const dir = resolve(args.out ?? (configured ? `out/demo` : join(demoDir, 'files')));
    const shownDir = relative(process.cwd(), dir) || '.';
    progress.step(
      `simulating ${config.hospitalId} on ${config.date}: ${config.orders} orders through the command handlers (seed ${config.seed})`,
    );
    payments = await startPaymentSandbox(config.hospitalId ?? DEFAULT_HOSPITAL_ID);
    const sim = await simulateDay(
      { store: ledger.store, db: ledger.database.db, leases: ledger.database },
      config,
      dir,
      (p) => progress.update(describe(p, live)),
      { payments },
    );
    const s = sim.day.stats;
    progress.done(
      `${sim.drive.commands} commands → ${sim.drive.events} events${sim.drive.replayed ? ` (${sim.drive.replayed} already applied: this day was simulated into this store before)` : ''}`,
    );
    progress.note(
      `  wrote ${sim.manifest.files.length} statement files and answer-key.json (${sim.day.answerKey.length} injected anomalies) to ${shownDir}/`,
    );

    // The bank's and HIS's files come from their delivery server (SFTP); the channels' bills from the channel
    // sandbox (the simulator's bill of a day is the channel's record of it), through the platform's clients.
    delivery = await startStatementDelivery(dir);
    const sftp = delivery.fetch;
    const bills = channelBillDelivery(payments, sim.manifest.hospitalId, dir);
    const fetch = async (f: ScenarioFile) => (await bills.fetch(f)) ?? sftp(f);
    /** Imports the statement files (with or without the next day's bills), then reconciles what they hold. */
    const importAndReconcile = async (nextDay: boolean, importing: string, reconciling: string) => {
      progress.step(importing);
      const imports = await importScenarioFiles(
        ledger,
        sim.manifest,
        dir,
        (p) => progress.update(describe(p, live)),
        { nextDay, fetch },
      );
      progress.done(`${imports.reduce((n, r) => n + r.summary.lines, 0)} lines`);
      progress.step(reconciling);
      const r = await reconcileScenario(
        { store: ledger.store, db: ledger.database.db },
        sim.manifest,
        sim.day.answerKey,
        (p) => progress.update(describe(p, live)),
        { cases: sim.day.cases, withNextDay: nextDay },
      );
      progress.done(`${r.findings.length} discrepancies, ${r.pending.length} pending`);
      return r;
    };
    // 10:30 on T+1, as the scheduler runs it: the day's own statements exist, the next day's bills do not yet.
    const dayFiles = sim.manifest.files.filter((f) => f.role === 'day').length;
    const morning = await importAndReconcile(
      false,
      `importing the day's ${dayFiles} statement files (T+1 morning: no next-day bills yet)`,
      'reconciling platform ↔ channel ↔ HIS (without the next day)',
    );
    const recon = await importAndReconcile(
      true,
      `importing all ${sim.manifest.files.length} statement files (the next day's bills arrived)`,
      'reconciling again',
    );

    const reportsDir = join(dir, 'reports');
    progress.step('writing the daily settlement (日结) and reconciliation reports as workbooks');
    const reportFiles = await writeDemoReports(
      ledger,
      sim.manifest.hospitalId,
      sim.manifest.businessDate,
      reportsDir,
    );
    progress.done(`${reportFiles.length} files in ${relative(process.cwd(), reportsDir) || reportsDir}/`);
    progress.step('verifying the event log: every hash, link, seal and stream row');
    const chain = await verifyDemoChain(ledger, io.env);
    progress.done(chain.ok ? `${chain.events} events intact` : `${chain.breaks} breaks`);

    const out = io.stdout;
    out.write('\n');
    out.write(
      `对账结果 Reconciliation of ${sim.manifest.hospitalId}, business date ${sim.manifest.businessDate} (Asia/Shanghai)\n`,
    );
    out.write(
      `${s.orders} orders (${s.byKind.registration} registrations, ${s.byKind.outpatient} outpatient, ${s.byKind.deposit} deposit top-ups) + ${s.historyOrders} from earlier days; ` +
        `${s.refunds} refunds, ${s.cancellations} cancellations, ${s.discharges} discharges, ${s.unknownConfirmed} kiosk payments confirmed after an unknown status, ${s.hisRetries} HIS writebacks retried, ${s.crossMidnight} cross-midnight payments\n`,
    );
    out.write(`统一支付 ${routedSummary(sim.routed)}\n\n`);
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
    // Shown again, the store already holds the next day's bills the first run imported: the morning's edge cases
    // (a payment still awaiting them) cannot be pending any more, so only the full day's are compared.
    const again = chosen.again;
    if (again)
      out.write(
        'Shown again: the next day’s bills were imported by the first run, so the T+1 10:30 view already includes them.\n\n',
      );
    const mismatched = [...(again ? [] : morning.cases), ...recon.cases];
    if (mismatched.length > 0)
      out.write(`边界情形不符 Edge cases not as the answer key says\n${casesReport(mismatched)}\n\n`);
    const ok =
      matchesAnswerKey(morning.comparison) &&
      matchesAnswerKey(recon.comparison) &&
      mismatched.length === 0 &&
      chain.ok;
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const envPrefix = configured ? '' : `LEDGER_DATA_DIR=${relative(process.cwd(), dbConfig.dataDir!)} `;
    const atStake = Money.sum(sim.day.answerKey.map((k) => Money.parse(k.amount))).toString();
    out.write(
      ok
        ? `OK: reconciliation found exactly the ${sim.day.answerKey.length} injected anomalies (${formatAmount(atStake)} CNY at stake) and nothing else, before and after the next day's bills; ${morning.pending.length} items were pending, ${recon.pending.length} still are (in flight), in ${secs} s.\n`
        : `MISMATCH: reconciliation does not match the answer key (see above), in ${secs} s.\n`,
    );
    out.write(
      `Statement files: ${shownDir}/  (scenario.json lists them; answer-key.json holds the injected anomalies)\n` +
        `  imported from: the channels' bills (${[...bills.fetched.keys()].join(', ')}) downloaded from the channel sandbox at ${bills.url} through the platform's WeChat Pay and Alipay clients (downloadBill); the bank and HIS files (${[...delivery.fetched].join(', ')}) downloaded by SFTP from ${delivery.url}, the day's delivery server serving it\n`,
    );
    if (!chain.ok)
      out.write(`AUDIT: the event log does not verify (${chain.breaks} breaks): run ledger audit verify\n`);
    out.write(
      `Reports (xlsx): ${reportFiles.map((f) => relative(process.cwd(), f)).join(', ')}\n` +
        `Event log: ${chain.events} events, every hash, link, seal and stream row ${chain.ok ? 'intact' : `BROKEN (${chain.breaks} breaks)`}\n`,
    );
    out.write(nextSteps(envPrefix, config, recon.findings.length));
    if (!ok) return EX_MISMATCH;
    if (args.batch || args.noServe || (io.stdout as NodeJS.WriteStream).isTTY !== true) return 0;
    const passwordFile = join(configured ? resolve('.data') : demoDir, 'demo-password');
    await mkdir(dirname(passwordFile), { recursive: true });
    const hospitalId = sim.manifest.hospitalId;
    const password = await ensureDemoUsers(ledger, hospitalId, passwordFile);
    workbench = {
      password,
      passwordFile: relative(process.cwd(), passwordFile),
      hospitalId,
    };
    return 0;
  } catch (error) {
    progress.fail();
    throw error;
  } finally {
    await payments?.close();
    await delivery?.close();
    await ledger.close();
    if (workbench)
      await startWorkbench(
        io,
        configured ? io.env : { ...io.env, LEDGER_DATA_DIR: dbConfig.dataDir },
        workbench,
      );
  }
}

/** Starts `ledger serve` on the demo's store and says where to click; returns when it is stopped (Ctrl-C). */
async function startWorkbench(
  io: CliIo,
  env: NodeJS.ProcessEnv,
  w: { password: string; passwordFile: string; hospitalId: string },
): Promise<void> {
  const port = env.PORT ?? '8080';
  io.stdout.write(`
工作台 The workbench is starting on http://127.0.0.1:${port}/ (Ctrl-C stops it; \`npm run demo -- --no-serve\` skips it).
  Sign in to hospital ${w.hospitalId} as clerk, supervisor, auditor or admin, password ${w.password}
  (made for this demo folder, kept in ${w.passwordFile}).
  Try: as clerk, 差错工作台 Discrepancies → open one → see the three parties side by side → propose a resolution;
       sign out, sign in as supervisor → 审批队列 Approvals → approve it (a clerk cannot approve their own);
       对账总览 Dashboard for the day's state per channel; 报表 Reports → 日结 daily settlement → xlsx;
       as auditor, 审计 Audit → trace an order, verify the chain (an auditor can look, never change).
`);
  const { serve } = await import('./serve.ts');
  await serve([], { ...io, env });
}

/** Exit status when the store holds other data than this demo day. */
export const EX_OTHER_DATA = 65;

const SCENARIO_OPTIONS = ['--date', '--orders', '--anomalies', '--seed', '--hospital'];

/** Whether the command line chose the day (else a store's recorded demo day is shown again). */
function explicitScenario(argv: readonly string[]): boolean {
  return argv.some((a) => SCENARIO_OPTIONS.some((o) => a === o || a.startsWith(`${o}=`)));
}

type DemoConfig = ReturnType<typeof parseSimulateArgs>['config'];

export function scenarioKey(c: DemoConfig): string {
  return `${c.hospitalId}/${c.date} orders=${c.orders} anomalies=${c.anomalies} seed=${c.seed}`;
}

async function chooseScenario(
  ledger: Ledger,
  config: DemoConfig,
  explicit: boolean,
): Promise<{ ok: true; config: DemoConfig; again: boolean } | { ok: false; message: string }> {
  const db = ledger.database.db;
  const head = await ledger.store.headPosition();
  const { rows } = await sql<{ scenario: string; config: DemoConfig | string }>`
    SELECT scenario, config FROM demo_runs ORDER BY first_run_at`.execute(db);
  const recorded = rows.map((r) => ({
    scenario: r.scenario,
    config: (typeof r.config === 'string' ? JSON.parse(r.config) : r.config) as DemoConfig,
  }));
  const fresh =
    "run `npm run demo -- --fresh` to start the demo's folder anew, or point LEDGER_DATA_DIR at an empty folder";
  if (head === 0n && recorded.length === 0) {
    await sql`INSERT INTO demo_runs (scenario, config) VALUES (${scenarioKey(config)}, ${JSON.stringify(config)}::jsonb)`.execute(
      db,
    );
    return { ok: true, config, again: false };
  }
  if (recorded.length === 0)
    return {
      ok: false,
      message: `this store already holds ${head} events that the demo did not write; the demo reconciles everything in its store, so that data would show as discrepancies. Nothing was written: ${fresh}.`,
    };
  const same = explicit
    ? recorded.find((r) => r.scenario === scenarioKey(config))
    : recorded.length === 1
      ? recorded[0]
      : undefined;
  if (same) return { ok: true, config: same.config, again: true };
  return {
    ok: false,
    message: `this store holds another demo day (${recorded.map((r) => r.scenario).join('; ')}), not ${scenarioKey(config)}; reconciling both would report the other day's payments as discrepancies. Nothing was written: run the demo without --date/--orders/--anomalies/--seed to show that day again, or ${fresh}.`,
  };
}

/** What to do after the demo: the commands that read the day just reconciled. */
function nextSteps(env: string, c: DemoConfig, discrepancies: number): string {
  const ledger = `${env}node bin/ledger.mjs`;
  return `
Next steps (the data stays; \`npm run demo -- --fresh\` starts anew):
  The ${discrepancies} open discrepancies, as a finance clerk would see them:
    ${ledger} users add --hospital ${c.hospitalId} --username admin --role administrator   (the first administrator; asks a password)
    ${ledger} login --hospital ${c.hospitalId} --username admin
    ${ledger} discrepancies list --from ${c.date}
    ${ledger} days show wechat ${c.date}
  The daily settlement report as a workbook:   ${ledger} report --help
  Check the audit chain:                       ${ledger} audit verify
  The read models, as of any recording time:   ${ledger} projections status
  The bus with its API docs (http://127.0.0.1:8080/docs):   ${ledger} serve
    then, signed in:  ${ledger} call GET /v1/discrepancies
`;
}
