// Append and read-all throughput: our event store (PostgreSQL, PGlite in memory, PGlite on disk) side by side
// with the PostgreSQL event store of @event-driven-io/emmett-postgresql, same server, same event shapes.
//
//   npm run bench:append            (PostgreSQL at 127.0.0.1:5432, user postgres; BENCH_PG_URL overrides)
//
// Each store runs in a child process of its own (the peer's dumbo installs process-wide pg type parsers);
// ours and the peer take turns, workload by workload, BENCH_ROUNDS times (default 4, even so that each goes first as often).
// Progress goes to stderr, the table to stdout. Server durability is read, never changed.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openLedger } from '../src/adapters/event-store/open.ts';
import type { NewEvent } from '../src/domain/event-store.ts';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OURS_DB = 'bench_append_ledger';
const PEER_DB = 'bench_append_emmett';
const WRITERS = 8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PAGE = 1_000;
/** Rounds of the compared workloads, ours and the peer in turns. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
/** Every store is topped up to this many events before read-all, so each reads the same amount; 0 skips read-all. */
const READ_ALL_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 100_000);

/** For quick runs while tuning: a comma list of pg, memory, file, peer (default: all). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'pg,memory,file,peer').split(','));
/** For quick runs while tuning: a comma list of workload keys (single1, single8, batch100, batch1000, batch1000x4). */
const WORKLOAD_KEYS = process.env.BENCH_WORKLOADS?.split(',');
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
  // Imported only in the peer's process: dumbo installs process-wide pg type parsers (int8 → BigInt, json(b) →
  // its serializer) when its first pool opens.
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
 * version it last saw. Returns events per second and how many events were appended.
 */
async function appendLoad(
  t: Target,
  writers: number,
  batch: number,
  seconds: number,
): Promise<{ perSecond: number; events: number }> {
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
  return { perSecond: events / ((performance.now() - started) / 1000), events };
}

interface Workload {
  key: 'single1' | 'single8' | 'batch100' | 'batch1000' | 'batch1000x4';
  name: string;
  writers: number;
  batch: number;
}

const WORKLOADS: Workload[] = (
  [
    { key: 'single1', name: 'single-event appends/s, 1 writer', writers: 1, batch: 1 },
    { key: 'single8', name: `single-event appends/s, ${WRITERS} writers`, writers: WRITERS, batch: 1 },
    { key: 'batch100', name: 'events/s, batches of 100 (1 writer)', writers: 1, batch: 100 },
    { key: 'batch1000', name: 'events/s, batches of 1000 (1 writer)', writers: 1, batch: 1_000 },
    { key: 'batch1000x4', name: 'events/s, batches of 1000 (4 writers)', writers: 4, batch: 1_000 },
  ] satisfies Workload[]
).filter((w) => !WORKLOAD_KEYS || WORKLOAD_KEYS.includes(w.key));

// ---- one store per process: the parent sends workloads, the child answers with figures ----------

type TargetKey = 'oursPg' | 'liteMem' | 'liteFile' | 'peer';
type ToChild =
  | { op: 'load'; writers: number; batch: number; seconds: number }
  | { op: 'readAll'; upTo: number }
  | { op: 'stop' };
type FromChild = { ok: true; perSecond: number; events: number } | { ok: false; error: string };

