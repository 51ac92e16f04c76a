// Manual match and unmatch, proposals and evidence, against real PostgreSQL: the items only a person can settle
// (generated), settled through proposals and manual matches with approval; a re-run keeps what people decided;
// an unmatch gives the day back its figures exactly; a rule-made pair undone stays apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { bufferSource, writeWechatBill } from '../../src/adapters/statements/index.ts';
import { importStatement } from '../../src/adapters/statements/import.ts';
import {
  approveMatchDecision,
  matchItems,
  rejectMatchDecision,
  unmatch,
  unmatchRule,
} from '../../src/app/reconciliation/manual-matching.ts';
import { attachEvidence, listEvidence, readEvidence } from '../../src/app/reconciliation/evidence.ts';
import { acceptProposal, listProposals, rejectProposal } from '../../src/app/reconciliation/proposals.ts';
import {
  dayStatus,
  discrepancyState,
  listDiscrepancies,
  reconcileDay,
} from '../../src/app/reconciliation/index.ts';
import { traceId } from '../../src/app/audit/trace.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { HospitalId } from '../../src/domain/ids.ts';
import { discrepancyDecider, discrepancyIdOf } from '../../src/domain/reconciliation/discrepancy.ts';
import { ReconciliationRefusal } from '../../src/domain/reconciliation/refusals.ts';
import { manualCases } from '../../src/simulation/manual-cases.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { H, local, platformPayment } from './support.ts';

const D = '2026-11-20';
const MCH = '1900000109';
const clerk = 'finance-clerk:li';
const boss = 'finance-supervisor:wang';
let tdb: TestDatabase;
let store: SqlEventStore;
const ports = () => ({ store, db: tdb.database.db });

async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e instanceof ReconciliationRefusal ? e.code : e).toBe(code);
}

beforeAll(async () => {
  tdb = await createPostgresDatabase('manual_match');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
});
afterAll(async () => {
  await store?.close();
  await tdb?.dispose();
});

