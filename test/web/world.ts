// A workbench world for the browser tests and bench/web.ts: a fresh PostgreSQL database, simulated hospital
// days imported and reconciled (as `ledger demo` does), staff accounts of every role, and the real server
// (built workbench included) listening on a loopback port. Needs no vitest: the bench uses it too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openLedger } from '../../src/adapters/event-store/open.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { MemoryNonceStore } from '../../src/adapters/nonce/memory.ts';
import { createStaffUser } from '../../src/app/staff/accounts.ts';
import { staffPortsOf } from '../../src/app/staff/ports.ts';
import { SqlClientStore } from '../../src/adapters/clients/sql-client-store.ts';
import { generateMasterKey, parseMasterKeys } from '../../src/adapters/secrets/keyring.ts';
import { keyringSealer } from '../../src/adapters/secrets/sealer.ts';
import { ClientRegistry } from '../../src/app/clients.ts';
import { type App, buildServer } from '../../src/bus/server.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import type { HospitalId } from '../../src/domain/ids.ts';
import type { StaffRole } from '../../src/domain/staff/index.ts';
import { ensureReadModels } from '../../src/projections/index.ts';
import { catchUp } from '../../src/app/reconciliation/catch-up.ts';
import { importScenarioFiles, reconcileScenario, simulateDay } from '../../src/simulation/scenario.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const WEB_HOSPITAL = 'H001';
export const WEB_PASSWORD = 'correct horse battery staple';

export const WEB_USERS: readonly { username: string; role: StaffRole; displayName: string }[] = [
  { username: 'clerk', role: 'finance-clerk', displayName: '王会计' },
  { username: 'clerk2', role: 'finance-clerk', displayName: '赵出纳' },
  { username: 'super', role: 'finance-supervisor', displayName: '李主管' },
  { username: 'super2', role: 'finance-supervisor', displayName: '孙主管' },
  { username: 'auditor', role: 'auditor', displayName: '周审计' },
  { username: 'admin', role: 'administrator', displayName: '陈管理员' },
];

export interface WebWorld {
  url: string;
  app: App;
  dates: string[];
  /** With `holdLast`: the last date's statement files, written but neither imported nor reconciled. */
  held: { path: string; name: string; format: string }[];
  ledger: Awaited<ReturnType<typeof openLedger>>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Business dates simulated, each imported and reconciled. */
  dates: string[];
  /** Orders per simulated date. */
  orders: number;
  anomalies?: number;
  label?: string;
  /** Simulate the last date's orders but leave its statement files unimported (listed in `held`). */
  holdLast?: boolean;
  onStep?: (message: string) => void;
}

/** Dates `from` … `from + n - 1` (yyyy-MM-dd). */
export function datesFrom(from: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  for (let i = 0; i < n; i++) {
    out.push(new Date(d.getTime() + i * 86_400_000).toISOString().slice(0, 10));
  }
  return out;
}

export async function startWebWorld(o: WorldOptions): Promise<WebWorld> {
  const name = `web_${(o.label ?? 'world').replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const step = o.onStep ?? (() => {});
  step(`database ${name}: migrating`);
  const ledger = await openLedger(
    { url: url.toString() },
    { migrate: true, prepare: ensureReadModels, upcasters: UPCASTERS },
  );
  const dir = await mkdtemp(join(tmpdir(), 'ledger-web-'));
  const held: WebWorld['held'] = [];
  try {
    for (const [i, date] of o.dates.entries()) {
      const last = i === o.dates.length - 1 && o.holdLast === true;
      step(`simulating ${date} (${o.orders} orders)`);
      const sim = await simulateDay(
        { store: ledger.store, db: ledger.database.db, leases: ledger.database },
        {
          hospitalId: WEB_HOSPITAL,
          date,
          orders: o.orders,
          anomalies: o.anomalies ?? 12,
          seed: `web-${date}`,
        },
        join(dir, date),
      );
      if (last) {
        for (const f of sim.manifest.files)
          held.push({ path: join(dir, date, f.file), name: f.file, format: f.format });
        continue;
      }
      await importScenarioFiles(ledger, sim.manifest, join(dir, date));
      await reconcileScenario(
        { store: ledger.store, db: ledger.database.db },
        sim.manifest,
        sim.day.answerKey,
        undefined,
        { cases: sim.day.cases },
      );
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  await catchUp({ store: ledger.store, db: ledger.database.db });
  const logger = createLogger({ name: 'web-world', level: 'silent' });
  const keyring = parseMasterKeys(generateMasterKey());
  const app = await buildServer({
    store: ledger.store,
    database: ledger.database,
    clients: new ClientRegistry(new SqlClientStore(ledger.database.db), keyringSealer(keyring)),
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger,
  });
  const staff = staffPortsOf(
    { store: ledger.store, db: ledger.database.db, now: () => new Date(), logger },
    ledger.database,
  );
  for (const u of WEB_USERS)
    await createStaffUser(
      staff,
      { hospitalId: WEB_HOSPITAL as HospitalId, ...u, password: WEB_PASSWORD },
      { actor: { kind: 'system', id: 'web-world' } },
    );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    dates: o.dates,
    held,
    ledger,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
      await ledger.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
