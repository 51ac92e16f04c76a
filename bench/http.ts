// HTTP command bus throughput: the full path of a money command (HMAC auth + nonce claim + Idempotency-Key +
// channel admission + decide + append on PostgreSQL) beside a bare fastify route on the same machine in the
// same run (the ceiling), at a fixed rate (1,000/s) and at the maximum rate.
//
//   npx tsx bench/http.ts        (PostgreSQL at 127.0.0.1:5432; BENCH_PG_URL overrides; BENCH_SECONDS=10)
//
// The servers run in a child process so autocannon (in this process) does not share their event loop. The
// command is CreateOrder (a registration, one new order stream per request). HIS writeback and projection
// runners are off: they are not on the request's path. A bench database is created and dropped.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const FIXED_RATE = 1_000;
const CONNECTIONS = 64;
const HOSPITAL = 'H001';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Ready {
  port: number;
  barePort: number;
  clientId: string;
  secret: string;
}

// ---------------------------------------------------------------- child: the servers
async function serveForBench(url: string): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { openLedger } = await import('../src/adapters/event-store/open.ts');
  const { MemoryNonceStore } = await import('../src/adapters/nonce/memory.ts');
  const { createLogger } = await import('../src/adapters/log.ts');
  const { generateMasterKey, parseMasterKeys } = await import('../src/bus/auth/index.ts');
  const { ClientRegistry } = await import('../src/bus/clients.ts');
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
  const clients = new ClientRegistry(ledger.database.db, keyring);
  const app = await buildServer({
    store: ledger.store,
    database: ledger.database,
    clients,
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger: createLogger({ level: 'warn' }),
    staffTokens: parseStaffTokens(`${HOSPITAL}:administrator:bench:${adminToken}`),
  });
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
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await app.close();
    await new Promise((r) => setTimeout(r, 500)); // handlers of requests autocannon abandoned at the end
    await bare.close();
    await ledger.close();
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
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const dbName = `bench_http_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  let child: ChildProcess | undefined;
  try {
    child = fork(fileURLToPath(import.meta.url), ['--serve', url.toString()], {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=tmp/prof'] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Ready>((resolve, reject) => {
      child!.once('message', (m) => resolve(m as Ready));
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
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
    const bus = `http://127.0.0.1:${ready.port}/v1/orders`;
    const bare = `http://127.0.0.1:${ready.barePort}/bare`;
    log('warming up');
    await run('warmup', bus, command, undefined, WARMUP_SECONDS);
    const rows: Row[] = [];
    for (const [scenario, target, setup] of [
      ['bare fastify route (ceiling)', bare, undefined],
      ['full path: CreateOrder', bus, command],
    ] as const) {
      for (const rate of [FIXED_RATE, undefined]) {
        log(`${scenario} at ${rate ?? 'max'} for ${SECONDS}s`);
        rows.push(await run(scenario, target, setup, rate, SECONDS));
      }
    }
    const head = '| scenario | offered | 2xx/s | p50 ms | p99 ms | 2xx | non-2xx | errors |';
    const lines = rows.map(
      (r) =>
        `| ${r.scenario} | ${r.rate} | ${r.rps.toLocaleString('en')} | ${r.p50} | ${r.p99} | ${r.ok} | ${r.non2xx} | ${r.errors} |`,
    );
    process.stdout.write(
      `\nHTTP command bus, ${SECONDS}s per row, ${CONNECTIONS} connections, PostgreSQL ${url.host}, node ${process.version}\n\n${head}\n|---|---|---|---|---|---|---|---|\n${lines.join('\n')}\n`,
    );
  } finally {
    if (child?.connected) {
      child.send('stop');
      await new Promise((r) => child!.once('exit', r));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[2] === '--serve') {
  serveForBench(process.argv[3]!).catch((error: unknown) => {
    process.stderr.write(`bench server: ${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
