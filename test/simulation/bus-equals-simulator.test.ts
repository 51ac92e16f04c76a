// One edge or another, the same day: a generated hospital day driven through the use cases in process (the
// simulator) and the same commands sent over HTTP to the bus (signed, idempotent) end in the same ledger —
// orders, deposits, HIS sync and every account balance — with the reactions doing the follow-ups on both.
import { afterAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { fold } from '../../src/domain/decider.ts';
import { depositDecider } from '../../src/domain/deposit/index.ts';
import type { EventStore, RecordedEvent } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { type PostingEvent, postingsFor } from '../../src/domain/ledger/postings.ts';
import { Money } from '../../src/domain/money.ts';
import { orderDecider, orderView } from '../../src/domain/order/index.ts';
import { busRequestOf } from '../../src/simulation/bus-driver.ts';
import { generateDay } from '../../src/simulation/generate.ts';
import { ScriptedHis } from '../../src/simulation/his/scripted.ts';
import { driveWithReactions } from '../../src/simulation/scenario.ts';
import { type Harness, HOSPITAL, startHarness, TOKENS } from '../bus/harness.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let after = 0n; ; ) {
    const page = await store.readAll({ after, maxCount: 2_000 });
    if (page.length === 0) return out;
    out.push(...page);
    after = page.at(-1)!.position;
  }
}

/** What a user of the ledger sees: every order, every deposit account and every account balance. */
async function ledgerOf(store: EventStore) {
  const streams = new Map<string, RecordedEvent[]>();
  const balances = new Map<string, Money>();
  for (const e of await allEvents(store)) {
    const list = streams.get(e.streamId) ?? [];
    list.push(e);
    streams.set(e.streamId, list);
    const entry = postingsFor(e as unknown as PostingEvent);
    for (const line of entry?.lines ?? []) {
      const signed = line.side === 'debit' ? line.amount : line.amount.negate();
      balances.set(line.account.code, (balances.get(line.account.code) ?? Money.ZERO).add(signed));
    }
  }
  const orders: Record<string, unknown> = {};
  const deposits: Record<string, unknown> = {};
  for (const [id, events] of streams) {
    if (id.includes('/order/')) {
      const s = fold(orderDecider, events as never[]);
      orders[id] = {
        ...orderView(s),
        hisAttempts: s.hisAttempts,
        refunds: [...s.refunds.values()].map((r) => r.his),
      };
    }
    if (id.includes('/deposit/')) {
      const s = fold(depositDecider, events as never[]);
      deposits[id] = {
        balance: s.balance.toString(),
        topUps: [...s.topUps.keys()].sort(),
        settled: s.settled,
      };
    }
  }
  return {
    orders,
    deposits,
    balances: Object.fromEntries([...balances].map(([k, v]) => [k, v.toString()]).sort()),
  };
}

async function driveOverHttp(h: Harness, day: ReturnType<typeof generateDay>): Promise<void> {
  const supervisor = h.staff(TOKENS.supervisor);
  for (const story of day.stories)
    for (const [i, step] of story.commands.entries()) {
      if (step.decider === 'await') {
        await h.reacted();
        continue;
      }
      const req = busRequestOf(step);
      h.clock.ms = step.command.at.getTime();
      const send = req.as === 'client' ? h.kiosk : supervisor;
      const r = await send(req.method, req.path, req.body, { idem: `sim:${day.runTag}:${story.key}:${i}` });
      if (r.status >= 300) throw new Error(`${step.command.type} ${req.path}: ${r.status} ${r.text}`);
    }
  // The reactions finish what is left (HIS retries after their backoff), on the bus's clock.
  for (let round = 0; round < 100; round++) {
    await h.reacted();
    const next = (await h.reactions.status())
      .map((s) => s.work.nextDueAt)
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    if (!next) return;
    h.clock.ms = Math.max(h.clock.ms, next.getTime());
  }
  throw new Error('reactions did not finish');
}

describe('the simulator and the bus', () => {
  it('a simulated day through the use cases equals the same day over HTTP', async () => {
    const day = generateDay({
      hospitalId: HOSPITAL,
      date: '2024-05-01',
      seed: 'edges',
      orders: 80,
      anomalies: 9,
    });

    const tdb: TestDatabase = await createPostgresDatabase('sim_direct');
    const store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
    cleanup.push(async () => {
      await store.close();
      await tdb.dispose();
    });
    await driveWithReactions({ store, db: tdb.database.db, leases: tdb.database }, day);

    const h = await startHarness('sim_bus', { his: new ScriptedHis(day.hisPlan) });
    cleanup.push(() => h.close());
    await driveOverHttp(h, day);

    const direct = await ledgerOf(store);
    const overHttp = await ledgerOf(h.store);
    expect(Object.keys(direct.orders).length).toBeGreaterThan(80);
    expect(overHttp.orders).toEqual(direct.orders);
    expect(overHttp.deposits).toEqual(direct.deposits);
    expect(overHttp.balances).toEqual(direct.balances);
  });
});
