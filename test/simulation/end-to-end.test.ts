// The generator's promise: simulate a day through the command handler, import the files it wrote, reconcile every
// channel — reconciliation finds exactly the injected anomalies (precision and recall 100%, right types and
// amounts), on PGlite and on PostgreSQL, for several seeds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { type AnswerKeyEntry, DISCREPANCY_TYPES } from '../../src/domain/reconciliation/types.ts';
import {
  driveWithReactions,
  importScenarioFiles,
  reconcileScenario,
  simulateDay,
} from '../../src/simulation/scenario.ts';
import { comparisonReport } from '../../src/simulation/report.ts';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const DATE = '2024-05-01';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function roundTrip(tdb: TestDatabase, seed: string, orders: number, anomalies: number) {
  const store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  const dir = await mkdtemp(join(tmpdir(), `sim-e2e-${seed}-`));
  dirs.push(dir);
  try {
    const sim = await simulateDay(
      { store, db: tdb.database.db, leases: tdb.database },
      { date: DATE, seed, orders, anomalies },
      dir,
    );
    // 10:30 on T+1: the next day's bills do not exist yet — then they arrive and the day is run again.
    await importScenarioFiles({ store }, sim.manifest, dir, undefined, { nextDay: false });
    const options = { cases: sim.day.cases };
    const morning = await reconcileScenario(
      { store, db: tdb.database.db },
      sim.manifest,
      sim.day.answerKey,
      undefined,
      { ...options, withNextDay: false },
    );
    await importScenarioFiles({ store }, sim.manifest, dir);
    const recon = await reconcileScenario(
      { store, db: tdb.database.db },
      sim.manifest,
      sim.day.answerKey,
      undefined,
      options,
    );
    return { sim, recon, morning, store, tdb };
  } catch (e) {
    await store.close();
    throw e;
  }
}

function expectExactMatch(r: Awaited<ReturnType<typeof roundTrip>>): void {
  expectExact(r.morning, r.sim);
  expectExact(r.recon, r.sim);
  // Without the next day's bills the cross-midnight payments and in-flight refunds are pending, then only the
  // in-flight ones; every edge case ends as the answer key says in both.
  const pendingOf = (x: typeof r.recon) => x.pending.map((p) => p.awaiting).sort();
  const crossMidnight = r.sim.day.cases.filter((c) => c.case === 'cross-midnight').length;
  const inFlight = r.sim.day.cases.filter((c) => c.case === 'refund-in-flight').length;
  expect(pendingOf(r.morning)).toEqual([
    ...Array(inFlight).fill('in-flight'),
    ...Array(crossMidnight).fill('next-statement'),
  ]);
  expect(pendingOf(r.recon)).toEqual(Array(inFlight).fill('in-flight'));
  expect(r.morning.reports.reduce((n, x) => n + x.discrepancies.autoResolved, 0)).toBe(0);
}

function expectExact(
  recon: Awaited<ReturnType<typeof roundTrip>>['recon'],
  sim: { day: { answerKey: AnswerKeyEntry[] } },
): void {
  expect(
    recon.cases.map((c) => `${c.case.case} ${c.case.channel} ${c.case.subject}: ${c.found} ≠ ${c.expected}`),
  ).toEqual([]);
  const text = comparisonReport(recon.findings, sim.day.answerKey, recon.comparison);
  expect(
    {
      missing: recon.comparison.missing.map((m) => `${m.type} ${m.channel} ${m.subject} ${m.amount}`),
      unexpected: recon.comparison.unexpected.map((u) => `${u.type} ${u.channel} ${u.subject} ${u.amount}`),
      wrongAmount: recon.comparison.wrongAmount.map(
        (w) => `${w.expected.type} ${w.expected.subject} ${w.expected.amount} ≠ ${w.found.amount}`,
      ),
    },
    text,
  ).toEqual({ missing: [], unexpected: [], wrongAmount: [] });
  expect(recon.comparison.precision).toBe(1);
  expect(recon.comparison.recall).toBe(1);
}

describe('simulated day → import → reconcile finds exactly the answer key', () => {
  for (const seed of ['north', 'south']) {
    it(`PGlite, seed ${seed}`, async () => {
      const tdb = await createPgliteDatabase();
      let store: SqlEventStore | undefined;
      try {
        const r = await roundTrip(tdb, seed, 250, 18);
        store = r.store;
        expect(new Set(r.sim.day.answerKey.map((k) => k.type))).toEqual(new Set(DISCREPANCY_TYPES));
        expectExactMatch(r);
        // The cross-midnight payments are timing differences, not discrepancies; the rest matched.
        expect(r.recon.reports.reduce((n, x) => n + x.timing.count, 0)).toBeGreaterThanOrEqual(2);
        for (const rep of r.recon.reports) expect(rep.matched.count).toBeGreaterThan(0);
      } finally {
        await store?.close();
        await tdb.dispose();
      }
    });
  }

  it('PostgreSQL, seed east (larger day); re-driving the same day is a no-op', async () => {
    const tdb = await createPostgresDatabase('sim_e2e');
    let store: SqlEventStore | undefined;
    try {
      const r = await roundTrip(tdb, 'east', 700, 27);
      store = r.store;
      expectExactMatch(r);
      const again = await driveWithReactions(
        { store: r.store, db: tdb.database.db, leases: tdb.database },
        r.sim.day,
      );
      expect(again.events).toBe(0);
      // Every command was answered from its idempotency key (the await steps issue none).
      const awaits = r.sim.day.stories.flatMap((s) => s.commands).filter((c) => c.decider === 'await').length;
      expect(again.replayed).toBe(again.commands - awaits);
    } finally {
      await store?.close();
      await tdb.dispose();
    }
  });
});
