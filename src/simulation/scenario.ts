// A simulated day end to end, as `ledger simulate`, `ledger demo` and the tests run it:
//   simulate  — generate the day from a seed, drive it through the command handler, write the statement files;
//   import    — import every file as the scheduler would (the day's statements and the next day's bills);
//   reconcile — reconcile each statement channel for the date and compare the findings with the answer key.
import { join } from 'node:path';
import { type DriveProgress, type DriveResult, driveDay } from './drive.ts';
import { type ScenarioManifest, writeDayFiles } from './files.ts';
import { fileSource } from '../adapters/statements/source.ts';
import { addDays } from '../domain/business-date.ts';
import type { EventStore } from '../domain/event-store.ts';
import {
  type AnswerKeyComparison,
  type AnswerKeyEntry,
  compareWithAnswerKey,
  type Finding,
} from '../domain/reconciliation/types.ts';
import { generateDay } from './generate.ts';
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
  drive: DriveResult;
  manifest: ScenarioManifest;
  dir: string;
}

/** Generates the day, runs it through the command handler and writes its files into `dir`. */
export async function simulateDay(
  deps: { store: EventStore },
  config: Partial<SimulationConfig> & { date: string },
  dir: string,
  onProgress?: (p: ScenarioProgress) => void,
): Promise<SimulateResult> {
  const day = generateDay(config);
  onProgress?.({ step: 'generate', stories: day.stories.length, commands: day.stats.commands });
  const drive = await driveDay(deps.store, day, { onProgress: (p) => onProgress?.({ step: 'drive', ...p }) });
  const manifest = await writeDayFiles(day, dir);
  onProgress?.({ step: 'files', dir, files: manifest.files.length });
  return { day, drive, manifest, dir };
}

/** The business time the scheduler imports and reconciles a date at: the next morning (T+1, 10:30 local). */
export function morningAfter(manifest: Pick<ScenarioManifest, 'businessDate'>): Date {
  return new Date(`${addDays(manifest.businessDate, 1)}T10:30:00+08:00`);
}

/** Imports every statement file of the scenario (re-importing the same bytes is a no-op). */
export async function importScenarioFiles(
  deps: { store: EventStore },
  manifest: ScenarioManifest,
  dir: string,
  onProgress?: (p: ScenarioProgress) => void,
): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  const at = morningAfter(manifest);
  for (const [i, f] of manifest.files.entries()) {
    const r = await importStatement(deps, fileSource(join(dir, f.file)), {
      hospitalId: manifest.hospitalId,
      format: f.format,
      businessDate: f.businessDate,
      ...(f.merchantId ? { merchantId: f.merchantId } : {}),
      ...(f.channel ? { channel: f.channel } : {}),
      timeZone: manifest.timeZone,
      origin: 'simulator',
      at,
      onProgress: (p) =>
        onProgress?.({ step: 'import', file: f.file, index: i + 1, of: manifest.files.length, ...p }),
    });
    results.push(r);
  }
  return results;
}

export interface ScenarioReconciliation {
  reports: ReconciliationReport[];
  findings: Finding[];
  comparison: AnswerKeyComparison;
}

/** Reconciles every statement channel for the date and compares the findings with the answer key. */
export async function reconcileScenario(
  deps: { store: EventStore; db: AnyDb },
  manifest: ScenarioManifest,
  answerKey: readonly AnswerKeyEntry[],
  onProgress?: (p: ScenarioProgress) => void,
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
  return { reports, findings, comparison: compareWithAnswerKey(findings, answerKey) };
}
