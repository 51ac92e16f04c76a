// bench/recon: import + reconcile a WeChat bill of N lines (default 1,000,000) against N platform payments.
//
//   tsx bench/recon.ts            (PostgreSQL at 127.0.0.1:5432, user postgres; BENCH_PG_URL overrides;
//                                  BENCH_LINES=200000 for a shorter run)
//
// The platform side is seeded IN BULK straight into the recon_movements read model (one INSERT … SELECT over
// generate_series), not through the order events: the bench measures import and matching, and replaying a
// million payment events is bench/replay's business. Peak memory is the process RSS sampled every 50 ms.
// The ceiling is a plain csv-parse read of the same file (no validation, no events, no matching).
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import pg from 'pg';
import { openLedger } from '../src/adapters/event-store/open.ts';
import { type BillEntry, fileSource, wechatBillLines } from '../src/adapters/statements/index.ts';
import { UPCASTERS } from '../src/domain/events.ts';
import { ensureReadModels } from '../src/projections/index.ts';
import { importStatement, reconcileDay } from '../src/app/reconciliation/index.ts';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const SAMPLE_MS = 50;
const HOSPITAL = 'H1';
const DATE = '2024-05-01';
const MERCHANT = '1900000109';
/** 2024-05-01 00:00 Asia/Shanghai. */
const DAY_START = Date.parse('2024-05-01T00:00:00+08:00');
/** Spread the payments over 23 hours so none sits in the cut-off window. */
const SPREAD_MS = 23 * 3_600_000;

const orderNo = (i: number) => `P${String(i).padStart(10, '0')}`;
const txnId = (i: number) => `4200${String(i).padStart(24, '0')}`;
/** Deterministic amounts 1.00 … 500.99 as strings (never a JS number for money). */
const amountOf = (i: number) => `${1 + ((i * 37) % 500)}.${String((i * 13) % 100).padStart(2, '0')}`;
const atOf = (i: number) => new Date(DAY_START + Math.floor((i * SPREAD_MS) / LINES));

function* entries(): Generator<BillEntry> {
  for (let i = 0; i < LINES; i++)
    yield {
      kind: 'payment',
      amount: amountOf(i),
      occurredAt: atOf(i).toISOString(),
      channelTxnId: txnId(i),
      merchantOrderNo: orderNo(i),
      fee: '0.00000',
      merchantId: MERCHANT,
    };
}

class RssSampler {
  private peak = 0;
  /** What the process held when its RSS peaked (JS heap in use and allocated, buffers outside it). */
  atPeak: NodeJS.MemoryUsage = process.memoryUsage();
  private timer: NodeJS.Timeout | undefined;
  private sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.peak) {
      this.peak = m.rss;
      this.atPeak = m;
    }
  }
  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    return this;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

interface Row {
  step: string;
  seconds: number;
  linesPerSecond: number;
  peakRssMb: number;
}

/** `BENCH_CPU_PROF=import` (or reconcile, csv): a CPU profile of that step alone, written to tmp/prof. */
const PROFILE_STEP = process.env.BENCH_CPU_PROF;

async function measure(step: string, lines: number, f: () => Promise<void>): Promise<Row> {
  global.gc?.();
  const profile = PROFILE_STEP !== undefined && step.startsWith(PROFILE_STEP);
  const session = profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const s = new RssSampler().start();
  const t0 = performance.now();
  await f();
  const seconds = (performance.now() - t0) / 1000;
  const peak = s.stop();
  if (session) {
    const { profile: p } = await session.post('Profiler.stop');
    mkdirSync('tmp/prof', { recursive: true });
    const out = `tmp/prof/recon-${PROFILE_STEP}-${process.pid}.cpuprofile`;
    writeFileSync(out, JSON.stringify(p));
    session.disconnect();
    console.error(`  CPU profile of ${step}: ${out}`);
  }
  const row = { step, seconds, linesPerSecond: lines / seconds, peakRssMb: peak / 2 ** 20 };
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
  const at = s.atPeak;
  console.error(
    `  ${step}: ${seconds.toFixed(2)} s; at the RSS peak: heap used ${mb(at.heapUsed)} of ${mb(at.heapTotal)}, external ${mb(at.external)}`,
  );
  return row;
}

