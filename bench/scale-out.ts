// Scale-out shown: 3 stateless bus processes (`ledger serve`, LEDGER_BACKGROUND=off) and 2 workers
// (`ledger worker`: projections and reactions, one leader each) against one PostgreSQL. Kiosk clients spread
// their commands over the buses (each retry may land on another one); half-way one worker is killed -9 so the
// other takes its leases over. At the end every command is in the ledger exactly once and every deposit
// credit (a reaction) was done exactly once.
//
//   npx tsx bench/scale-out.ts [--clients 4] [--units 20]
import { parseArgs } from 'node:util';
import {
  creditsCaughtUp,
  describeTally,
  freePort,
  type LedgerProcess,
  ledgerEnv,
  newTally,
  notExactlyOnce,
  registerKiosk,
  runWorkload,
  scratchDatabase,
  startLedger,
} from '../test/faults/ledger-process.ts';

const BUSES = 3;
const WORKERS = 2;

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '4' }, units: { type: 'string', default: '20' } },
});
const clients = Number(values.clients);
const units = Number(values.units);

const db = await scratchDatabase('bench_scale_out');
const processes: LedgerProcess[] = [];
try {
  const bases: string[] = [];
  // The first bus migrates the schema; the others start once it has.
  for (let i = 0; i < BUSES; i++) {
    const port = await freePort();
    bases.push(`http://127.0.0.1:${port}`);
    processes.push(
      await startLedger('serve', ledgerEnv(db.url, { PORT: String(port), LEDGER_BACKGROUND: 'off' })),
    );
  }
  const workers: LedgerProcess[] = [];
  for (let i = 0; i < WORKERS; i++) workers.push(await startLedger('worker', ledgerEnv(db.url)));
  processes.push(...workers);
  console.log(`${BUSES} buses (${bases.join(', ')}) and ${WORKERS} workers on one PostgreSQL`);

  const client = { id: 'kiosk-client', secret: await registerKiosk(bases[0]!) };
  const perBus = new Map<string, number>();
  let next = 0;
  const base = () => {
    const b = bases[next++ % BUSES]!;
    perBus.set(b, (perBus.get(b) ?? 0) + 1);
    return b;
  };
  const tally = newTally();
  const total = clients * units * 2;
  let killed = false;
  const started = performance.now();
  const done = await runWorkload({
    base,
    client,
    workers: clients,
    units,
    tally,
    label: `S${Date.now().toString(36)}`,
    onAck: async (acks) => {
      if (!killed && acks >= total / 2) {
        killed = true;
        await workers[0]!.stop('SIGKILL');
        console.log(`worker 1 killed -9 at ${acks}/${total} acknowledged commands`);
      }
    },
  });
  const elapsed = (performance.now() - started) / 1000;
  const caughtUp = await creditsCaughtUp(db.url, done);
  const wrong = await notExactlyOnce(db.url, done);
  const credits = done.filter((u) => u.admissionId).length;
  console.log('');
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| bus processes / workers | ${BUSES} / ${WORKERS} (one worker killed -9 half-way) |`);
  console.log(`| kiosk clients | ${clients} |`);
  console.log(`| commands acknowledged | ${done.length * 2} of ${total} |`);
  console.log(`| requests per bus | ${[...perBus.values()].join(' / ')} |`);
  console.log(`| answers | ${describeTally(tally)} |`);
  console.log(`| commands per second | ${((done.length * 2) / elapsed).toFixed(1)} |`);
  console.log(`| deposit credits (reaction) | ${credits}, caught up: ${caughtUp ? 'yes' : 'NO'} |`);
  console.log(`| lost or doubled | ${wrong.length === 0 ? 'none' : wrong.join('; ')} |`);
  process.exitCode = wrong.length === 0 && caughtUp ? 0 : 1;
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await db.dispose();
}
