// Append and read-all throughput: our event store (PostgreSQL, PGlite in memory, PGlite on disk) side by side
// with the PostgreSQL event store of @event-driven-io/emmett-postgresql, same server, same event shapes.
//
//   npm run bench:append            (PostgreSQL at 127.0.0.1:5432, user postgres; BENCH_PG_URL overrides)
//
// Progress goes to stderr, the table to stdout. Server durability is read, never changed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openLedger } from '../src/adapters/event-store/open.ts';
import type { NewEvent } from '../src/domain/event-store.ts';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OURS_DB = 'bench_append_ledger';
const PEER_DB = 'bench_append_emmett';
const WRITERS = 8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PAGE = 1_000;
/** Every store is topped up to this many events before read-all, so each reads the same amount. */
const READ_ALL_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 100_000);

/** For quick runs while tuning: a comma list of pg, memory, file, peer (default: all). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'pg,memory,file,peer').split(','));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---- the event shape: a PaymentSucceeded-like event ---------------------------------------------

let seq = 0;
function payment(): { data: Record<string, string>; metadata: Record<string, string>; at: Date } {
  const n = ++seq;
  const at = new Date(Date.UTC(2026, 10, 20, 8, 0, 0) + n * 1000);
  return {
    data: {
      paymentId: `pay-${n.toString().padStart(10, '0')}`,
      orderId: `ord-${(n >> 2).toString().padStart(10, '0')}`,
      hospitalId: 'h1',
      patientId: `pat-${(n % 50_000).toString().padStart(8, '0')}`,
      amount: `${(n % 9_999) + 1}.${(n % 100).toString().padStart(2, '0')}`,
      currency: 'CNY',
      channel: n % 2 ? 'wechat' : 'alipay',
      channelTradeNo: `4200001${n.toString().padStart(21, '0')}`,
      payerAccount: `o${(n * 7919).toString(36)}wx`,
      succeededAt: at.toISOString(),
      businessDate: '2026-11-20',
    },
    metadata: {
      correlationId: `corr-${n.toString(36)}-${(n * 31).toString(36)}`,
      actor: 'bus:his-gateway',
      channel: 'wechat-notify',
    },
    at,
  };
}

// ---- the stores under test, behind one small interface ------------------------------------------

type Expected = 'new' | number;

interface Target {
  label: string;
  /** Appends `count` events to `stream`; returns the stream's new version. */
  append(stream: string, count: number, expected: Expected): Promise<number>;
  /** Reads everything from the start in position order, pages of PAGE; returns how many events it saw. */
  readAll(): Promise<number>;
  close(): Promise<void>;
}

function ourEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, () => {
    const p = payment();
    return { type: 'PaymentSucceeded', data: p.data, metadata: p.metadata, occurredAt: p.at };
  });
}

async function ours(label: string, config: { url: string } | { dataDir: string }): Promise<Target> {
  const ledger = await openLedger(config, { migrate: true });
  const { store } = ledger;
  return {
    label,
    async append(stream, count, expected) {
      const r = await store.appendToStream(stream, ourEvents(count), {
        expectedVersion: expected === 'new' ? 'no_stream' : expected,
      });
      return r.nextExpectedVersion;
    },
    async readAll() {
      let after = 0n;
      let seen = 0;
      for (;;) {
        const page = await store.readAll({ after, maxCount: PAGE });
        seen += page.length;
        if (page.length < PAGE) return seen;
        after = page.at(-1)!.position;
      }
    },
    close: () => ledger.close(),
  };
}

