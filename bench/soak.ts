// Soak: one `ledger serve` (bus, projections, reactions) on a fresh PostgreSQL database under a steady load
// of kiosk orders (create, pay; every third a deposit top-up) for N minutes, printing a row every interval:
// throughput, latency percentiles, projection and reaction lag, the server's memory — to show that nothing
// grows without bound. Figures come from the client's clock and the server's own /metrics.
//
//   npx tsx bench/soak.ts [--minutes 2] [--every 15] [--clients 4]
import { parseArgs } from 'node:util';
import { signRequest } from '../src/bus/auth/index.ts';
import {
  admin,
  call,
  freePort,
  ledgerEnv,
  payment,
  registerKiosk,
  registration,
  scratchDatabase,
  startLedger,
} from '../test/faults/ledger-process.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    every: { type: 'string', default: '15' },
    clients: { type: 'string', default: '4' },
  },
});
const minutes = Number(values.minutes);
const everyMs = Number(values.every) * 1000;
const clients = Number(values.clients);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

const db = await scratchDatabase('bench_soak');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startLedger('serve', ledgerEnv(db.url, { PORT: String(port) }));
try {
  const client = { id: 'kiosk-client', secret: await registerKiosk(base) };
  const signed = (method: string, path: string, body: unknown, idem: string) => {
    const payload = JSON.stringify(body);
    return call(base, method, path, body, {
      ...signRequest({ clientId: client.id, secret: client.secret, method, path, body: payload }),
      'idempotency-key': idem,
    });
  };
  let latencies: number[] = [];
  let commands = 0;
  let failures = 0;
  const timed = async (method: string, path: string, body: unknown, idem: string) => {
    const t0 = performance.now();
    const a = await signed(method, path, body, idem);
    latencies.push(performance.now() - t0);
    commands++;
    if (a.status >= 300) failures++;
  };
  const end = Date.now() + minutes * 60_000;
  const run = `${Date.now().toString(36)}`;
  const load = Array.from({ length: clients }, async (_, w) => {
    for (let i = 0; Date.now() < end; i++) {
      const id = `${run}${w}x${i}`;
      const topUp = i % 3 === 2;
      const amount = topUp ? '300.00' : '25.00';
      if (topUp)
        await timed(
          'POST',
          `/v1/deposits/A${id}/top-ups`,
          { orderId: `O${id}`, patientId: `P${id}`, amount },
          `k-${id}-c`,
        );
      else await timed('POST', '/v1/orders', registration(`O${id}`, `P${id}`), `k-${id}-c`);
      await timed('POST', `/v1/orders/O${id}/payments`, payment(`T${id}`, amount), `k-${id}-p`);
    }
  });
  console.log(
    `soak: ${minutes} min, ${clients} clients, a row every ${everyMs / 1000} s (bus + projections + reactions in one process)`,
  );
  console.log('');
  console.log(
    '| t (s) | commands/s | p50 ms | p95 ms | p99 ms | failed | max projection lag | reaction work pending | RSS MB | heap MB |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const started = Date.now();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, everyMs));
      const window = latencies.sort((a, b) => a - b);
      const n = commands;
      const failed = failures;
      latencies = [];
      commands = 0;
      failures = 0;
      const text = await (await fetch(`${base}/metrics`)).text();
      const lags = [...text.matchAll(/^ledger_projection_lag_events\{[^}]*\} (\d+)$/gm)].map((m) =>
        Number(m[1]),
      );
      const pending = [...text.matchAll(/^ledger_reaction_work\{[^}]*state="pending"\} (\d+)$/gm)].reduce(
        (s, m) => s + Number(m[1]),
        0,
      );
      const rss = metric(text, 'ledger_process_resident_memory_bytes') / 2 ** 20;
      const heap = metric(text, 'ledger_nodejs_heap_size_used_bytes') / 2 ** 20;
      console.log(
        `| ${Math.round((Date.now() - started) / 1000)} | ${(n / (everyMs / 1000)).toFixed(1)} | ${percentile(window, 50).toFixed(0)} | ${percentile(window, 95).toFixed(0)} | ${percentile(window, 99).toFixed(0)} | ${failed} | ${Math.max(0, ...lags)} | ${pending} | ${rss.toFixed(0)} | ${heap.toFixed(0)} |`,
      );
    }
  })();
  await Promise.all(load);
  done = true;
  await sampler;
  const projections = await admin(base, 'GET', '/v1/projections');
  console.log('');
  console.log(
    `after the load: projections ${JSON.stringify(projections.body.projections.map((p: { name: string; lag: string }) => `${p.name}:${p.lag}`))}`,
  );
} finally {
  await server.stop();
  await db.dispose();
}