/** Child: opens one store and runs what the parent asks, one request at a time. */
async function serveTarget(key: TargetKey, where: string): Promise<void> {
  const t =
    key === 'peer'
      ? await peer(where)
      : await ours(
          key === 'oursPg'
            ? 'ours PostgreSQL'
            : key === 'liteMem'
              ? 'ours PGlite (memory)'
              : 'ours PGlite (file)',
          key === 'oursPg' ? { url: where } : { dataDir: where },
        );
  let appended = 0;
  const answer = (m: FromChild) => process.send!(m);
  process.on('message', (m: ToChild) => {
    const work = async (): Promise<{ perSecond: number; events: number } | undefined> => {
      if (m.op === 'load') {
        const r = await appendLoad(t, m.writers, m.batch, m.seconds);
        appended += r.events;
        return r;
      }
      if (m.op === 'readAll') {
        for (let i = 0; appended < m.upTo; i++) {
          const n = Math.min(1_000, m.upTo - appended);
          await t.append(`h1/order/fill${process.pid}-${i}`, n, 'new');
          appended += n;
        }
        await t.readAll(); // warm the cache and the code path once
        const started = performance.now();
        const seen = await t.readAll();
        if (seen !== appended)
          log(`${t.label}: WARNING read-all saw ${seen} events, ${appended} were appended`);
        return { perSecond: seen / ((performance.now() - started) / 1000), events: seen };
      }
      await t.close();
      return undefined;
    };
    work().then(
      (r) => (r ? answer({ ok: true, ...r }) : process.exit(0)),
      (error: unknown) => answer({ ok: false, error: String((error as Error).stack ?? error) }),
    );
  });
  answer({ ok: true, perSecond: 0, events: 0 });
}