describe('items only a person can settle, through proposals', () => {
  const date = '2026-11-10';
  const gen = manualCases({ hospitalId: H, channel: 'wechat', businessDate: date, n: 1, feeRate: '0.006' });
  const idOf = (subject: string) =>
    discrepancyIdOf(gen.findings.find((f) => f.subject === subject && f.businessDate === date)!);

  beforeAll(async () => {
    for (const f of gen.findings)
      await handle(store, discrepancyDecider, {
        type: 'RaiseDiscrepancy',
        hospitalId: HospitalId(H),
        at: new Date('2026-11-11T02:00:00Z'),
        actor: { kind: 'system', id: 'reconciliation' },
        discrepancyId: discrepancyIdOf(f),
        finding: f,
        runId: 'gen',
      });
  });

  for (const key of gen.key)
    it(`${key.case}: the best proposal beside the item is the answer key's match`, async () => {
      const first = idOf(key.subjects[0]!);
      const [best] = await listProposals(ports(), { hospitalId: H, discrepancyId: first });
      expect(best, key.case).toBeDefined();
      expect(best!.items.map((i) => i.subject).sort()).toEqual([...key.subjects].sort());
      expect(best!.score).toBeGreaterThanOrEqual(0.5);
      expect(best!.reasons.length).toBeGreaterThan(0);
      expect(best!.difference?.as ?? null).toBe(key.differenceAs);
    });

  it('a proposal is never applied by itself; confirming one is a match, with approval where money is implied', async () => {
    const mangled = gen.key.find((k) => k.case === 'mangled-reference')!;
    const item = idOf(mangled.subjects[0]!);
    expect((await discrepancyState(ports(), H, item)).status).toBe('open');
    const [p] = await listProposals(ports(), { hospitalId: H, discrepancyId: item });
    const m = await acceptProposal(ports(), {
      hospitalId: H,
      discrepancyId: item,
      proposalId: p!.proposalId,
      by: clerk,
    });
    expect(m.status).toBe('recorded');
    expect(m.proposalId).toBe(p!.proposalId);
    for (const s of mangled.subjects)
      expect((await discrepancyState(ports(), H, idOf(s))).status).toBe('matched');

    // The lump sum net of fees names a difference (the fee): a supervisor other than the maker approves.
    const lump = gen.key.find((k) => k.case === 'lump-sum-net-of-fees')!;
    const bank = idOf(lump.subjects[0]!);
    const [lp] = await listProposals(ports(), { hospitalId: H, discrepancyId: bank });
    const waiting = await acceptProposal(ports(), {
      hospitalId: H,
      discrepancyId: bank,
      proposalId: lp!.proposalId,
      by: clerk,
    });
    expect(waiting.status).toBe('awaiting-approval');
    expect(waiting.difference).toMatchObject({ as: 'fee', amount: lump.difference.replace('-', '') });
    expect((await discrepancyState(ports(), H, bank)).status).toBe('open');
    await refusedWith(
      approveMatchDecision(ports(), {
        hospitalId: H,
        matchId: waiting.matchId,
        by: clerk,
        role: 'finance-supervisor',
      }),
      'APPROVAL_BY_MAKER',
    );
    await refusedWith(
      approveMatchDecision(ports(), {
        hospitalId: H,
        matchId: waiting.matchId,
        by: 'finance-clerk:zhao',
        role: 'finance-clerk',
      }),
      'APPROVER_NOT_SUPERVISOR',
    );
    const done = await approveMatchDecision(ports(), {
      hospitalId: H,
      matchId: waiting.matchId,
      by: boss,
      role: 'finance-supervisor',
    });
    expect(done).toMatchObject({ status: 'recorded', approvedBy: boss });
    for (const s of lump.subjects)
      expect((await discrepancyState(ports(), H, idOf(s))).status).toBe('matched');
    const fee = await discrepancyState(ports(), H, done.difference!.discrepancyId);
    expect(fee).toMatchObject({ status: 'open', type: 'FEE_MISMATCH', amount: done.difference!.amount });
  });

  it('a rejected proposal does not return', async () => {
    const merged = gen.key.find((k) => k.case === 'merged-refunds')!;
    const item = idOf(merged.subjects[0]!);
    const before = await listProposals(ports(), { hospitalId: H, discrepancyId: item });
    await refusedWith(
      rejectProposal(ports(), {
        hospitalId: H,
        discrepancyId: item,
        proposalId: before[0]!.proposalId,
        by: clerk,
        reason: ' ',
      }),
      'MATCH_REASON_REQUIRED',
    );
    await rejectProposal(ports(), {
      hospitalId: H,
      discrepancyId: item,
      proposalId: before[0]!.proposalId,
      by: clerk,
      reason: 'the channel confirms these are other refunds',
    });
    const after = await listProposals(ports(), { hospitalId: H, discrepancyId: item });
    expect(after.map((p) => p.proposalId)).not.toContain(before[0]!.proposalId);
    // Settled by hand instead: one channel line against the two refunds it merged.
    const m = await matchItems(ports(), {
      hospitalId: H,
      by: clerk,
      discrepancyIds: merged.subjects.map(idOf),
      reason: 'channel ticket 88123: two refunds merged',
    });
    expect(m.status).toBe('recorded');
  });
});