async function peer(url: string): Promise<Target> {
  // Imported late: dumbo installs process-wide pg type parsers (int8 → BigInt, json(b) → its serializer) when
  // its first pool opens, so the peer runs after our PostgreSQL figures are taken.
  const { getPostgreSQLEventStore, readMessagesBatch } = await import('@event-driven-io/emmett-postgresql');
  const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
  const { dumbo } = await import('@event-driven-io/dumbo');
  const store = getPostgreSQLEventStore(url);
  await store.schema.migrate();
  const reader = dumbo({ connectionString: url });
  return {
    label: 'peer Emmett PostgreSQL',
    async append(stream, count, expected) {
      const events = Array.from({ length: count }, () => {
        const p = payment();
        return {
          type: 'PaymentSucceeded',
          data: { ...p.data, occurredAt: p.at.toISOString() },
          metadata: p.metadata,
        };
      });
      const r = await store.appendToStream(stream, events, {
        expectedStreamVersion: expected === 'new' ? STREAM_DOES_NOT_EXIST : BigInt(expected),
      });
      return Number(r.nextExpectedStreamVersion);
    },
    async readAll() {
      let seen = 0;
      let options: { from: bigint; batchSize: number } | { after: bigint; batchSize: number } = {
        from: 0n,
        batchSize: PAGE,
      };
      for (;;) {
        const r: Awaited<ReturnType<typeof readMessagesBatch>> = await readMessagesBatch(
          reader.execute,
          options,
        );
        seen += r.messages.length;
        if (!r.areMessagesLeft || r.messages.length === 0) return seen;
        options = { after: r.currentGlobalPosition, batchSize: PAGE };
      }
    },
    async close() {
      await reader.close();
      await store.close();
    },
  };
}

// ---- workloads ---------------------------------------------------------------------------------

let runId = 0;

/**
 * `writers` loops, each appending `batch` events per call for `seconds`: every fourth append opens a new
 * stream of the writer's own (expected: no stream), the others go to one of its existing streams with the
 * version it last saw. Returns events per second.
 */
