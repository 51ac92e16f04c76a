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
