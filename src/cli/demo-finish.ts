// What the demo does after reconciling its day, as finance staff and an auditor would the next morning: the
// day's settlement and reconciliation reports as workbooks, a check of the event log's chain, and (on a
// terminal) staff accounts for the workbench, whose password is made for this demo folder and printed.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { anchorWitness, sealKeyConfigFromEnv } from '../adapters/event-store/anchors.ts';
import type { Ledger } from '../adapters/event-store/open.ts';
import { auditVerify } from '../adapters/event-store/verification.ts';
import { createLogger } from '../adapters/log.ts';
import { checkReportRequest, produceReport } from '../app/reports.ts';
import { createStaffUser } from '../app/staff/accounts.ts';
import { staffPortsOf } from '../app/staff/ports.ts';
import type { HospitalId } from '../domain/ids.ts';
import type { StaffRole } from '../domain/staff/index.ts';

/** The reports finance staff print after a reconciled day (日结 and 对账报表). */
export const DEMO_REPORTS = ['daily-settlement', 'reconciliation'] as const;

/** Writes each of DEMO_REPORTS for the day as xlsx into `dir`; answers the files written. */
export async function writeDemoReports(
  ledger: Ledger,
  hospitalId: string,
  date: string,
  dir: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const name of DEMO_REPORTS) {
    const req = checkReportRequest({ name, hospitalId, from: date, to: date, format: 'xlsx' }, new Date());
    const file = join(dir, `${name}-${date}.xlsx`);
    await produceReport({ store: ledger.store, now: () => new Date() }, req, createWriteStream(file));
    files.push(file);
  }
  return files;
}

/** Recomputes every hash, link, seal and stream row of the demo's store. */
export async function verifyDemoChain(
  ledger: Ledger,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; events: number; breaks: number }> {
  const report = await auditVerify(ledger.database, {
    sealWitness: anchorWitness(sealKeyConfigFromEnv(env).anchorDir),
  });
  return { ok: report.ok, events: report.eventsChecked, breaks: report.breakCount };
}

/** The workbench's demo accounts: one per role. */
export const DEMO_USERS: readonly { username: string; role: StaffRole; displayName: string }[] = [
  { username: 'admin', role: 'administrator', displayName: '系统管理员 Administrator' },
  { username: 'supervisor', role: 'finance-supervisor', displayName: '财务主管 Supervisor' },
  { username: 'clerk', role: 'finance-clerk', displayName: '对账会计 Clerk' },
  { username: 'auditor', role: 'auditor', displayName: '审计 Auditor' },
];

/**
 * Makes the demo accounts once per store. Their password is random, kept in `passwordFile` (mode 0600) beside
 * the demo's data: a demo folder is nobody's production, but it is never a password everyone knows.
 */
export async function ensureDemoUsers(
  ledger: Ledger,
  hospitalId: string,
  passwordFile: string,
): Promise<string> {
  let password: string;
  try {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } catch {
    password = `demo-${randomBytes(9).toString('base64url')}`;
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  const ports = staffPortsOf(
    {
      store: ledger.store,
      db: ledger.database.db,
      now: () => new Date(),
      logger: createLogger({ name: 'demo', level: 'warn' }),
    },
    ledger.database,
  );
  for (const u of DEMO_USERS) {
    if (await ports.directory.account(hospitalId, u.username)) continue;
    await createStaffUser(
      ports,
      { hospitalId: hospitalId as HospitalId, ...u, password },
      { actor: { kind: 'system', id: 'demo' } },
    );
  }
  return password;
}
