// Finance staff's work on a discrepancy, decided by the domain: comments, the checker's rejection (a supervisor
// other than the maker, with a reason), accepting one-sided items as timing differences.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { HospitalId } from '../../src/domain/ids.ts';
import {
  type DiscrepancyCommand,
  type DiscrepancyState,
  discrepancyDecider,
  discrepancyIdOf,
} from '../../src/domain/reconciliation/discrepancy.ts';
import type { DiscrepancyEvent } from '../../src/domain/reconciliation/events.ts';
import type { Finding } from '../../src/domain/reconciliation/types.ts';

const finding = (type: Finding['type']): Finding => ({
  type,
  hospitalId: 'H1',
  channel: 'wechat',
  businessDate: '2026-11-28',
  subject: 'MZ261128QK0000001',
  amount: '25.00',
  amounts: type === 'PLATFORM_ONLY' ? { platform: '25.00' } : { platform: '25.00', channel: '25.00' },
  reason: 'found',
  sources: [{ party: 'platform', ref: 'pay:T1' }],
});
const at = new Date('2026-11-29T02:00:00Z');
const clerk = { kind: 'staff', id: 'finance-clerk:li' } as const;
const wang = { kind: 'staff', id: 'finance-supervisor:wang' } as const;

function given(type: Finding['type'], commands: ((id: string) => DiscrepancyCommand)[]) {
  const f = finding(type);
  const id = discrepancyIdOf(f);
  const base = { hospitalId: HospitalId('H1'), discrepancyId: id, at };
  let state: DiscrepancyState = discrepancyDecider.initialState();
  const all = [
    (): DiscrepancyCommand => ({
      ...base,
      actor: { kind: 'system', id: 'r' },
      type: 'RaiseDiscrepancy',
      finding: f,
      runId: 'r1',
    }),
    ...commands,
  ];
  for (const c of all) state = fold(discrepancyDecider, discrepancyDecider.decide(c(id), state), state);
  return {
    when(c: (b: typeof base) => DiscrepancyCommand): { events: DiscrepancyEvent[]; state: DiscrepancyState } {
      const events = discrepancyDecider.decide(c(base), state);
      return { events, state: fold(discrepancyDecider, events, state) };
    },
    base,
  };
}

const propose =
  (action: 'refund-patient' | 'adjusting-entry', by = clerk) =>
  (id: string): DiscrepancyCommand => ({
    hospitalId: HospitalId('H1'),
    discrepancyId: id,
    at,
    actor: by,
    type: 'ProposeResolution',
    action,
    reason: 'park it',
  });

describe('finance work on a discrepancy', () => {
  it('a comment is recorded and changes nothing else; an empty one is refused', () => {
    const g = given('PLATFORM_ONLY', []);
    const r = g.when((b) => ({
      ...b,
      actor: clerk,
      type: 'CommentOnDiscrepancy',
      text: ' called the bank ',
    }));
    expect(r.events).toEqual([
      {
        type: 'DiscrepancyCommented',
        data: { discrepancyId: g.base.discrepancyId, text: 'called the bank', by: clerk.id },
      },
    ]);
    expect(r.state.status).toBe('open');
    expect(() => g.when((b) => ({ ...b, actor: clerk, type: 'CommentOnDiscrepancy', text: '  ' }))).toThrow(
      expect.objectContaining({ code: 'COMMENT_REQUIRED' }),
    );
  });

  it('a supervisor other than the maker rejects with a reason: the discrepancy is open again', () => {
    const g = given('PLATFORM_ONLY', [propose('adjusting-entry')]);
    const reject = (actor: typeof clerk | typeof wang, reason: string, role?: string) => (b: typeof g.base) =>
      ({ ...b, actor, type: 'RejectResolution', reason, ...(role ? { role } : {}) }) as DiscrepancyCommand;
    expect(() => g.when(reject(clerk, 'no', 'finance-supervisor'))).toThrow(
      expect.objectContaining({ code: 'APPROVAL_BY_MAKER' }),
    );
    expect(() => g.when(reject(wang, 'no', 'finance-clerk'))).toThrow(
      expect.objectContaining({ code: 'APPROVER_NOT_SUPERVISOR' }),
    );
    expect(() => g.when(reject(wang, ' ', 'finance-supervisor'))).toThrow(
      expect.objectContaining({ code: 'REJECTION_REASON_REQUIRED' }),
    );
    const r = g.when(reject(wang, 'ask the bank first', 'finance-supervisor'));
    expect(r.events[0]).toMatchObject({
      type: 'DiscrepancyResolutionRejected',
      data: { by: wang.id, proposedBy: clerk.id },
    });
    expect(r.state).toMatchObject({ status: 'open', proposal: null });
  });

  it('an approver who is not a supervisor is refused', () => {
    const g = given('PLATFORM_ONLY', [propose('adjusting-entry')]);
    expect(() => g.when((b) => ({ ...b, actor: wang, type: 'ApproveResolution', role: 'auditor' }))).toThrow(
      expect.objectContaining({ code: 'APPROVER_NOT_SUPERVISOR' }),
    );
    const r = g.when((b) => ({ ...b, actor: wang, type: 'ApproveResolution', role: 'finance-supervisor' }));
    expect(r.state.status).toBe('resolved');
  });

  it('only one-sided items are accepted as timing differences, with a reason, resolved at once', () => {
    const g = given('PLATFORM_ONLY', []);
    expect(() => g.when((b) => ({ ...b, actor: clerk, type: 'AcceptTimingDifference', reason: '' }))).toThrow(
      expect.objectContaining({ code: 'RESOLUTION_REASON_REQUIRED' }),
    );
    const r = g.when((b) => ({
      ...b,
      actor: clerk,
      type: 'AcceptTimingDifference',
      reason: 'next-day bill',
    }));
    expect(r.events.map((e) => e.type)).toEqual(['DiscrepancyResolutionProposed', 'DiscrepancyResolved']);
    expect(r.state).toMatchObject({ status: 'resolved', resolvedBy: clerk.id });
    const amount = given('AMOUNT_MISMATCH', []);
    expect(() =>
      amount.when((b) => ({ ...b, actor: clerk, type: 'AcceptTimingDifference', reason: 'x' })),
    ).toThrow(expect.objectContaining({ code: 'NOT_A_TIMING_ITEM' }));
  });
});
