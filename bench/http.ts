// HTTP command bus: the full path of a money command (HMAC auth + nonce claim + Idempotency-Key + channel
// admission + decide + append with the hash chain on PostgreSQL) beside two rows measured in the same run:
// a bare fastify route (the ceiling) and the peer, the same CreateOrder (our order decider) through Emmett's
// CommandHandler on @event-driven-io/emmett-postgresql behind an identical fastify route (same body schema and
// answer, no signature, no idempotency, no hash chain). Each runs at 500, 1,000 and 2,000 requests/s offered and
// at the maximum; then where a command's time goes on our path, at 1,000/s offered.
//
//   npm run bench:http     (PostgreSQL at 127.0.0.1:5432; BENCH_PG_URL overrides; BENCH_SECONDS=10 per row)
//
// Three processes: ours (with the bare route) and the peer each serve from a child of their own (Emmett's
// dumbo installs process-wide pg type parsers, so it never shares a process with our store), and autocannon
// generates the load from this process. The command is CreateOrder (a registration: one new order stream per
// request). HIS writeback and projection runners are off: they are not on the request's path. The bench
// databases are created and dropped.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { EventStore } from '../src/domain/event-store.ts';
import type { OrderCommand, OrderEvent, OrderState } from '../src/domain/order/index.ts';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const RATES = [500, 1_000, 2_000];
/** The offered rate at which the breakdown of our path is taken. */
const BREAKDOWN_RATE = 1_000;
/** Pause around the breakdown's row so that no command of another row is counted in it. */
const DRAIN_MS = 5_000;
const CONNECTIONS = 64;
const HOSPITAL = 'H001';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Ready {
  port: number;
  barePort: number;
  clientId: string;
  secret: string;
}

/** Mean milliseconds per command spent in each phase of our path (see `timePhases`). */
type Breakdown = { commands: number; phases: [string, number][] };

type ToChild = 'stop' | 'reset' | 'report';

// ---------------------------------------------------------------- child: the servers
async function serveForBench(url: string): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { openLedger } = await import('../src/adapters/event-store/open.ts');
  const { MemoryNonceStore } = await import('../src/adapters/nonce/memory.ts');
  const { createLogger } = await import('../src/adapters/log.ts');
  const { generateMasterKey, parseMasterKeys } = await import('../src/adapters/secrets/keyring.ts');
  const { ClientRegistry } = await import('../src/app/clients.ts');
  const { SqlClientStore } = await import('../src/adapters/clients/sql-client-store.ts');
  const { keyringSealer } = await import('../src/adapters/secrets/sealer.ts');
  const { parseStaffTokens } = await import('../src/bus/principal.ts');
  const { buildServer } = await import('../src/bus/server.ts');
  const { UPCASTERS } = await import('../src/domain/events.ts');
  const { ensureReadModels } = await import('../src/projections/index.ts');

  const ledger = await openLedger(
    { url, poolSize: 16 },
    {
      migrate: true,
      prepare: ensureReadModels,
      upcasters: UPCASTERS,
    },
  );
  const keyring = parseMasterKeys(generateMasterKey());
  const adminToken = randomUUID() + randomUUID();
  const clients = new ClientRegistry(new SqlClientStore(ledger.database.db), keyringSealer(keyring));
  const timed = timedStore(ledger.store);
  const { orderDecider } = await import('../src/domain/order/index.ts');
  const decide = orderDecider.decide;
  orderDecider.decide = (command, state) => {
    const t0 = performance.now();
    try {
      return decide(command, state);
    } finally {
      timed.spent.decide += performance.now() - t0;
    }
  };
  const app = await buildServer({
    store: timed.store,
    database: ledger.database,
    clients,
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger: createLogger({ level: 'warn' }),
    staffTokens: parseStaffTokens(`${HOSPITAL}:administrator:bench:${adminToken}`),
  });
  const timing = timePhases(app, timed.spent);
  const admin = { authorization: `Bearer ${adminToken}` };
  await app.inject({
    method: 'POST',
    url: '/v1/admin/channels',
    headers: admin,
    payload: {
      channelId: 'bench',
      name: 'bench kiosks',
      businessTypes: ['registration', 'outpatient', 'deposit', 'refund'],
      rateLimit: { perSecond: 100_000, burst: 100_000 },
    },
  });
  const reg = await app.inject({
    method: 'POST',
    url: '/v1/admin/clients',
    headers: admin,
    payload: { clientId: 'bench-kiosks', kind: 'kiosk-fleet', channelId: 'bench' },
  });
  const { secret } = reg.json() as { secret: string };
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  const bare = Fastify({ logger: false });
  bare.post('/bare', async () => ({ ok: true }));
  const bareAddress = await bare.listen({ host: '127.0.0.1', port: 0 });
  const ready: Ready = {
    port: Number(new URL(address).port),
    barePort: Number(new URL(bareAddress).port),
    clientId: 'bench-kiosks',
    secret,
  };
  process.send?.(ready);
  process.on('message', async (m: ToChild) => {
    if (m === 'reset') return timing.reset();
    if (m === 'report') return process.send?.(timing.report());
    await app.close();
    await new Promise((r) => setTimeout(r, 500)); // handlers of requests autocannon abandoned at the end
    await bare.close();
    await ledger.close();
    process.exit(0);
  });
}

