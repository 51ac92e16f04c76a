import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import {
  type DiscrepancyCommand,
  discrepancyDecider,
  discrepancyIdOf,
  type DiscrepancyState,
} from '../../src/domain/reconciliation/discrepancy.ts';
import type { DiscrepancyEvent } from '../../src/domain/reconciliation/events.ts';
import type { Finding } from '../../src/domain/reconciliation/types.ts';
import { HospitalId } from '../../src/domain/ids.ts';
import { postingsFor } from '../../src/domain/ledger/index.ts';

const finding: Finding = {
  type: 'PLATFORM_ONLY',
  hospitalId: 'H1',
  channel: 'wechat',
  businessDate: '2026-11-28',
  subject: 'MZ261128QK0000001',
  amount: '25.00',
  amounts: { platform: '25.00' },
  reason: 'the platform has a payment the channel statement does not',
  sources: [{ party: 'platform', ref: '42' }],
};
const id = discrepancyIdOf(finding);
const base = { hospitalId: HospitalId('H1'), discrepancyId: id, at: new Date('2026-11-29T02:00:00Z') };
const system = { kind: 'system', id: 'reconciliation' } as const;
const clerk = { kind: 'staff', id: 'clerk-1' } as const;

function run(commands: DiscrepancyCommand[]): { events: DiscrepancyEvent[]; state: DiscrepancyState } {
  const events: DiscrepancyEvent[] = [];
  let state = discrepancyDecider.initialState();
  for (const c of commands) {
    const produced = discrepancyDecider.decide(c, state);
    events.push(...produced);
    state = fold(discrepancyDecider, produced, state);
  }
  return { events, state };
}

const raise = (runId: string): DiscrepancyCommand => ({
  ...base,
  actor: system,
  type: 'RaiseDiscrepancy',
  finding,
  runId,
});
const autoResolve = (runId: string): DiscrepancyCommand => ({
  ...base,
  actor: system,
  type: 'AutoResolveDiscrepancy',
  rule: 'no-longer-found',
  reason: 'not found by the latest run',
  runId,
});

describe('discrepancy lifecycle across re-runs', () => {
  it('a difference a rule closed opens again when a later run finds it again, once', () => {
    const { events, state } = run([raise('r1'), autoResolve('r2'), raise('r3'), raise('r4')]);
    expect(events.map((e) => e.type)).toEqual([
      'DiscrepancyRaised',
      'DiscrepancyAutoResolved',
      'DiscrepancyReopened',
    ]);
    expect(state.status).toBe('open');
    expect(state.autoRule).toBeNull();
  });

  it('a difference people resolved stays resolved when it is found again', () => {
    const { events, state } = run([
      raise('r1'),
      { ...base, actor: clerk, type: 'ProposeResolution', action: 'accept', reason: 'known bank delay' },
      raise('r2'),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'DiscrepancyRaised',
      'DiscrepancyResolutionProposed',
      'DiscrepancyResolved',
    ]);
    expect(state.status).toBe('resolved');
  });
});

describe('resolutions that post', () => {
  const checker = { kind: 'staff', id: 'checker-2' } as const;
  const resolveWith = (f: Finding, action: 'adjusting-entry' | 'write-off') => {
    const at = { ...base, discrepancyId: discrepancyIdOf(f) };
    return run([
      { ...at, actor: system, type: 'RaiseDiscrepancy', finding: f, runId: 'r1' },
      { ...at, actor: clerk, type: 'ProposeResolution', action, reason: '核销' },
      { ...at, actor: checker, type: 'ApproveResolution' },
    ]);
  };
  const posted = (events: DiscrepancyEvent[]) => {
    const e = events.find((x) => x.type === 'AdjustingEntryPosted');
    if (e?.type !== 'AdjustingEntryPosted') throw new Error('nothing posted');
    const entry = postingsFor(e)!;
    return { data: e.data, lines: entry.toJSON().lines };
  };
  const channelOnly: Finding = {
    ...finding,
    type: 'CHANNEL_ONLY',
    subject: 'MZ261128QK0000002',
    amounts: { channel: '25.00' },
  };

  it('a write-off books money the records lack as other income, once another user approved it', () => {
    const { events, state } = resolveWith(channelOnly, 'write-off');
    expect(state.status).toBe('resolved');
    const { data, lines } = posted(events);
    expect(data.action).toBe('write-off');
    expect(lines).toEqual([
      { account: 'channel:wechat:clearing', side: 'debit', amount: '25.00' },
      { account: 'writeoff:gain', side: 'credit', amount: '25.00' },
    ]);
  });

  it('a write-off of records the money does not back is a loss taken out of clearing', () => {
    const { lines } = posted(resolveWith(finding, 'write-off').events);
    expect(lines).toEqual([
      { account: 'writeoff:loss', side: 'debit', amount: '25.00' },
      { account: 'channel:wechat:clearing', side: 'credit', amount: '25.00' },
    ]);
  });

  it('an adjusting entry parks the same differences in suspense instead', () => {
    expect(posted(resolveWith(channelOnly, 'adjusting-entry').events).lines).toEqual([
      { account: 'channel:wechat:clearing', side: 'debit', amount: '25.00' },
      { account: 'suspense:unmatched', side: 'credit', amount: '25.00' },
    ]);
    expect(posted(resolveWith(finding, 'adjusting-entry').events).lines).toEqual([
      { account: 'suspense:unmatched', side: 'debit', amount: '25.00' },
      { account: 'channel:wechat:clearing', side: 'credit', amount: '25.00' },
    ]);
  });

  it('a HIS-side difference moves no channel money: neither a write-off nor an adjusting entry is accepted', () => {
    const hisOnly: Finding = { ...finding, type: 'HIS_ONLY', subject: 'his:H9', amounts: { his: '8.00' } };
    for (const action of ['write-off', 'adjusting-entry'] as const)
      expect(() => resolveWith(hisOnly, action)).toThrow(
        expect.objectContaining({ code: 'ADJUSTMENT_NOT_APPLICABLE' }),
      );
  });

  it('the approver of a write-off cannot be the one who proposed it', () => {
    const at = { ...base, discrepancyId: discrepancyIdOf(channelOnly) };
    expect(() =>
      run([
        { ...at, actor: system, type: 'RaiseDiscrepancy', finding: channelOnly, runId: 'r1' },
        { ...at, actor: clerk, type: 'ProposeResolution', action: 'write-off', reason: '核销' },
        { ...at, actor: clerk, type: 'ApproveResolution' },
      ]),
    ).toThrow(expect.objectContaining({ code: 'APPROVAL_BY_MAKER' }));
  });
});

