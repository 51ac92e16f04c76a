// `ledger simulate [--date YYYY-MM-DD] [--orders N] [--anomalies N] [--seed S] [--out DIR] [--hospital ID]`
// Simulates one hospital day through the command handlers into the configured store (PostgreSQL when
// DATABASE_URL is set, else PGlite in LEDGER_DATA_DIR), writes the day's statement files, the answer key and a
// manifest into DIR, and prints what it wrote. Progress goes to stderr.
import { resolve } from 'node:path';
import { argsOrExit, strings } from './args.ts';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { readModelPreparation } from '../projections/index.ts';
import { addDays, businessDate } from '../domain/business-date.ts';
import { UPCASTERS } from '../domain/events.ts';
import {
  DEFAULT_ANOMALIES,
  DEFAULT_HOSPITAL_ID,
  DEFAULT_ORDERS,
  DEFAULT_SEED,
  MIN_ORDERS_PER_ANOMALY,
  type SimulationConfig,
} from '../simulation/types.ts';
import { describe, progressPrinter } from '../simulation/progress.ts';
import { simulateDay } from '../simulation/scenario.ts';
import type { CliIo } from './main.ts';

export const SIMULATE_USAGE =
  'usage: ledger simulate [--date YYYY-MM-DD] [--orders N] [--anomalies N] [--seed S] [--out DIR] [--hospital ID] [--batch]';
export interface SimulateArgs {
  config: Partial<SimulationConfig> & { date: string };
  out: string | undefined;
  batch: boolean;
  keep: boolean;
  /** demo: start the demo's data folder anew. */
  fresh: boolean;
  /** demo: do not start the workbench at the end. */
  noServe: boolean;
  help: boolean;
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a whole number, got '${text}'`);
  return Number(text);
}

/** Yesterday in the hospital's zone: the day a scheduler reconciles this morning. */
export function yesterday(now: Date = new Date()): string {
  return addDays(businessDate(now), -1);
}

/** Parses the options `simulate` and `demo` share. */
export function parseSimulateArgs(argv: string[], defaults: { orders: number; seed: string }): SimulateArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...strings('date', 'orders', 'anomalies', 'seed', 'out', 'hospital'),
      batch: { type: 'boolean' },
      keep: { type: 'boolean' },
      fresh: { type: 'boolean' },
      'no-serve': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
  const orders = positiveInt('orders', values.orders, defaults.orders);
  const config: SimulateArgs['config'] = {
    date: values.date ?? yesterday(),
    orders,
    // A small day gets fewer anomalies by default (each needs clean orders of its own around it).
    anomalies: positiveInt(
      'anomalies',
      values.anomalies,
      Math.min(DEFAULT_ANOMALIES, Math.floor(orders / MIN_ORDERS_PER_ANOMALY)),
    ),
    seed: values.seed ?? defaults.seed,
    hospitalId: values.hospital ?? DEFAULT_HOSPITAL_ID,
  };
  return {
    config,
    out: values.out,
    batch: values.batch === true,
    keep: values.keep === true,
    fresh: values.fresh === true,
    noServe: values['no-serve'] === true,
    help: values.help === true,
  };
}

/** The options of `simulate` or `demo` (with its defaults and usage), or the exit status on --help or a bad one. */
export function readSimulateArgs(
  argv: string[],
  io: CliIo,
  defaults: { orders: number; seed: string },
  usage: string,
): SimulateArgs | number {
  return argsOrExit(io, usage, { parse: () => parseSimulateArgs(argv, defaults), help: (a) => a.help });
}

export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  const args = readSimulateArgs(argv, io, { orders: DEFAULT_ORDERS, seed: DEFAULT_SEED }, SIMULATE_USAGE);
  if (typeof args === 'number') return args;
  const { config } = args;
  const dir = resolve(args.out ?? `out/sim-${config.date}-${config.seed}`);
  const live = !args.batch && (io.stderr as NodeJS.WriteStream).isTTY === true;
  const progress = progressPrinter(io.stderr, live);
  progress.step('opening the event store');
  const ledger = await openLedger(configFromEnv(io.env), {
    migrate: true,
    prepare: readModelPreparation,
    upcasters: UPCASTERS,
  });
  progress.done(ledger.database.kind);
  try {
    progress.step(
      `simulating ${config.date}: ${config.orders} orders, ${config.anomalies} anomalies (seed ${config.seed})`,
    );
    const sim = await simulateDay(
      { store: ledger.store, db: ledger.database.db, leases: ledger.database },
      config,
      dir,
      (p) => progress.update(describe(p, live)),
    );
    progress.done(dir);
    const s = sim.day.stats;
    io.stdout.write(
      [
        `simulated ${s.orders} orders (+${s.historyOrders} from earlier days) of ${sim.manifest.hospitalId} on ${sim.manifest.businessDate}: ${sim.drive.commands} commands, ${sim.drive.events} events${sim.drive.replayed ? `, ${sim.drive.replayed} already applied` : ''}`,
        `files in ${dir}:`,
        ...sim.manifest.files.map(
          (f) =>
            `  ${f.file}  (${f.role === 'day' ? f.businessDate : `${f.businessDate}, next day`}, ${f.lines} line${f.lines === 1 ? '' : 's'})`,
        ),
        `  answer-key.json  (${sim.day.answerKey.length} anomalies)`,
        '  scenario.json  (manifest)',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    progress.fail();
    throw error;
  } finally {
    await ledger.close();
  }
}