async function writeBill(file: string): Promise<void> {
  const fh = await open(file, 'w');
  let buf: string[] = [];
  let size = 0;
  for (const l of wechatBillLines(entries(), { merchantId: MERCHANT })) {
    buf.push(l);
    size += l.length;
    if (size > 4 * 2 ** 20) {
      await fh.write(buf.join(''));
      buf = [];
      size = 0;
    }
  }
  await fh.write(buf.join(''));
  await fh.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-recon-'));
  const file = path.join(dir, `wechat-${DATE}.csv`);
  const dbName = `bench_recon_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const ledger = await openLedger(
    { url: url.toString(), poolSize: 4 },
    { migrate: true, prepare: ensureReadModels, upcasters: UPCASTERS },
  );
  const db = ledger.database.db;
  try {
    console.error(`writing a WeChat bill of ${LINES} lines…`);
    await writeBill(file);
    console.error('seeding the platform side (recon_movements, bulk)…');
    await sql`INSERT INTO rm_recon_movements.recon_movements (hospital_id, movement_id, kind, channel, merchant_order_no,
        refund_no, channel_txn_id, channel_refund_id, amount, occurred_at, business_date, business_type, surplus, position)
      SELECT ${HOSPITAL}, 'pay:4200' || lpad(i::text, 24, '0'), 'payment', 'wechat', 'P' || lpad(i::text, 10, '0'),
        NULL, '4200' || lpad(i::text, 24, '0'), NULL,
        (1 + (i * 37) % 500) + ((i * 13) % 100) / 100.0,
        to_timestamp((${DAY_START}::bigint + (i::bigint * ${SPREAD_MS}) / ${LINES}) / 1000.0),
        ${DATE}, 'outpatient', false, 0
      FROM generate_series(0, ${LINES - 1}) AS i`.execute(db);
    await sql`ANALYZE rm_recon_movements.recon_movements`.execute(db);

    const rows: Row[] = [];
    let records = 0;
    rows.push(
      await measure('csv-parse read (ceiling)', LINES, async () => {
        const parser = createReadStream(file).pipe(parse({ relax_column_count: true, relax_quotes: true }));
        for await (const _ of parser) records++;
      }),
    );
    let imported = 0;
    let held: Awaited<ReturnType<typeof importStatement>>['held'];
    const i0 = performance.now();
    let importPhase = '';
    rows.push(
      await measure('import (validate + events)', LINES, async () => {
        const r = await importStatement({ store: ledger.store }, fileSource(file), {
          hospitalId: HOSPITAL,
          format: 'wechat',
          merchantId: MERCHANT,
          businessDate: DATE,
          // One job: the run below matches the lines the import holds instead of reading them back.
          hold: true,
          onProgress: (p) => {
            if (p.phase !== importPhase)
              console.error(`    ${(performance.now() - i0).toFixed(0)} ms ${p.phase}`);
            importPhase = p.phase;
          },
        });
        imported = r.summary.lines;
        held = r.held;
      }),
    );
    let report: Awaited<ReturnType<typeof reconcileDay>> | undefined;
    let last = '';
    const t0 = performance.now();
    rows.push(
      await measure('reconcile (catch up + match)', LINES, async () => {
        report = await reconcileDay(
          { store: ledger.store, db },
          {
            hospitalId: HOSPITAL,
            channel: 'wechat',
            businessDate: DATE,
            config: { checkHis: false },
            ...(held ? { held: [held] } : {}),
            onProgress: (p) => {
              if (p.phase !== last) console.error(`    ${(performance.now() - t0).toFixed(0)} ms ${p.phase}`);
              last = p.phase;
            },
          },
        );
      }),
    );
    const total = rows[1]!.seconds + rows[2]!.seconds;
    rows.push({
      step: 'import + reconcile (whole job)',
      seconds: total,
      linesPerSecond: LINES / total,
      peakRssMb: Math.max(rows[1]!.peakRssMb, rows[2]!.peakRssMb),
    });
    console.log(
      `\nbench/recon — ${LINES.toLocaleString('en')} WeChat bill lines vs ${LINES.toLocaleString('en')} platform payments (${os.cpus().length} cores, Node ${process.version})\n`,
    );
    console.log('| step | seconds | lines/s | peak RSS (MB) |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const r of rows)
      console.log(
        `| ${r.step} | ${r.seconds.toFixed(2)} | ${Math.round(r.linesPerSecond).toLocaleString('en')} | ${Math.round(r.peakRssMb)} |`,
      );
    console.log(
      `\nload average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')} (shared machine)`,
    );
    console.log(
      `\ncsv records read ${records}; imported ${imported}; matched ${report?.matched.count} (${report?.matched.amount}); findings ${report?.findings.length}`,
    );
    const ceiling = rows[0]!.seconds;
    console.log(
      `ratio to the plain csv-parse read of the same file (machine noise cancels out): import ${(rows[1]!.seconds / ceiling).toFixed(2)}×, reconcile ${(rows[2]!.seconds / ceiling).toFixed(2)}×, whole job ${(total / ceiling).toFixed(2)}×`,
    );
    console.log(
      `targets: whole job ≤ 1.5× the csv-parse read → ${total / ceiling <= 1.5 ? 'met' : 'MISSED'}; peak memory ≤ 1024 MB → ${Math.max(...rows.map((r) => r.peakRssMb)) <= 1024 ? 'met' : 'MISSED'}`,
    );
  } finally {
    await ledger.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