describe('manual match on a reconciled day', () => {
  const ORDER = 'MZ261120QK0000001';
  const MANGLED = 'MZ26112OQK0000001';

  beforeAll(async () => {
    await platformPayment(store, {
      orderId: ORDER,
      txn: 'W-PLAT-1',
      amount: '1250.00',
      at: local(D, '09:00:00'),
    });
    await platformPayment(store, {
      orderId: 'MZ261120QK0000002',
      txn: 'W2',
      amount: '20.00',
      at: local(D, '10:00:00'),
    });
    const bill = writeWechatBill(
      [
        {
          kind: 'payment',
          amount: '1250.00',
          occurredAt: local(D, '09:00:02'),
          channelTxnId: 'W-CH-1',
          merchantOrderNo: MANGLED,
          fee: '7.50',
          merchantId: MCH,
        },
        {
          kind: 'payment',
          amount: '20.00',
          occurredAt: local(D, '10:00:01'),
          channelTxnId: 'W2',
          merchantOrderNo: 'MZ261120QK0000002',
          fee: '0.12',
          merchantId: MCH,
        },
      ],
      { merchantId: MCH },
    );
    await importStatement({ store }, bufferSource('wechat-1120.csv', bill), { hospitalId: H });
  });

  const figures = async () => {
    const [row] = await dayStatus(ports(), { hospitalId: H, businessDate: D, channel: 'wechat' });
    const { updated_at: _u, runs: _r, last_run_id: _l, ...rest } = row as unknown as Record<string, unknown>;
    return rest;
  };
  const run = () =>
    reconcileDay(ports(), {
      hospitalId: H,
      channel: 'wechat',
      businessDate: D,
      config: { feeRates: { wechat: '0.006' } },
    });
  const open = async () =>
    (await listDiscrepancies(ports(), { hospitalId: H, channel: 'wechat', businessDate: D }))
      .filter((d) => d.status === 'open')
      .map((d) => `${d.type}:${d.subject}`)
      .sort();

  it('matching conserves or names the difference; unmatch restores the figures exactly; a re-run keeps decisions', async () => {
    const first = await run();
    expect(first.findings.map((f) => `${f.type}:${f.subject}`).sort()).toEqual([
      `CHANNEL_ONLY:${MANGLED}`,
      `PLATFORM_ONLY:${ORDER}`,
    ]);
    const before = await figures();
    const ids = first.findings.map((f) => discrepancyIdOf(f));

    // A match of one side only is refused; so is an amount that does not conserve (tested on the domain too).
    await refusedWith(
      matchItems(ports(), { hospitalId: H, by: clerk, discrepancyIds: [ids[0]!], reason: 'x' }),
      'MATCH_TOO_FEW_ITEMS',
    );

    // 1250.00 is above the default threshold: it waits for a supervisor, who may send it back.
    const asked = await matchItems(ports(), {
      hospitalId: H,
      by: clerk,
      discrepancyIds: ids,
      reason: 'kiosk mangled 0 into O',
    });
    expect(asked.status).toBe('awaiting-approval');
    await refusedWith(
      matchItems(ports(), { hospitalId: H, by: 'finance-clerk:zhao', discrepancyIds: ids, reason: 'again' }),
      'MATCH_ITEM_IN_MATCH',
    );
    const sentBack = await rejectMatchDecision(ports(), {
      hospitalId: H,
      matchId: asked.matchId,
      by: boss,
      role: 'finance-supervisor',
      reason: 'ask the kiosk log first',
    });
    expect(sentBack.status).toBe('rejected');
    expect(await figures()).toEqual(before);

    const again = await matchItems(ports(), {
      hospitalId: H,
      by: clerk,
      discrepancyIds: ids,
      reason: 'kiosk log shows the order',
    });
    const m = await approveMatchDecision(ports(), {
      hospitalId: H,
      matchId: again.matchId,
      by: boss,
      role: 'finance-supervisor',
    });
    expect(m.status).toBe('recorded');
    expect(await open()).toEqual([]);
    const matched = await figures();
    expect(matched).toMatchObject({ discrepancies_open: 0, discrepancies_resolved: 2, state: 'balanced' });

    // Evidence on the match: type by magic bytes, stored by hash, listed, downloaded as stored.
    const pdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n');
    const [ev] = await attachEvidence(ports(), {
      hospitalId: H,
      by: clerk,
      matchId: m.matchId,
      file: '../../kiosk "log".pdf',
      bytes: pdf,
    });
    expect(ev).toMatchObject({ contentType: 'application/pdf', bytes: pdf.length, file: 'kiosk _log_.pdf' });
    await refusedWith(
      attachEvidence(ports(), {
        hospitalId: H,
        by: clerk,
        matchId: m.matchId,
        file: 'x.pdf',
        bytes: new TextEncoder().encode('MZ\x90\x00 not a pdf'),
      }),
      'EVIDENCE_TYPE_REFUSED',
    );
    expect((await listEvidence(ports(), { hospitalId: H, matchId: m.matchId })).map((e) => e.sha256)).toEqual(
      [ev!.sha256],
    );
    expect(Buffer.from((await readEvidence(ports(), H, ev!.sha256)).bytes)).toEqual(Buffer.from(pdf));

    // The trace of the order shows the match and the evidence on its item.
    const trace = await traceId(tdb.database, store, ORDER, H);
    expect(trace.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['DiscrepancyMatched', 'EvidenceAttached']),
    );

    // A re-run finds the same differences and keeps them matched.
    const rerun = await run();
    expect(rerun.discrepancies.open).toEqual([]);
    expect(await open()).toEqual([]);
    expect(await figures()).toEqual(matched);

    // Unmatch (above the threshold: approved) gives the day back exactly what it had.
    const u = await unmatch(ports(), {
      hospitalId: H,
      matchId: m.matchId,
      by: clerk,
      reason: 'wrong order after all',
    });
    expect(u.pending?.kind).toBe('unmatch');
    const undone = await approveMatchDecision(ports(), {
      hospitalId: H,
      matchId: m.matchId,
      by: boss,
      role: 'finance-supervisor',
    });
    expect(undone.status).toBe('undone');
    expect(await figures()).toEqual(before);
  });

  it('a match that does not conserve is refused, or raises its named difference (withdrawn on unmatch)', async () => {
    const items = (
      await listDiscrepancies(ports(), { hospitalId: H, channel: 'wechat', businessDate: D })
    ).filter((d) => d.status === 'open');
    const before = await figures();
    // A platform record one yuan short of the channel line.
    const f = {
      type: 'PLATFORM_ONLY' as const,
      hospitalId: H,
      channel: 'wechat',
      businessDate: D,
      subject: 'MZ261120QK0000077',
      amount: '1249.00',
      amounts: { platform: '1249.00' },
      reason: 'test',
      sources: [{ party: 'platform' as const, ref: 'pay:X' }],
    };
    await handle(store, discrepancyDecider, {
      type: 'RaiseDiscrepancy',
      hospitalId: HospitalId(H),
      at: new Date(),
      actor: { kind: 'system', id: 't' },
      discrepancyId: discrepancyIdOf(f),
      finding: f,
      runId: 't',
    });
    const withSmall = await figures();
    const channelLine = items.find((d) => d.type === 'CHANNEL_ONLY')!.discrepancy_id;
    await refusedWith(
      matchItems(ports(), {
        hospitalId: H,
        by: clerk,
        discrepancyIds: [channelLine, discrepancyIdOf(f)],
        reason: 'close enough',
      }),
      'MATCH_NOT_CONSERVED',
    );
    await refusedWith(
      matchItems(ports(), {
        hospitalId: H,
        by: clerk,
        discrepancyIds: [channelLine, discrepancyIdOf(f)],
        reason: 'x',
        differenceAs: 'fee',
      }),
      'MATCH_DIFFERENCE_WRONG_WAY',
    );
    const m = await matchItems(ports(), {
      hospitalId: H,
      by: clerk,
      discrepancyIds: [channelLine, discrepancyIdOf(f)],
      reason: 'one yuan over',
      differenceAs: 'surplus',
      policy: { approvalThreshold: '100000.00' },
    });
    // Any difference needs a supervisor.
    expect(m.status).toBe('awaiting-approval');
    const ok = await approveMatchDecision(ports(), {
      hospitalId: H,
      matchId: m.matchId,
      by: boss,
      role: 'finance-supervisor',
    });
    expect(ok.difference).toMatchObject({ as: 'surplus', amount: '1.00' });
    expect((await discrepancyState(ports(), H, ok.difference!.discrepancyId)).status).toBe('open');
    await unmatch(ports(), {
      hospitalId: H,
      matchId: m.matchId,
      by: clerk,
      reason: 'undo',
      policy: { approvalThreshold: '100000.00' },
    });
    expect((await discrepancyState(ports(), H, ok.difference!.discrepancyId)).status).toBe('withdrawn');
    expect(await figures()).toEqual(withSmall);
    expect(before).toMatchObject({ discrepancies_open: 2 });
  });

  it('a pair the rules made can be undone: both sides stand apart in every later run', async () => {
    const before = (await run()).matched;
    const u = await unmatchRule(ports(), {
      hospitalId: H,
      channel: 'wechat',
      businessDate: D,
      subject: 'MZ261120QK0000002',
      by: clerk,
      reason: 'the HIS says this is another patient',
    });
    expect(u).toMatchObject({ origin: 'rule', status: 'undone' });
    expect(await open()).toContain('CHANNEL_ONLY:MZ261120QK0000002');
    expect(await open()).toContain('PLATFORM_ONLY:MZ261120QK0000002');
    const later = await run();
    expect(later.matched.count).toBe(before.count - 1);
    expect(
      later.findings
        .filter((f) => f.subject === 'MZ261120QK0000002')
        .map((f) => f.type)
        .sort(),
    ).toEqual(['CHANNEL_ONLY', 'PLATFORM_ONLY']);
    await refusedWith(
      unmatchRule(ports(), {
        hospitalId: H,
        channel: 'wechat',
        businessDate: D,
        subject: 'MZ261120QK0000002',
        by: clerk,
        reason: 'again',
      }),
      'RULE_MATCH_ALREADY_UNDONE',
    );
  });
});