describe('refunding the patient', () => {
  const checker = { kind: 'staff', id: 'checker-2' } as const;
  const propose = (f: Finding) => {
    const at = { ...base, discrepancyId: discrepancyIdOf(f) };
    return run([
      { ...at, actor: system, type: 'RaiseDiscrepancy', finding: f, runId: 'r1' },
      { ...at, actor: clerk, type: 'ProposeResolution', action: 'refund-patient', reason: '原路退回' },
      { ...at, actor: checker, type: 'ApproveResolution' },
    ]);
  };

  it('is a resolution for money a patient paid beyond the records, approved by a second person', () => {
    const paidTwice: Finding = {
      ...finding,
      type: 'DUPLICATE',
      subject: 'dup:O5',
      amounts: { channel: '25.00' },
    };
    const { events, state } = propose(paidTwice);
    expect(state).toMatchObject({ status: 'resolved', approvedBy: 'checker-2' });
    expect(events.at(-1)).toMatchObject({ type: 'DiscrepancyResolved', data: { action: 'refund-patient' } });
  });

  it('is refused where no patient money is held: platform-only, fee, settlement, HIS-only, or the channel took less', () => {
    const cases: Finding[] = [
      finding,
      { ...finding, type: 'FEE_MISMATCH', subject: 'fee:O7' },
      { ...finding, type: 'SETTLEMENT_SHORTFALL', subject: 'settlement:2026-11-28' },
      { ...finding, type: 'HIS_ONLY', subject: 'his:H9' },
      {
        ...finding,
        type: 'AMOUNT_MISMATCH',
        subject: 'O2',
        amounts: { channel: '24.00', platform: '25.00' },
      },
    ];
    for (const f of cases)
      expect(() => propose(f), f.type).toThrow(expect.objectContaining({ code: 'REFUND_NOT_APPLICABLE' }));
    const over: Finding = {
      ...finding,
      type: 'AMOUNT_MISMATCH',
      subject: 'O3',
      amounts: { channel: '26.00', platform: '25.00' },
    };
    expect(propose(over).state.status).toBe('resolved');
  });
});

describe('a difference found again with another amount', () => {
  it('is resolved and posted at the amount found last, not the first', () => {
    const checker = { kind: 'staff', id: 'checker-2' } as const;
    const first: Finding = { ...finding, type: 'SETTLEMENT_SHORTFALL', subject: 'settlement:2026-11-28' };
    const again: Finding = { ...first, amount: '40.00', amounts: { platform: '40.00' } };
    const at = { ...base, discrepancyId: discrepancyIdOf(first) };
    const { events, state } = run([
      { ...at, actor: system, type: 'RaiseDiscrepancy', finding: first, runId: 'r1' },
      {
        ...at,
        actor: system,
        type: 'AutoResolveDiscrepancy',
        rule: 'no-longer-found',
        reason: 'gone',
        runId: 'r2',
      },
      { ...at, actor: system, type: 'RaiseDiscrepancy', finding: again, runId: 'r3' },
      { ...at, actor: clerk, type: 'ProposeResolution', action: 'write-off', reason: '核销' },
      { ...at, actor: checker, type: 'ApproveResolution' },
    ]);
    expect(state.amount).toBe('40.00');
    expect(state.finding?.amount).toBe('40.00');
    const posted = events.find((e) => e.type === 'AdjustingEntryPosted');
    expect(posted).toMatchObject({ data: { amount: '40.00', debitAccount: 'writeoff:loss' } });
  });
});
