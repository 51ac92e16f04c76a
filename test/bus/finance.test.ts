// Finance staff at work over HTTP, end to end on PostgreSQL: a clerk and a supervisor upload a simulated day's
// statement files (bad ones refused whole), reconcile it, work the worklist, resolve a discrepancy with each
// action (money-moving ones approved by the supervisor: maker-checker), and close a day; and the refusals: a
// clerk approving, a supervisor approving their own proposal, an auditor writing, another hospital's user
// reading, an action on a closed day.
import { readFile, rm, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { MemoryNonceStore } from '../../src/adapters/nonce/memory.ts';
import { generateMasterKey, parseMasterKeys } from '../../src/adapters/secrets/keyring.ts';
import { ClientRegistry } from '../../src/app/clients.ts';
import { SqlClientStore } from '../../src/adapters/clients/sql-client-store.ts';
import { keyringSealer } from '../../src/adapters/secrets/sealer.ts';
import { type App, buildServer } from '../../src/bus/server.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import type { ScenarioManifest } from '../../src/simulation/files.ts';
import { simulateDay } from '../../src/simulation/scenario.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { staffUser } from '../support/staff.ts';

const DATE = '2024-05-01';
/** Bearer tokens of real staff sessions (accounts created, then signed in over HTTP). */
const T = { clerk: '', supervisor: '', supervisor2: '', auditor: '', other: '' };

let tdb: TestDatabase;
let store: SqlEventStore;
let app: App;
let dir: string;
let manifest: ScenarioManifest;

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
type Json = any;

async function call(
  token: string,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null };
}