class Child {
  private readonly process: ChildProcess;
  private readonly replies: ((m: FromChild) => void)[] = [];
  /** The child's first message: its store is open. Awaited before any request. */
  private readonly opened: Promise<unknown>;
  constructor(
    readonly key: TargetKey,
    where: string,
  ) {
    this.process = fork(fileURLToPath(import.meta.url), ['--target', key, where], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (m: FromChild) => this.replies.shift()?.(m));
    this.process.on('exit', (code) => {
      for (const r of this.replies.splice(0)) r({ ok: false, error: `${key} exited with ${code}` });
    });
    this.opened = this.next();
  }
  private next(): Promise<{ perSecond: number; events: number }> {
    return new Promise((resolve, reject) =>
      this.replies.push((m) => (m.ok ? resolve(m) : reject(new Error(m.error)))),
    );
  }
  ready() {
    return this.opened;
  }
  ask(m: ToChild) {
    const reply = this.next();
    this.process.send(m);
    return reply;
  }
  async stop(): Promise<void> {
    if (!this.process.connected) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.send({ op: 'stop' } satisfies ToChild);
    await exited;
  }
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

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

/** Runs `f` on each child of a round, the order alternating between rounds so neither always goes first. */
async function inTurn<T>(
  children: Child[],
  round: number,
  f: (c: Child) => Promise<T>,
): Promise<Map<TargetKey, T>> {
  const out = new Map<TargetKey, T>();
  for (const c of round % 2 ? [...children].reverse() : children) out.set(c.key, await f(c));
  return out;
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
  /** figures[target][workload]: one per round. */
  const figures = new Map<TargetKey, Map<string, number[]>>();
  const note = (key: TargetKey, metric: string, value: number) => {
    const byMetric = figures.get(key) ?? new Map<string, number[]>();
    figures.set(key, byMetric);
    byMetric.set(metric, [...(byMetric.get(metric) ?? []), value]);
  };
  const loads: string[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-append-pglite-'));
  const benchStarted = performance.now();
  const compared: Child[] = [];
  try {
    // Ours and the peer on PostgreSQL run in turns, workload by workload, so a busy spell of the shared
    // machine falls on both; each figure is the median of its rounds, the ratio the median of the rounds' ratios.
    if (ONLY.has('pg')) compared.push(new Child('oursPg', await freshDatabase(OURS_DB)));
    if (ONLY.has('peer')) compared.push(new Child('peer', await freshDatabase(PEER_DB)));
    for (const c of compared) await c.ready();
    log('warm-up');
    for (const c of compared)
      for (const [writers, batch] of [
        [1, 1],
        [WRITERS, 1],
        [1, 100],
      ] as const)
        await c.ask({ op: 'load', writers, batch, seconds: 0.5 });
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(`round ${round + 1}: load average ${loadAverage()} at its start`);
      for (const w of WORKLOADS) {
        log(`round ${round + 1}/${ROUNDS}: ${w.name}, ${SECONDS}s each`);
        const r = await inTurn(compared, round, (c) =>
          c.ask({ op: 'load', writers: w.writers, batch: w.batch, seconds: SECONDS }),
        );
        for (const [key, f] of r) note(key, w.key, f.perSecond);
      }
    }
    if (READ_ALL_EVENTS > 0) {
      log(`read-all of ${READ_ALL_EVENTS} events, pages of ${PAGE}`);
      const reads = await inTurn(compared, 0, (c) => c.ask({ op: 'readAll', upTo: READ_ALL_EVENTS }));
      for (const [key, f] of reads) note(key, 'readAll', f.perSecond);
    }
    for (const c of compared.splice(0)) await c.stop();

    // PGlite (one connection, no peer): one round each, for scale.
    for (const [key, dataDir] of [
      ['liteMem', 'memory://'],
      ['liteFile', path.join(tmp, 'data')],
    ] as const) {
      if (!ONLY.has(key === 'liteMem' ? 'memory' : 'file')) continue;
      log(`${key}: starting PGlite`);
      loads.push(`${key}: load average ${loadAverage()} at its start`);
      const c = new Child(key, dataDir);
      try {
        await c.ready();
        await c.ask({ op: 'load', writers: 1, batch: 1, seconds: 0.5 });
        for (const w of WORKLOADS)
          note(
            key,
            w.key,
            (await c.ask({ op: 'load', writers: w.writers, batch: w.batch, seconds: SECONDS })).perSecond,
          );
        note(key, 'readAll', (await c.ask({ op: 'readAll', upTo: READ_ALL_EVENTS })).perSecond);
      } finally {
        await c.stop();
      }
    }
  } finally {
    for (const c of compared) await c.stop().catch(() => {});
    if (ONLY.has('pg')) await dropDatabase(OURS_DB);
    if (ONLY.has('peer')) await dropDatabase(PEER_DB);
    rmSync(tmp, { recursive: true, force: true });
  }

  const metrics: [string, string][] = [
    ...WORKLOADS.map((w): [string, string] => [w.key, w.name]),
    ['readAll', `read-all events/s (pages of ${PAGE})`],
  ];
  const fig = (key: TargetKey, metric: string) => {
    const xs = figures.get(key)?.get(metric);
    return xs && xs.length > 0 ? median(xs) : undefined;
  };
  const rows = [
    [
      'metric',
      'ours PostgreSQL',
      'peer Emmett PostgreSQL',
      'ratio (ours/peer)',
      'ratio per round',
      'ours PGlite (memory)',
      'ours PGlite (file)',
    ],
    ...metrics.map(([k, name]) => {
      const o = figures.get('oursPg')?.get(k) ?? [];
      const p = figures.get('peer')?.get(k) ?? [];
      const ratios = o.length === p.length && p.length > 0 ? o.map((x, i) => x / p[i]!) : [];
      return [
        name,
        fmt(fig('oursPg', k)),
        fmt(fig('peer', k)),
        ratios.length > 0 ? `${median(ratios).toFixed(2)}×` : 'n/a',
        ratios.length > 1 ? ratios.map((r) => r.toFixed(2)).join(' ') : '',
        fmt(fig('liteMem', k)),
        fmt(fig('liteFile', k)),
      ];
    }),
  ];
  const cpu = os.cpus();
  console.log(
    `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), node ${process.version}, PostgreSQL ${facts.version} ` +
      `(fsync=${facts.fsync}, synchronous_commit=${facts.syncCommit}, wal_sync_method=${facts.walSync}), ` +
      `${SECONDS}s per append figure, ${ROUNDS} rounds, read-all over ${READ_ALL_EVENTS.toLocaleString('en-US')} events`,
  );
  console.log(table(rows));
  console.log(
    [
      `Ours and the peer run in turns (the order alternating by round), each in a process of its own; a figure is the median of its rounds, the ratio the median of the rounds' ratios. PGlite: one round.`,
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

const targetAt = process.argv.indexOf('--target');
(targetAt >= 0
  ? serveTarget(process.argv[targetAt + 1] as TargetKey, process.argv[targetAt + 2]!)
  : main().then(() => process.exit(0))
).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