async function appendLoad(
  t: Target,
  writers: number,
  batch: number,
  seconds: number,
  counter: { events: number },
): Promise<number> {
  const run = ++runId;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let events = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const streams: { id: string; version: number }[] = [];
      for (let k = 0; performance.now() < deadline; k++) {
        if (k % 4 === 0) {
          const id = `h1/order/b${process.pid}-${run}-${w}-${k}`;
          streams.push({ id, version: await t.append(id, batch, 'new') });
        } else {
          const s = streams[k % streams.length]!;
          s.version = await t.append(s.id, batch, s.version);
        }
        events += batch;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  counter.events += events;
  return events / elapsed;
}

interface Figures {
  single1: number;
  single8: number;
  batch100: number;
  batch1000: number;
  batch1000x4: number;
  readAll: number;
  readCount: number;
}

/** Load average at the start of each store's figures: the machine is shared, so say how busy it was. */
const loads: string[] = [];

async function measure(t: Target): Promise<Figures> {
  loads.push(
    `${t.label}: load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} at its start`,
  );
  const counter = { events: 0 };
  log(`${t.label}: warm-up`);
  await appendLoad(t, 1, 1, 0.5, counter);
  await appendLoad(t, WRITERS, 1, 0.5, counter);
  await appendLoad(t, 1, 100, 0.5, counter);
  log(`${t.label}: single-event appends, 1 writer, ${SECONDS}s`);
  const single1 = await appendLoad(t, 1, 1, SECONDS, counter);
  log(`${t.label}: single-event appends, ${WRITERS} writers, ${SECONDS}s`);
  const single8 = await appendLoad(t, WRITERS, 1, SECONDS, counter);
  log(`${t.label}: batches of 100, ${SECONDS}s`);
  const batch100 = await appendLoad(t, 1, 100, SECONDS, counter);
  log(`${t.label}: batches of 1000, ${SECONDS}s`);
  const batch1000 = await appendLoad(t, 1, 1_000, SECONDS, counter);
  log(`${t.label}: batches of 1000, 4 writers, ${SECONDS}s`);
  const batch1000x4 = await appendLoad(t, 4, 1_000, SECONDS, counter);
  if (counter.events < READ_ALL_EVENTS) {
    log(`${t.label}: topping up to ${READ_ALL_EVENTS} events for read-all`);
    for (let i = 0; counter.events < READ_ALL_EVENTS; i++) {
      await t.append(
        `h1/order/fill${process.pid}-${i}`,
        Math.min(1_000, READ_ALL_EVENTS - counter.events),
        'new',
      );
      counter.events += Math.min(1_000, READ_ALL_EVENTS - counter.events);
    }
  }
  log(`${t.label}: read-all of ${counter.events} events, pages of ${PAGE}`);
  await t.readAll(); // warm the cache and the code path once
  const started = performance.now();
  const readCount = await t.readAll();
  const readAll = readCount / ((performance.now() - started) / 1000);
  if (readCount !== counter.events)
    log(`${t.label}: WARNING read-all saw ${readCount} events, ${counter.events} were appended`);
  return { single1, single8, batch100, batch1000, batch1000x4, readAll, readCount };
}

// ---- databases -----------------------------------------------------------------------------------

async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

async function freshDatabase(name: string): Promise<string> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

// ---- table ---------------------------------------------------------------------------------------

const fmt = (n: number | undefined) => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const facts = await admin(async (c) => {
    const q = async (s: string) => String((await c.query(s)).rows[0]!.v);
    return {
      version: await q(`SELECT current_setting('server_version') AS v`),
      fsync: await q(`SELECT current_setting('fsync') AS v`),
      syncCommit: await q(`SELECT current_setting('synchronous_commit') AS v`),
      walSync: await q(`SELECT current_setting('wal_sync_method') AS v`),
    };
  });
  const results: Record<string, Figures> = {};
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-append-pglite-'));
  const benchStarted = performance.now();
  try {
    if (ONLY.has('pg')) {
      const t = await ours('ours PostgreSQL', { url: await freshDatabase(OURS_DB) });
      try {
        results.oursPg = await measure(t);
      } finally {
        await t.close();
        await dropDatabase(OURS_DB);
      }
    }
    for (const [key, label, dataDir] of [
      ['liteMem', 'ours PGlite (memory)', 'memory://'],
      ['liteFile', 'ours PGlite (file)', path.join(tmp, 'data')],
    ] as const) {
      if (!ONLY.has(key === 'liteMem' ? 'memory' : 'file')) continue;
      log(`${label}: starting PGlite`);
      const t = await ours(label, { dataDir });
      try {
        results[key] = await measure(t);
      } finally {
        await t.close();
      }
    }
    if (ONLY.has('peer')) {
      const t = await peer(await freshDatabase(PEER_DB));
      try {
        results.peer = await measure(t);
      } finally {
        await t.close();
        await dropDatabase(PEER_DB);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const metrics: [keyof Figures, string][] = [
    ['single1', 'single-event appends/s, 1 writer'],
    ['single8', `single-event appends/s, ${WRITERS} writers`],
    ['batch100', 'events/s, batches of 100 (1 writer)'],
    ['batch1000', 'events/s, batches of 1000 (1 writer)'],
    ['batch1000x4', 'events/s, batches of 1000 (4 writers)'],
    ['readAll', `read-all events/s (pages of ${PAGE})`],
  ];
  const rows = [
    [
      'metric',
      'ours PostgreSQL',
      'peer Emmett PostgreSQL',
      'ratio (ours/peer)',
      'ours PGlite (memory)',
      'ours PGlite (file)',
    ],
    ...metrics.map(([k, name]) => {
      const o = results.oursPg?.[k];
      const p = results.peer?.[k];
      return [
        name,
        fmt(o),
        fmt(p),
        o !== undefined && p ? `${(o / p).toFixed(2)}×` : 'n/a',
        fmt(results.liteMem?.[k]),
        fmt(results.liteFile?.[k]),
      ];
    }),
  ];
  const cpu = os.cpus();
  console.log(
    `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), node ${process.version}, PostgreSQL ${facts.version} ` +
      `(fsync=${facts.fsync}, synchronous_commit=${facts.syncCommit}, wal_sync_method=${facts.walSync}), ` +
      `${SECONDS}s per append figure, read-all over ${READ_ALL_EVENTS.toLocaleString('en-US')} events`,
  );
  console.log(table(rows));
  console.log(
    [
      `Single-event rows: every 4th append opens a new stream (expected: no stream), the rest go to the writer's own existing streams with the expected version; ${WRITERS} writers = ${WRITERS} concurrent loops.`,
      'PGlite has one connection: its 8-writer row is 8 loops whose queries run one at a time.',
      'Peer read-all: emmett-postgresql readMessagesBatch(dumbo(...).execute, { after, batchSize }). Pool size 10 on both PostgreSQL stores.',
      `Event: PaymentSucceeded, 11 string fields (amount "123.45"), metadata { correlationId, actor, channel }. Whole run: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s.`,
      ...loads,
    ]
      .map((s) => `- ${s}`)
      .join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