async function upload(token: string, query: string, bytes: Buffer): Promise<{ status: number; body: Json }> {
  const r = await app.inject({
    method: 'POST',
    url: `/v1/statements?${query}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    payload: bytes,
  });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

/** Polls a job until it ends (the upload answered 202). */
async function jobOutcome(jobId: string): Promise<Json> {
  for (let i = 0; i < 2_000; i++) {
    const r = await call(T.clerk, 'GET', `/v1/jobs/${jobId}`);
    expect(r.status).toBe(200);
    if (r.body.state === 'succeeded' || r.body.state === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`job ${jobId} did not end`);
}

let smallest = 0;

/** The refusal an upload ended with: the answer itself (422), or the outcome of its job (202). */
async function refusalOf(r: { status: number; body: Json }): Promise<Json> {
  if (r.status === 202) {
    const job = await jobOutcome(r.body.jobId);
    expect(job.state).toBe('failed');
    return job.error;
  }
  expect(r.status).toBe(422);
  return r.body;
}

beforeAll(async () => {
  tdb = await createPostgresDatabase('finance');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  dir = await mkdtemp(join(tmpdir(), 'finance-e2e-'));
  const sim = await simulateDay(
    { store, db: tdb.database.db, leases: tdb.database },
    { date: DATE, seed: 'north', orders: 250, anomalies: 18 },
    dir,
  );
  manifest = sim.manifest;
  const H = manifest.hospitalId;
  const sizes = await Promise.all(manifest.files.map(async (f) => (await stat(join(dir, f.file))).size));
  smallest = Math.min(...sizes);
  const keyring = parseMasterKeys(generateMasterKey());
  app = await buildServer({
    store,
    database: tdb.database,
    clients: new ClientRegistry(new SqlClientStore(tdb.database.db), keyringSealer(keyring)),
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger: createLogger({ name: 'finance-test', level: 'silent' }),
    // The smallest file is imported before the answer; every larger one runs as a job.
    asyncUploadBytes: smallest,
    dateOptions: { timeZone: manifest.timeZone },
  });
  const target = { app, database: tdb.database, store };
  T.clerk = (await staffUser(target, { hospitalId: H, username: 'li', role: 'finance-clerk' })).token;
  T.supervisor = (
    await staffUser(target, { hospitalId: H, username: 'wang', role: 'finance-supervisor' })
  ).token;
  T.supervisor2 = (
    await staffUser(target, { hospitalId: H, username: 'chen', role: 'finance-supervisor' })
  ).token;
  T.auditor = (await staffUser(target, { hospitalId: H, username: 'zhao', role: 'auditor' })).token;
  T.other = (
    await staffUser(target, { hospitalId: 'OTHER-H', username: 'sun', role: 'finance-supervisor' })
  ).token;
}, 240_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  await tdb?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function queryOf(f: ScenarioManifest['files'][number]): string {
  const q = new URLSearchParams({ file: f.file, format: f.format, date: f.businessDate });
  if (f.merchantId) q.set('merchant', f.merchantId);
  if (f.channel) q.set('channel', f.channel);
  return q.toString();
}

describe('finance staff over HTTP, a simulated day end to end', () => {
  it('refuses bad files whole, with code, file, line and reason; nothing is written', async () => {
    const wechat = manifest.files.find((f) => f.format === 'wechat')!;
    const bytes = await readFile(join(dir, wechat.file));

    const garbage = await upload(T.clerk, 'file=bill.csv&format=wechat', Buffer.from('not,a\nbill\n'));
    expect(garbage.status).toBe(422);
    expect(garbage.body.code).toMatch(/^STATEMENT_(MALFORMED|TRUNCATED)$/);
    expect(garbage.body.details).toMatchObject({ file: 'bill.csv' });
    expect(typeof garbage.body.details.line).toBe('number');
    expect(garbage.body.details.reason).toBeTruthy();

    // Cut off half-way: the totals block is missing.
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    const truncated = await refusalOf(await upload(T.clerk, queryOf(wechat), Buffer.from(cut)));
    expect(truncated.code).toMatch(/^STATEMENT_(TRUNCATED|MALFORMED|TOTALS_MISMATCH)$/);
    expect(truncated.details.file).toBe(wechat.file);

    const merchant = await refusalOf(
      await upload(T.clerk, queryOf(wechat).replace(/merchant=[^&]+/, 'merchant=9999999999'), bytes),
    );
    expect(merchant.code).toBe('STATEMENT_WRONG_MERCHANT');
    expect(merchant.details.file).toBe(wechat.file);

    const dateError = await refusalOf(
      await upload(T.clerk, queryOf(wechat).replace(DATE, '2024-04-01'), bytes),
    );
    expect(dateError.code).toBe('STATEMENT_WRONG_DATE');
    expect(dateError.details.file).toBe(wechat.file);

    const mapping = await upload(T.clerk, `file=x.csv&mapping=no-such-bank`, bytes);
    expect(mapping.status).toBe(404);
    expect(mapping.body.code).toBe('UNKNOWN_MAPPING');

    const auditor = await upload(T.auditor, queryOf(wechat), bytes);
    expect(auditor.status).toBe(403);

    const list = await call(T.clerk, 'GET', '/v1/statements');
    expect(list.body.statements).toEqual([]);
  });

  it('uploads the day: small files at once, large ones as jobs; the list shows checks and who imported', async () => {
    for (const f of manifest.files) {
      const bytes = await readFile(join(dir, f.file));
      const r = await upload(T.clerk, queryOf(f), bytes);
      if (bytes.length > smallest) {
        expect(r.status).toBe(202);
        const job = await jobOutcome(r.body.jobId);
        expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
        expect(job.result.lines).toBe(f.lines);
        expect(job.createdBy).toBe('li');
      } else {
        expect(r.status).toBe(201);
        expect(r.body.lines).toBe(f.lines);
      }
    }
    // The same bytes again: the original import, nothing new.
    const first = manifest.files.find((f) => f.lines > 0)!;
    const again = await upload(T.supervisor, queryOf(first), await readFile(join(dir, first.file)));
    const againBody = again.status === 202 ? (await jobOutcome(again.body.jobId)).result : again.body;
    expect(againBody.duplicate).toBe(true);

    const list = await call(T.auditor, 'GET', '/v1/statements');
    expect(list.status).toBe(200);
    expect(list.body.statements).toHaveLength(manifest.files.length);
    for (const s of list.body.statements) {
      expect(s.importedBy).toBe('upload:li');
      expect(s.checks.lines).toBe(s.lines);
      expect(['totals', 'none-stated']).toContain(s.checks.kind);
    }
    const other = await call(T.other, 'GET', '/v1/statements');
    expect(other.body.statements).toEqual([]);
  });

  it('reconciles the date over every channel and finds exactly the injected anomalies', async () => {
    const r = await call(T.clerk, 'POST', '/v1/reconciliations', { date: DATE, feeRates: manifest.feeRates });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const channels = [...new Set(manifest.files.map((f) => f.channel).filter((c) => c !== null))].sort();
    expect(r.body.days.map((d: Json) => d.channel).sort()).toEqual(channels);

    const all = await call(T.clerk, 'GET', `/v1/discrepancies?from=${DATE}&to=${DATE}&limit=500`);
    const key = JSON.parse(await readFile(join(dir, manifest.answerKey), 'utf8')) as Json;
    const entries: Json[] = Array.isArray(key) ? key : key.entries;
    // The day is reconciled long after it (the wall clock of this run): an item the key says stays pending (a
    // refund still in flight) is past its deadline now and raised with its real type, besides the key's anomalies.
    const pendingSubjects: string[] = (key.cases ?? [])
      .filter((c: Json) => c.withNextDay === 'pending')
      .map((c: Json) => String(c.subject));
    const isPending = (d: Json) => pendingSubjects.some((p) => String(d.subject).includes(p));
    expect(all.body.discrepancies.filter(isPending)).toHaveLength(pendingSubjects.length);
    expect(
      all.body.discrepancies
        .filter((d: Json) => !isPending(d))
        .map((d: Json) => `${d.type} ${d.subject}`)
        .sort(),
    ).toEqual(entries.map((k) => `${k.type} ${k.subject}`).sort());

    // Cursor pages of 4, sorted by amount descending: every row once, in order.
    const seen: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Json } = await call(
        T.clerk,
        'GET',
        `/v1/discrepancies?from=${DATE}&sort=amount&order=desc&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.discrepancies);
      cursor = page.body.next;
    } while (cursor);
    expect(seen.map((d) => d.discrepancy_id).sort()).toEqual(
      all.body.discrepancies.map((d: Json) => d.discrepancy_id).sort(),
    );
    const amounts = seen.map((d) => Number(d.amount));
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);

    const onlyChannel = await call(T.clerk, 'GET', '/v1/discrepancies?type=CHANNEL_ONLY&status=open');
    expect(onlyChannel.body.discrepancies.length).toBeGreaterThan(0);
    for (const d of onlyChannel.body.discrepancies) expect(d.type).toBe('CHANNEL_ONLY');
    const big = await call(T.clerk, 'GET', '/v1/discrepancies?minAmount=100.00');
    for (const d of big.body.discrepancies) expect(Number(d.amount)).toBeGreaterThanOrEqual(100);
    const one = all.body.discrepancies.find((d: Json) => d.type === 'PLATFORM_ONLY');
    const byRef = await call(T.clerk, 'GET', `/v1/discrepancies?ref=${encodeURIComponent(one.subject)}`);
    expect(byRef.body.discrepancies.map((d: Json) => d.discrepancy_id)).toContain(one.discrepancy_id);

    const bad = await call(T.clerk, 'GET', '/v1/discrepancies?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);

    const days = await call(T.auditor, 'GET', `/v1/days?from=${DATE}`);
    expect(days.body.days).toHaveLength(channels.length);
    for (const d of days.body.days) expect(d.state).toMatch(/^(open|balanced)$/);
  });

  it('shows a discrepancy with the three parties side by side and its order history', async () => {
    const list = await call(T.clerk, 'GET', '/v1/discrepancies?type=HIS_MISSING');
    const d = list.body.discrepancies[0];
    const r = await call(T.auditor, 'GET', `/v1/discrepancies/${d.discrepancy_id}`);
    expect(r.status).toBe(200);
    expect(r.body.discrepancy.type).toBe('HIS_MISSING');
    expect(r.body.history[0].type).toBe('DiscrepancyRaised');
    expect(r.body.parties.platform.movements.length).toBeGreaterThan(0);
    expect(r.body.order.events.map((e: Json) => e.type)).toContain('PaymentSucceeded');

    const amt = (await call(T.clerk, 'GET', '/v1/discrepancies?type=AMOUNT_MISMATCH')).body.discrepancies[0];
    const m = await call(T.clerk, 'GET', `/v1/discrepancies/${amt.discrepancy_id}`);
    const line = [...m.body.parties.channel, ...m.body.parties.his.lines][0];
    expect(line.raw).toBeTruthy();
    expect(line.normalized.amount).toMatch(/^\d+\.\d{2}$/);

    const other = await call(T.other, 'GET', `/v1/discrepancies/${d.discrepancy_id}`);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('DISCREPANCY_NOT_FOUND');
    const otherList = await call(T.other, 'GET', '/v1/discrepancies');
    expect(otherList.body.discrepancies).toEqual([]);
  });

  it('resolves with each action; money moves only after another person, a supervisor, approves', async () => {
    const list = (await call(T.clerk, 'GET', '/v1/discrepancies?status=open&limit=500')).body
      .discrepancies as Json[];
    const ofType = (t: string, n = 0) => list.filter((d) => d.type === t)[n];

    // assign and comment
    const his = ofType('HIS_MISSING');
    expect(
      (
        await call(T.clerk, 'POST', `/v1/discrepancies/${his.discrepancy_id}/assign`, {
          assignee: 'li',
        })
      ).body.status,
    ).toBe('assigned');
    expect(
      (
        await call(T.clerk, 'POST', `/v1/discrepancies/${his.discrepancy_id}/comments`, {
          text: 'HIS confirms the charge is unpaid there',
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(T.clerk, 'POST', `/v1/discrepancies/${his.discrepancy_id}/comments`, { text: '  ' })).body
        .code,
    ).toBe('COMMENT_REQUIRED');

    // a resolution without a reason
    const noReason = await call(T.clerk, 'POST', `/v1/discrepancies/${his.discrepancy_id}/resolution`, {
      action: 'repush-his',
    });
    expect(noReason.status).toBe(422);
    expect(noReason.body.code).toBe('RESOLUTION_REASON_REQUIRED');
    // repush-his (补单): no money moves, resolved at once
    const repush = await call(T.clerk, 'POST', `/v1/discrepancies/${his.discrepancy_id}/resolution`, {
      action: 'repush-his',
      reason: 'pushed again to the HIS',
    });
    expect(repush.body.status).toBe('resolved');

    // accept
    const fee = ofType('FEE_MISMATCH');
    expect(
      (
        await call(T.clerk, 'POST', `/v1/discrepancies/${fee.discrepancy_id}/resolution`, {
          action: 'accept',
          reason: 'rate change agreed with the bank',
        })
      ).body.status,
    ).toBe('resolved');

    // refund-patient: proposed by the clerk, the clerk cannot approve, the supervisor does
    const co = ofType('CHANNEL_ONLY');
    const refund = await call(T.clerk, 'POST', `/v1/discrepancies/${co.discrepancy_id}/resolution`, {
      action: 'refund-patient',
      reason: 'patient paid twice at the kiosk',
    });
    expect(refund.body.status).toBe('proposed');
    const clerkApproves = await call(T.clerk, 'POST', `/v1/discrepancies/${co.discrepancy_id}/approve`, {});
    expect(clerkApproves.status).toBe(403);
    expect(clerkApproves.body.code).toBe('FORBIDDEN_ROLE');
    const approved = await call(T.supervisor, 'POST', `/v1/discrepancies/${co.discrepancy_id}/approve`, {});
    expect(approved.body).toMatchObject({
      status: 'resolved',
      approvedBy: 'wang',
      resolvedBy: 'li',
    });

    // adjusting-entry proposed by a supervisor: they cannot approve it themselves, another supervisor does
    const po = ofType('PLATFORM_ONLY');
    await call(T.supervisor, 'POST', `/v1/discrepancies/${po.discrepancy_id}/resolution`, {
      action: 'adjusting-entry',
      reason: 'park in suspense until the bank answers',
    });
    const own = await call(T.supervisor, 'POST', `/v1/discrepancies/${po.discrepancy_id}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('APPROVAL_BY_MAKER');
    expect(
      (await call(T.supervisor2, 'POST', `/v1/discrepancies/${po.discrepancy_id}/approve`, {})).body.status,
    ).toBe('resolved');

    // write-off: rejected once with a reason (back to work), proposed again, approved
    const ss = ofType('SETTLEMENT_SHORTFALL');
    await call(T.clerk, 'POST', `/v1/discrepancies/${ss.discrepancy_id}/resolution`, {
      action: 'write-off',
      reason: 'bank charge',
    });
    expect(
      (await call(T.supervisor, 'POST', `/v1/discrepancies/${ss.discrepancy_id}/reject`, {})).body.code,
    ).toBe('REJECTION_REASON_REQUIRED');
    const rejected = await call(T.supervisor, 'POST', `/v1/discrepancies/${ss.discrepancy_id}/reject`, {
      reason: 'ask the bank first',
    });
    expect(rejected.body.status).toBe('open');
    await call(T.clerk, 'POST', `/v1/discrepancies/${ss.discrepancy_id}/resolution`, {
      action: 'write-off',
      reason: 'the bank confirms its charge',
    });
    expect(
      (await call(T.supervisor, 'POST', `/v1/discrepancies/${ss.discrepancy_id}/approve`, {})).body.status,
    ).toBe('resolved');

    // the auditor reads everything and writes nothing
    const audit = await call(T.auditor, 'POST', `/v1/discrepancies/${ss.discrepancy_id}/comments`, {
      text: 'looks fine',
    });
    expect(audit.status).toBe(403);
    expect(audit.body.code).toBe('FORBIDDEN_ROLE');
    expect((await call(T.auditor, 'POST', '/v1/reconciliations', { date: DATE })).status).toBe(403);

    // the history shows each step, the posted entries included
    const detail = await call(T.auditor, 'GET', `/v1/discrepancies/${ss.discrepancy_id}`);
    expect(detail.body.history.map((e: Json) => e.type)).toEqual([
      'DiscrepancyRaised',
      'DiscrepancyResolutionProposed',
      'DiscrepancyResolutionRejected',
      'DiscrepancyResolutionProposed',
      'DiscrepancyResolutionApproved',
      'AdjustingEntryPosted',
      'DiscrepancyResolved',
    ]);
  });

  it('accepts timing items in bulk, closes a day, refuses actions on it until reopened with a reason', async () => {
    const channel = manifest.files.find((f) => f.channel !== null)!.channel!;
    const open = (
      await call(T.clerk, 'GET', `/v1/discrepancies?channel=${channel}&status=unresolved&limit=500`)
    ).body.discrepancies as Json[];
    const oneSided = open.filter((d) => d.type === 'CHANNEL_ONLY' || d.type === 'PLATFORM_ONLY');
    const others = open.filter((d) => !oneSided.includes(d));
    if (others.length > 0) {
      // Not one-sided: the whole call is refused and nothing is accepted.
      const mixed = await call(T.clerk, 'POST', '/v1/discrepancies/accept-timing', {
        ids: [...oneSided, others[0]].map((d) => d.discrepancy_id),
        reason: 'next-day bill',
      });
      expect(mixed.body.code).toBe('NOT_A_TIMING_ITEM');
      const still = (
        await call(T.clerk, 'GET', `/v1/discrepancies?channel=${channel}&status=unresolved&limit=500`)
      ).body.discrepancies;
      expect(still).toHaveLength(open.length);
    }
    if (oneSided.length > 0) {
      const r = await call(T.clerk, 'POST', '/v1/discrepancies/accept-timing', {
        ids: oneSided.map((d) => d.discrepancy_id),
        reason: 'the counterpart is on the next day’s bill',
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.accepted.every((s: Json) => s.status === 'resolved')).toBe(true);
    }
    const early = await call(T.clerk, 'POST', `/v1/days/${channel}/${DATE}/close`);
    if (others.length > 0) expect(early.body.code).toBe('DAY_NOT_BALANCED');
    for (const d of others)
      await call(T.clerk, 'POST', `/v1/discrepancies/${d.discrepancy_id}/resolution`, {
        action: 'accept',
        reason: 'checked with the channel',
      });

    const closed = await call(T.clerk, 'POST', `/v1/days/${channel}/${DATE}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.state.status).toBe('closed');
    const days = await call(T.clerk, 'GET', `/v1/days?from=${DATE}&channel=${channel}`);
    expect(days.body.days[0]).toMatchObject({
      state: 'closed',
      closed_by: 'li',
      discrepancies_open: 0,
    });

    const anyId = open[0]?.discrepancy_id;
    if (anyId) {
      const comment = await call(T.clerk, 'POST', `/v1/discrepancies/${anyId}/comments`, {
        text: 'late note',
      });
      expect(comment.status).toBe(409);
      expect(comment.body.code).toBe('DAY_CLOSED');
    }
    const rerun = await call(T.clerk, 'POST', '/v1/reconciliations', { date: DATE, channel });
    expect(rerun.status).toBe(409);
    expect(rerun.body.code).toBe('DAY_CLOSED');
    const again = await call(T.clerk, 'POST', `/v1/days/${channel}/${DATE}/close`);
    expect(again.body.code).toBe('DAY_CLOSED');

    const noReason = await call(T.supervisor, 'POST', `/v1/days/${channel}/${DATE}/reopen`, {});
    expect(noReason.body.code).toBe('REOPEN_REASON_REQUIRED');
    const reopened = await call(T.supervisor, 'POST', `/v1/days/${channel}/${DATE}/reopen`, {
      reason: 'the bank sent a corrected statement',
    });
    expect(reopened.body.state.status).toBe('reconciled');
    const shown = await call(T.auditor, 'GET', `/v1/days/${channel}/${DATE}`);
    expect(shown.body.day).toMatchObject({ reopened: 1 });
  });

  it('documents the finance routes in OpenAPI', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs/json' });
    const paths = Object.keys(JSON.parse(r.body).paths);
    for (const p of [
      '/v1/statements',
      '/v1/jobs/{id}',
      '/v1/reconciliations',
      '/v1/days',
      '/v1/days/{channel}/{date}/close',
      '/v1/discrepancies',
      '/v1/discrepancies/{id}',
      '/v1/discrepancies/{id}/approve',
      '/v1/discrepancies/accept-timing',
    ])
      expect(paths).toContain(p);
  });
});