type Spent = Record<'loadOrder' | 'loadOther' | 'append' | 'idempotency' | 'decide', number>;

/** The store, timing what the command path asks of it (summed over calls). */
function timedStore(store: EventStore): { store: EventStore; spent: Spent } {
  const spent: Spent = { loadOrder: 0, loadOther: 0, append: 0, idempotency: 0, decide: 0 };
  const timed = async <T>(into: keyof Spent, work: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work;
    } finally {
      spent[into] += performance.now() - t0;
    }
  };
  const overrides: Partial<EventStore> = {
    readStream: (stream, options) =>
      timed(stream.includes('/order/') ? 'loadOrder' : 'loadOther', store.readStream(stream, options)),
    appendToStream: (stream, events, options) =>
      timed('append', store.appendToStream(stream, events, options)),
    findIdempotent: (hospitalId, key) => timed('idempotency', store.findIdempotent(hospitalId, key)),
  };
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const own = overrides[name as keyof EventStore];
      if (own) return own;
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, spent };
}

/**
 * Stamps every request at each fastify stage (hooks added after the server's own, so `auth` ends when its
 * authentication and Idempotency-Key check have run) and reports mean milliseconds per command per phase.
 * The parent lets the server drain before `reset` and before `report`, so the store calls summed are those of
 * the commands in the window; the fastify stages count only requests that started after the reset.
 */
function timePhases(app: FastifyInstance, spent: Spent) {
  const stamps = new WeakMap<object, number[]>();
  const sum = { receiveAuth: 0, validate: 0, handler: 0, answer: 0 };
  /** Commands whose handler ran in the window (the store sums are theirs) and those answered in it. */
  let commands = 0;
  let answered = 0;
  let since = performance.now();
  const at = (req: object, i: number) => {
    const s = stamps.get(req);
    if (s) s[i] = performance.now();
  };
  app.addHook('onRequest', async (req) => {
    stamps.set(req, [performance.now(), 0, 0, 0]);
  });
  app.addHook('preValidation', async (req) => at(req, 1));
  app.addHook('preHandler', async (req) => {
    at(req, 2);
    if (stamps.get(req)![0]! >= since) commands++;
  });
  app.addHook('onSend', async (req) => at(req, 3));
  app.addHook('onResponse', async (req) => {
    const s = stamps.get(req);
    if (!s?.[3] || s[0]! < since || !req.url.startsWith('/v1/orders')) return;
    sum.receiveAuth += s[1]! - s[0]!;
    sum.validate += s[2]! - s[1]!;
    sum.handler += s[3]! - s[2]!;
    sum.answer += performance.now() - s[3]!;
    answered++;
  });
  return {
    reset() {
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] = 0;
      for (const k of Object.keys(spent) as (keyof Spent)[]) spent[k] = 0;
      commands = 0;
      answered = 0;
      since = performance.now();
    },
    report(): Breakdown {
      const perCommand = (ms: number) => (commands ? ms / commands : 0);
      const perAnswer = (ms: number) => (answered ? ms / answered : 0);
      const timed = spent.loadOrder + spent.loadOther + spent.append + spent.idempotency + spent.decide;
      const phases: [string, number][] = [
        [
          'receive + auth (body read, signature, nonce, client) + Idempotency-Key',
          perAnswer(sum.receiveAuth),
        ],
        ['body schema validation', perAnswer(sum.validate)],
        ['load: order stream reads', perCommand(spent.loadOrder)],
        ['load: channel settings reads (admission)', perCommand(spent.loadOther)],
        ['idempotency lookups (only a replay pays one)', perCommand(spent.idempotency)],
        ['decide (the order decider)', perCommand(spent.decide)],
        [
          'rest of the handler (command, admission rules, rate limit, await turns)',
          Math.max(0, perAnswer(sum.handler) - perCommand(timed)),
        ],
        [
          'append (validation, event hashing, queue, append_events round trip, commit)',
          perCommand(spent.append),
        ],
        ['answer (serialise + write)', perAnswer(sum.answer)],
      ];
      return { commands, phases: [...phases, ['total', phases.reduce((a, [, ms]) => a + ms, 0)]] };
    },
  };
}

