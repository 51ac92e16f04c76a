// A simulated day end to end, as `ledger simulate`, `ledger demo` and the tests run it:
//   simulate  — generate the day from a seed, drive it through the command handler, write the statement files;
//   import    — import every file as the scheduler would (the day's statements and the next day's bills);
//   reconcile — reconcile each statement channel for the date and compare the findings with the answer key.
import { join } from 'node:path';
import { type DriveOptions, type DriveProgress, type DriveResult, driveDay } from './drive.ts';
import { SimClock } from './clock.ts';
import { ScriptedHis } from './his/scripted.ts';
import { createLogger } from '../adapters/log.ts';
import type { AppPorts } from '../app/ports.ts';
import { drainReactions, startReactions } from '../app/reactions/runtime.ts';
import type { Leases } from '../projections/runner.ts';
import { type ScenarioFile, type ScenarioManifest, writeDayFiles } from './files.ts';
import { fileSource, type StatementSource } from '../adapters/statements/source.ts';
import { addDays } from '../domain/business-date.ts';
import type { EventStore } from '../domain/event-store.ts';
import {
  type AnswerKeyCase,
  type AnswerKeyComparison,
  type AnswerKeyEntry,
  compareWithAnswerKey,
  type Finding,
  type PendingItem,
} from '../domain/reconciliation/types.ts';
import { type CaseMismatch, compareCases } from './cases.ts';
import { generateDay } from './generate.ts';
import {
  type PaymentSandbox,
  payRouted,
  type RoutedOutcome,
  routedOutcomes,
  routePayments,
  withRoutedTxnIds,
} from './platform-payments.ts';
import { STATEMENT_CHANNELS, type SimulatedDay, type SimulationConfig } from './types.ts';
import type { AnyDb } from '../projections/projection.ts';
import {
  type ImportProgress,
  type ImportResult,
  importStatement,
  type ReconcileProgress,
  type ReconciliationReport,
  reconcileDay,
} from '../app/reconciliation/index.ts';

export type ScenarioProgress =
  | { step: 'generate'; stories: number; commands: number }
  | ({ step: 'drive' } & DriveProgress)
  | { step: 'files'; dir: string; files: number }
  | ({ step: 'import'; file: string; index: number; of: number } & ImportProgress)
  | ({ step: 'reconcile'; channel: string } & ReconcileProgress);

export interface SimulateResult {
  day: SimulatedDay;
  /** The payments made through the payment route (with `payments` given). */
  routed: RoutedOutcome[];
  drive: DriveResult;
  manifest: ScenarioManifest;
  dir: string;
}

/** What a simulation runs on: the ledger's store and database (its leases elect the reaction runners). */
export interface SimulationPorts {
  store: EventStore;
  db: AnyDb;
  leases: Leases;
}

/** The platform as the simulated day meets it: its use cases and reactions, the day's scripted HIS. */
export function simulationPorts(deps: SimulationPorts, day: SimulatedDay, clock: SimClock): AppPorts {
  return {
    store: deps.store,
    db: deps.db,
    now: clock.now,
    logger: createLogger({ name: 'simulation', level: 'silent' }),
    his: new ScriptedHis(day.hisPlan),
  };
}

/**
 * Drives a generated day through the use cases with the reactions running, as the bus would (the episodes
 * wait for deposit credits like a kiosk would), then lets the reactions finish what is left: HIS writeback
 * retries, on a clock moved forward past their backoff.
 */
export async function driveWithReactions(
  deps: SimulationPorts,
  day: SimulatedDay,
  options: DriveOptions & {
    /** Runs after the day's commands, before the reactions finish what is left. */
    afterDay?: (ports: AppPorts) => Promise<void>;
  } = {},
): Promise<DriveResult> {
  // The platform's own clock starts after the simulated day: its reactions run the morning after.
  const clock = new SimClock(new Date(`${addDays(day.config.date, 1)}T00:30:00+08:00`));
  const ports = simulationPorts(deps, day, clock);
  const reactions = startReactions(ports, deps.leases, { pollMs: 20, standbyPollMs: 100 });
  let drive: DriveResult;
  try {
    drive = await driveDay(ports, day, options);
  } finally {
    await reactions.stop();
  }
  await options.afterDay?.(ports);
  await drainReactions(ports, { advanceClock: clock.advanceTo });
  return drive;
}

/**
 * Generates the day, runs it through the use cases and reactions, and writes its files into `dir`. With
 * `payments`, part of the day is paid through the payment route at that channel sandbox (platform-payments.ts).
 */
