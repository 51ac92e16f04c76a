// The match book's rules, pure: conservation or a named difference, approval above the threshold by another
// person who is a supervisor, unmatch, and the proposal scorer's bounded subset search.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HospitalId } from '../../../src/domain/ids.ts';
import {
  decideMatchBook,
  evolveMatchBook,
  initialMatchBookState,
  type MatchBookCommand,
  type MatchCandidate,
} from '../../../src/domain/reconciliation/manual-match.ts';
import {
  proposeMatches,
  referenceSimilarity,
  subsetSumming,
} from '../../../src/domain/reconciliation/proposals.ts';
import { ReconciliationRefusal } from '../../../src/domain/reconciliation/refusals.ts';
import { Decimal } from 'decimal.js';
import { FC_SEED } from '../../support/property.ts';

const base = {
  hospitalId: HospitalId('H1'),
  at: new Date('2026-11-21T02:00:00Z'),
  actor: { kind: 'staff', id: 'li' } as const,
  channel: 'wechat',
  businessDate: '2026-11-20',
};
const item = (id: string, type: MatchCandidate['type'], amount: string): MatchCandidate => ({
  discrepancyId: id.padEnd(32, '0'),
  type,
  channel: 'wechat',
  businessDate: '2026-11-20',
  subject: `S-${id}`,
  amount,
  status: 'open',
});
const policy = { approvalThreshold: '1000.00' };
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof ReconciliationRefusal ? e.code : String(e);
  }
  return 'none';
};
const cents = fc.integer({ min: 1, max: 99_999 }).map((c) => new Decimal(c).dividedBy(100).toFixed(2));

describe('manual match, decided', () => {
  it('amounts that conserve match; any other sums are refused unless the difference is named', () => {
    fc.assert(
      fc.property(
        fc.array(cents, { minLength: 1, maxLength: 5 }),
        fc.array(cents, { minLength: 1, maxLength: 5 }),
        (ms, rs) => {
          const items = [
            ...ms.map((a, i) => item(`a${i}`, 'CHANNEL_ONLY', a)),
            ...rs.map((a, i) => item(`b${i}`, 'PLATFORM_ONLY', a)),
          ];
          const c: MatchBookCommand = { ...base, type: 'RequestMatch', items, reason: 'r', policy };
          const sum = (xs: string[]) => xs.reduce((s, x) => s.plus(x), new Decimal(0));
          const diff = sum(ms).minus(sum(rs));
          if (diff.isZero())
            expect(decideMatchBook(c, initialMatchBookState())[0]!.type).toBe('ManualMatchRequested');
          else {
            expect(code(() => decideMatchBook(c, initialMatchBookState()))).toBe('MATCH_NOT_CONSERVED');
            const as = diff.isPositive() ? 'surplus' : 'fee';
            const e = decideMatchBook({ ...c, differenceAs: as }, initialMatchBookState())[0]!;
            expect(e.type === 'ManualMatchRequested' && e.data.difference?.amount).toBe(
              diff.abs().toFixed(2),
            );
            expect(e.type === 'ManualMatchRequested' && e.data.needsApproval).toBe(true);
          }
        },
      ),
      { seed: FC_SEED },
    );
  });

  it('above the threshold a supervisor other than the maker approves; unmatch returns the items', () => {
    const c: MatchBookCommand = {
      ...base,
      type: 'RequestMatch',
      items: [item('a', 'CHANNEL_ONLY', '1500.00'), item('b', 'PLATFORM_ONLY', '1500.00')],
      reason: 'kiosk',
      policy,
    };
    let s = initialMatchBookState();
    const asked = decideMatchBook(c, s);
    expect(asked.map((e) => e.type)).toEqual(['ManualMatchRequested']);
    for (const e of asked) s = evolveMatchBook(s, e);
    const matchId = Object.keys(s.matches)[0]!;
    expect(code(() => decideMatchBook({ ...c, type: 'RequestMatch' }, s))).toBe('MATCH_ITEM_IN_MATCH');
    const approve = { ...base, type: 'ApproveMatchDecision' as const, matchId };
    expect(code(() => decideMatchBook({ ...approve, role: 'finance-supervisor' }, s))).toBe(
      'APPROVAL_BY_MAKER',
    );
    const wang = { kind: 'staff', id: 'wang' } as const;
    expect(code(() => decideMatchBook({ ...approve, actor: wang, role: 'finance-clerk' }, s))).toBe(
      'APPROVER_NOT_SUPERVISOR',
    );
    for (const e of decideMatchBook({ ...approve, actor: wang, role: 'finance-supervisor' }, s))
      s = evolveMatchBook(s, e);
    expect(s.matches[matchId]).toMatchObject({ status: 'recorded', approvedBy: 'wang' });
    const un = decideMatchBook(
      { ...base, type: 'RequestUnmatch', matchId, reason: 'wrong', policy: { approvalThreshold: '5000' } },
      s,
    );
    expect(un.map((e) => e.type)).toEqual(['UnmatchRequested', 'MatchUndone']);
    for (const e of un) s = evolveMatchBook(s, e);
    expect(s.matches[matchId]!.status).toBe('undone');
    expect(
      code(() => decideMatchBook({ ...base, type: 'RequestUnmatch', matchId, reason: 'x', policy }, s)),
    ).toBe('MATCH_NOT_ACTIVE');
  });
});

describe('proposals, scored', () => {
  it('a bounded subset search finds a set adding up to the target, and only such a set', () => {
    fc.assert(
      fc.property(
        fc.array(cents, { minLength: 2, maxLength: 14 }),
        fc.integer({ min: 2, max: 4 }),
        (amounts, k) => {
          const pick = amounts.slice(0, Math.min(k, amounts.length));
          const target = pick.reduce((s, x) => s.plus(x), new Decimal(0));
          const found = subsetSumming(
            amounts.map((amount) => ({ amount })),
            (s) => s.equals(target),
            target,
          );
          expect(found).not.toBeNull();
          expect(found!.reduce((s, i) => s.plus(amounts[i]!), new Decimal(0)).equals(target)).toBe(true);
        },
      ),
      { seed: FC_SEED },
    );
  });

  it('a mangled reference scores above an equal amount alone; a rejected proposal does not return', () => {
    const pool = [
      {
        discrepancyId: 'c1',
        type: 'CHANNEL_ONLY' as const,
        channel: 'wechat',
        businessDate: '2026-11-20',
        subject: 'MZ26112OQK0000001',
        amount: '50.00',
      },
      {
        discrepancyId: 'p1',
        type: 'PLATFORM_ONLY' as const,
        channel: 'wechat',
        businessDate: '2026-11-20',
        subject: 'MZ261120QK0000001',
        amount: '50.00',
      },
      {
        discrepancyId: 'p2',
        type: 'PLATFORM_ONLY' as const,
        channel: 'wechat',
        businessDate: '2026-11-20',
        subject: 'MZ261120QK0000777',
        amount: '50.00',
      },
    ];
    expect(referenceSimilarity('MZ26112OQK0000001', 'MZ261120QK0000001')).toBeGreaterThan(0.9);
    const ps = proposeMatches(pool, new Set());
    expect(ps[0]!.items.map((i) => i.discrepancyId)).toEqual(['c1', 'p1']);
    expect(ps[0]!.score).toBeGreaterThan(ps[1]!.score);
    const again = proposeMatches(pool, new Set([ps[0]!.proposalId]));
    expect(again.map((p) => p.proposalId)).not.toContain(ps[0]!.proposalId);
  });
});