// ---------------------------------------------------------------- child: the peer (Emmett)
async function servePeer(url: string): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const { CommandHandler } = await import('@event-driven-io/emmett');
  const { CreateOrderBody, CommandResultSchema } = await import('../src/bus/schemas.ts');
  const { business } = await import('../src/bus/routes/orders.ts');
  const { orderDecider, orderStreamId, orderView } = await import('../src/domain/order/index.ts');
  const { Money } = await import('../src/domain/money.ts');
  const ids = await import('../src/domain/ids.ts');
  type Event = { type: string; data: Record<string, unknown> };

  const store = getPostgreSQLEventStore(url);
  await store.schema.migrate();
  const handle = CommandHandler<OrderState, Event>({
    evolve: (state, event) => orderDecider.evolve(state, event as unknown as OrderEvent),
    initialState: orderDecider.initialState,
  });
  const app = Fastify({
    logger: false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/orders',
    { schema: { body: CreateOrderBody, response: { 201: CommandResultSchema } } },
    async (req, reply) => {
      const b = req.body;
      const command: OrderCommand = {
        type: 'CreateOrder',
        hospitalId: ids.HospitalId(HOSPITAL),
        at: new Date(),
        actor: { kind: 'bus-client', id: 'bench-kiosks' },
        orderId: ids.OrderId(b.orderId),
        patientId: ids.PatientId(b.patientId),
        amount: Money.parse(b.amount),
        business: business(b.business),
      };
      const r = await handle(store, orderStreamId(HOSPITAL, b.orderId), (state) =>
        orderDecider.decide(command, state),
      );
      return reply.code(201).send({
        order: orderView(r.newState),
        version: Number(r.nextExpectedStreamVersion),
        events: r.newEvents.map((e) => e.type),
      });
    },
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ port: Number(new URL(address).port) });
  process.on('message', async () => {
    await app.close();
    await new Promise((r) => setTimeout(r, 500));
    await store.close();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- parent: load and table
interface Row {
  scenario: string;
  rate: string;
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  ok: number;
  non2xx: number;
  errors: number;
}

async function run(
  scenario: string,
  url: string,
  setup: (() => { path: string; headers: Record<string, string>; body: string }) | undefined,
  rate: number | undefined,
  seconds: number,
): Promise<Row> {
  const options = {
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
    headers: { 'content-type': 'application/json' },
    body: '{}',
    ...(setup
      ? {
          requests: [
            {
              setupRequest: (req: Record<string, unknown>) => {
                const r = setup();
                return { ...req, method: 'POST', path: r.path, headers: r.headers, body: r.body };
              },
            },
          ],
        }
      : {}),
  } as unknown as autocannon.Options;
  const result = await autocannon(options);
  const ok = result['2xx'];
  return {
    scenario,
    rate: rate ? `${rate}/s` : 'max',
    rps: Math.round(ok / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function forkServer(mode: '--serve' | '--serve-peer', url: string): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [mode, url], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=tmp/prof'] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child?.connected) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await exited;
}

/** Lets the commands still in flight on the server finish (autocannon stops waiting at the end of a row). */
const drain = () => new Promise((r) => setTimeout(r, DRAIN_MS));

async function main(): Promise<void> {
  const dbName = `bench_http_${process.pid}`;
  const peerDb = `bench_http_peer_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.query(`CREATE DATABASE ${peerDb}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const peerUrl = new URL(ADMIN_URL);
  peerUrl.pathname = `/${peerDb}`;
  let child: ChildProcess | undefined;
  let peerChild: ChildProcess | undefined;
  const started = performance.now();
  try {
    child = forkServer('--serve', url.toString());
    const ready = await nextMessage<Ready>(child);
    peerChild = forkServer('--serve-peer', peerUrl.toString());
    const peerReady = await nextMessage<{ port: number }>(peerChild);
    const { signRequest } = await import('../src/bus/auth/index.ts');
    let n = 0;
    const runId = Date.now().toString(36);
    const command = () => {
      n++;
      const orderId = `B${runId}-${n}`;
      const body = JSON.stringify({
        orderId,
        patientId: `P${n % 5000}`,
        amount: '25.00',
        business: {
          kind: 'registration',
          mode: 'same-day',
          departmentId: 'D01',
          doctorId: 'DR7',
          slotId: `S${n}`,
          visitDate: '2025-01-15',
        },
      });
      const headers = signRequest({
        clientId: ready.clientId,
        secret: ready.secret,
        method: 'POST',
        path: '/v1/orders',
        body,
      });
      return {
        path: '/v1/orders',
        body,
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `idem-${orderId}` },
      };
    };
    const OURS = 'ours: CreateOrder, full path';
    const PEER = 'peer: CreateOrder, Emmett on PostgreSQL';
    const targets = [
      ['bare fastify route (ceiling)', `http://127.0.0.1:${ready.barePort}/bare`, undefined],
      [OURS, `http://127.0.0.1:${ready.port}/v1/orders`, command],
      [PEER, `http://127.0.0.1:${peerReady.port}/v1/orders`, command],
    ] as const;
    log('warming up');
    for (const [, target, setup] of targets.slice(1))
      await run('warmup', target, setup, undefined, WARMUP_SECONDS);
    const rows: Row[] = [];
    let breakdown: Breakdown | undefined;
    const loads: string[] = [];
    for (const [scenario, target, setup] of targets) {
      loads.push(
        `${scenario}: load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(', ')}`,
      );
      for (const rate of [...RATES, undefined]) {
        log(`${scenario} at ${rate ?? 'max'} for ${SECONDS}s`);
        const timed = scenario === OURS && rate === BREAKDOWN_RATE;
        if (timed) {
          await drain();
          child.send('reset' satisfies ToChild);
        }
        rows.push(await run(scenario, target, setup, rate, SECONDS));
        if (timed) {
          await drain();
          const report = nextMessage<Breakdown>(child);
          child.send('report' satisfies ToChild);
          breakdown = await report;
        }
      }
    }
    const head = '| scenario | offered | 2xx/s | p50 ms | p99 ms | p99.9 ms | 2xx | non-2xx | errors |';
    const lines = rows.map(
      (r) =>
        `| ${r.scenario} | ${r.rate} | ${r.rps.toLocaleString('en')} | ${r.p50} | ${r.p99} | ${r.p999} | ${r.ok} | ${r.non2xx} | ${r.errors} |`,
    );
    const max = (scenario: string) => rows.find((r) => r.scenario === scenario && r.rate === 'max')!.rps;
    const at = (scenario: string, rate: number) =>
      rows.find((r) => r.scenario === scenario && r.rate === `${rate}/s`)!;
    const ratio = max(PEER) ? (max(OURS) / max(PEER)).toFixed(2) : 'n/a';
    const out = [
      `\nHTTP command bus, ${SECONDS}s per row, ${CONNECTIONS} connections, PostgreSQL ${url.host}, node ${process.version}, ${os.cpus().length} cores`,
      '',
      head,
      '|---|---|---|---|---|---|---|---|---|',
      ...lines,
      '',
      `- ours / peer at max: ${ratio}× (target ≥ 1.5×); ours p99 at 1,000/s offered: ${at(OURS, 1_000).p99} ms (target ≤ 50 ms); peer p99 there: ${at(PEER, 1_000).p99} ms`,
      ...loads.map((l) => `- ${l}`),
      `- whole run ${Math.round((performance.now() - started) / 1000)} s`,
    ];
    if (breakdown) {
      const total = breakdown.phases.at(-1)![1];
      out.push(
        '',
        `Where a command's time goes on our path (mean per command, ${breakdown.commands} commands at ${BREAKDOWN_RATE}/s offered; server side, so the load generator's queueing is not in it; a store call's time includes waiting for a pool connection)`,
        '',
        '| phase | ms | share |',
        '|---|--:|--:|',
        ...breakdown.phases.map(
          ([name, ms]) =>
            `| ${name} | ${ms.toFixed(2)} | ${total ? `${Math.round((ms / total) * 100)}%` : ''} |`,
        ),
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stop(child);
    await stop(peerChild);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${peerDb} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[2] === '--serve' || process.argv[2] === '--serve-peer') {
  (process.argv[2] === '--serve' ? serveForBench : servePeer)(process.argv[3]!).catch((error: unknown) => {
    process.stderr.write(`bench server: ${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