export async function simulateDay(
  deps: SimulationPorts,
  config: Partial<SimulationConfig> & { date: string },
  dir: string,
  onProgress?: (p: ScenarioProgress) => void,
  options: { payments?: PaymentSandbox } = {},
): Promise<SimulateResult> {
  const generated = generateDay(config);
  onProgress?.({ step: 'generate', stories: generated.stories.length, commands: generated.stats.commands });
  const pay = options.payments;
  const { day: driven, routed } = pay ? routePayments(generated) : { day: generated, routed: [] };
  let outcomes: RoutedOutcome[] = [];
  const drive = await driveWithReactions(deps, driven, {
    onProgress: (p) => onProgress?.({ step: 'drive', ...p }),
    ...(pay ? { afterDay: (ports) => payRouted(pay, ports, driven.config.hospitalId, routed) } : {}),
  });
  let day = generated;
  if (pay) {
    const ports = simulationPorts(deps, driven, new SimClock(pay.clock.now()));
    outcomes = await routedOutcomes(ports, driven.config.hospitalId, routed);
    day = withRoutedTxnIds(generated, outcomes);
  }
  const manifest = await writeDayFiles(day, dir);
  onProgress?.({ step: 'files', dir, files: manifest.files.length });
  return { day, routed: outcomes, drive, manifest, dir };
}

/** The business time the scheduler imports and reconciles a date at: the next morning (T+1, 10:30 local). */
export function morningAfter(manifest: Pick<ScenarioManifest, 'businessDate'>): Date {
  return new Date(`${addDays(manifest.businessDate, 1)}T10:30:00+08:00`);
}

/**
 * Imports the scenario's statement files (re-importing the same bytes is a no-op): every one, or with
 * `nextDay: false` only the date's own — the state at 10:00 on T+1, before the next day's bills exist.
 */
export async function importScenarioFiles(
  deps: { store: EventStore },
  manifest: ScenarioManifest,
  dir: string,
  onProgress?: (p: ScenarioProgress) => void,
  options: {
    nextDay?: boolean;
    /**
     * Where a file is read from, when not from `dir`: a downloaded copy's path or the downloaded bytes (the demo
     * downloads the bank and HIS files by SFTP, the channels' bills from the channel sandbox).
     */
    fetch?: (f: ScenarioFile) => Promise<string | StatementSource | undefined>;
  } = {},
): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  const at = morningAfter(manifest);
  const files = manifest.files.filter((f) => options.nextDay !== false || f.role === 'day');
  for (const [i, f] of files.entries()) {
    const got = (await options.fetch?.(f)) ?? join(dir, f.file);
    const r = await importStatement(deps, typeof got === 'string' ? fileSource(got, f.file) : got, {
      hospitalId: manifest.hospitalId,
      format: f.format,
      businessDate: f.businessDate,
      ...(f.merchantId ? { merchantId: f.merchantId } : {}),
      ...(f.channel ? { channel: f.channel } : {}),
      timeZone: manifest.timeZone,
      origin: 'simulator',
      at,
      onProgress: (p) => onProgress?.({ step: 'import', file: f.file, index: i + 1, of: files.length, ...p }),
    });
    results.push(r);
  }
  return results;
}

export interface ScenarioReconciliation {
  reports: ReconciliationReport[];
  findings: Finding[];
  comparison: AnswerKeyComparison;
  /** Edge cases that did not end as the answer key says (empty when `cases` were not given, or all did). */
  cases: CaseMismatch[];
  pending: PendingItem[];
}

/** Reconciles every statement channel for the date and compares the findings with the answer key. */
export async function reconcileScenario(
  deps: { store: EventStore; db: AnyDb },
  manifest: ScenarioManifest,
  answerKey: readonly AnswerKeyEntry[],
  onProgress?: (p: ScenarioProgress) => void,
  options: { cases?: readonly AnswerKeyCase[]; withNextDay?: boolean } = {},
): Promise<ScenarioReconciliation> {
  const reports: ReconciliationReport[] = [];
  const channels = STATEMENT_CHANNELS.filter((c) => manifest.files.some((f) => f.channel === c));
  for (const channel of channels) {
    reports.push(
      await reconcileDay(
        {
          store: deps.store,
          db: deps.db,
          dateOptions: { timeZone: manifest.timeZone },
        },
        {
          hospitalId: manifest.hospitalId,
          channel,
          businessDate: manifest.businessDate,
          config: { feeRates: manifest.feeRates },
          at: morningAfter(manifest),
          onProgress: (p) => onProgress?.({ step: 'reconcile', channel, ...p }),
        },
      ),
    );
  }
  const findings = reports.flatMap((r) => r.findings);
  return {
    reports,
    findings,
    comparison: compareWithAnswerKey(findings, answerKey),
    cases: compareCases(options.cases ?? [], reports, options.withNextDay !== false),
    pending: reports.flatMap((r) => r.pendingItems),
  };
}
