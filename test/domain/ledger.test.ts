import { describe, expect, it } from 'vitest';
import { channelFeeRecordedV1, CURRENT_SCHEMA_VERSION, upcast } from '../../src/domain/events.ts';
import { toNewEvents } from '../../src/domain/decider.ts';
import { RECONCILIATION_SCHEMA_VERSION } from '../../src/domain/reconciliation/events.ts';
import {
  accountOf,
  accounts,
  balancesOf,
  credit,
  debit,
  JournalEntry,
  postingsFor,
  trialBalance,
} from '../../src/domain/ledger/index.ts';
import { Money } from '../../src/domain/money.ts';
import { InvariantViolation } from '../../src/domain/rejection.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import { cmd } from '../generators/builders.ts';
import { given } from './helpers.ts';

function lines(e: DomainEvent): string[] {
  const entry = postingsFor(e);
  return entry
    ? entry.lines.map((l) => `${l.side === 'debit' ? 'Dr' : 'Cr'} ${l.account.code} ${l.amount}`)
    : [];
}

const m = Money.parse;

describe('journal entries', () => {
  it('cannot be built unbalanced, empty, or with a zero or negative line', () => {
    const a = accounts.channelClearing('wechat');
    const b = accounts.revenue('registration');
    expect(() => JournalEntry.create([debit(a, m('1.00')), credit(b, m('0.99'))], 'x')).toThrow(
      InvariantViolation,
    );
    expect(() => JournalEntry.create([debit(a, m('1.00'))], 'x')).toThrow(InvariantViolation);
    expect(() => JournalEntry.create([debit(a, Money.ZERO), credit(b, Money.ZERO)], 'x')).toThrow(
      InvariantViolation,
    );
    expect(() =>
      JournalEntry.create(
        [debit(a, m('-1', { allowNegative: true })), credit(b, m('-1', { allowNegative: true }))],
        'x',
      ),
    ).toThrow(InvariantViolation);
    expect(JournalEntry.create([debit(a, m('1.00')), credit(b, m('1.00'))], 'ok').total.toString()).toBe(
      '1.00',
    );
  });

  it('knows each account kind and normal side', () => {
    expect(accountOf('channel:wechat:clearing')).toMatchObject({ kind: 'asset', normalSide: 'debit' });
    expect(accountOf('patient:ADM-1:deposit')).toMatchObject({ kind: 'liability', normalSide: 'credit' });
    expect(accountOf('revenue:inpatient')).toMatchObject({ kind: 'revenue', normalSide: 'credit' });
    expect(accountOf('fees:alipay')).toMatchObject({ kind: 'expense', normalSide: 'debit' });
    expect(accountOf('bank:ICBC-001').kind).toBe('asset');
    expect(accountOf('suspense:unmatched').kind).toBe('liability');
    expect(() => accountOf('nonsense')).toThrow();
  });
});

describe('posting rules', () => {
  it('a payment debits channel clearing and credits revenue of its business line', () => {
    const w = given(cmd.createRegistration(), cmd.requestPayment(), cmd.recordPayment());
    expect(w.log.flatMap((e) => lines(e as unknown as DomainEvent))).toEqual([
      'Dr channel:wechat:clearing 25.00',
      'Cr revenue:registration 25.00',
    ]);
  });

  it('a deposit top-up credits the patient deposit liability, not revenue; discharge moves it to inpatient revenue; the remainder goes back to clearing', () => {
    const w = given(
      cmd.createDepositOrder(),
      cmd.requestPayment(),
      cmd.recordPayment({ amount: '2000.00', channelTxnId: 'TD1' }),
      cmd.topUpDeposit(),
      cmd.applyDeposit(),
      cmd.refundDepositRemainder(),
    );
    expect(w.log.flatMap((e) => lines(e as unknown as DomainEvent))).toEqual([
      'Dr channel:wechat:clearing 2000.00',
      'Cr patient:ADM-1:deposit 2000.00',
      'Dr patient:ADM-1:deposit 1500.00',
      'Cr revenue:inpatient 1500.00',
      'Dr patient:ADM-1:deposit 500.00',
      'Cr channel:wechat:clearing 500.00',
    ]);
    const b = balancesOf(
      w.log.map((e) => postingsFor(e as unknown as DomainEvent)).filter((x) => x !== null),
    );
    expect(b.get('patient:ADM-1:deposit')?.toString()).toBe('0.00');
    expect(b.get('channel:wechat:clearing')?.toString()).toBe('1500.00');
  });

  it('refunds reverse revenue; a duplicate payment sits in refunds payable until refunded', () => {
    const w = given(
      cmd.createRegistration(),
      cmd.requestPayment(),
      cmd.recordPayment(),
      cmd.recordPayment({ channelTxnId: 'T2' }),
      cmd.requestRefund({ refundId: 'R2', channelTxnId: 'T2' }),
      cmd.verifyRefundIdentity({ refundId: 'R2' }),
      cmd.recordRefundSuccess({ refundId: 'R2' }),
      cmd.requestRefund({ amount: '5.00' }),
      cmd.verifyRefundIdentity(),
      cmd.recordRefundSuccess(),
    );
    const entries = w.log.map((e) => postingsFor(e as unknown as DomainEvent)).filter((x) => x !== null);
    const b = balancesOf(entries);
    expect(b.get('payable:refunds')?.toString()).toBe('0.00');
    expect(b.get('revenue:registration')?.toString()).toBe('20.00');
    expect(b.get('channel:wechat:clearing')?.toString()).toBe('20.00');
    const t = trialBalance(entries);
    expect(t.debits.equals(t.credits)).toBe(true);
  });

  it('fees debit fees:<channel>; the net settlement debits the bank; both credit clearing', () => {
    const w = given(cmd.recordFee(), cmd.recordSettlement());
    expect(w.log.flatMap((e) => lines(e as unknown as DomainEvent))).toEqual([
      'Dr fees:wechat 0.15',
      'Cr channel:wechat:clearing 0.15',
      'Dr bank:ICBC-001 24.85',
      'Cr channel:wechat:clearing 24.85',
    ]);
  });

  it('requests, identity checks, HIS writebacks and deposit top-up records post nothing', () => {
    const w = given(
      cmd.createRegistration(),
      cmd.requestPayment(),
      cmd.recordPayment(),
      cmd.hisWritebackFailure(),
      cmd.requestRefund(),
      cmd.verifyRefundIdentity(),
      cmd.topUpDeposit(),
    );
    const posted = w.log.filter((e) => postingsFor(e as unknown as DomainEvent) !== null).map((e) => e.type);
    expect(posted).toEqual(['PaymentSucceeded']);
  });
});

describe('event versions', () => {
  it('upcasts ChannelFeeRecorded v1 (integer fen) to the current shape on read', () => {
    const v1 = { channel: 'wechat', businessDate: '2024-05-01', feeId: 'F1', feeFen: 15 };
    expect(channelFeeRecordedV1.upcast(v1, {})).toEqual({
      channel: 'wechat',
      businessDate: '2024-05-01',
      feeId: 'F1',
      amount: '0.15',
      channelTxnId: null,
    });
    expect(upcast('ChannelFeeRecorded', 1, v1)).toEqual({
      schemaVersion: 2,
      data: expect.objectContaining({ amount: '0.15' }),
    });
    expect(upcast('OrderCreated', 1, { a: 1 })).toEqual({ schemaVersion: 1, data: { a: 1 } });
    expect(() => upcast('ChannelFeeRecorded', 0, {})).toThrow();
  });

  it('new events carry occurredAt from the command, the current schema version and the actor', () => {
    const c = cmd.recordFee();
    const [e] = toNewEvents(c, given().decide(c).events);
    expect(e).toMatchObject({
      type: 'ChannelFeeRecorded',
      occurredAt: c.at,
      schemaVersion: CURRENT_SCHEMA_VERSION.ChannelFeeRecorded,
      metadata: { actor: 'system:scheduler' },
    });
    // Reconciliation events carry their own catalog's version; types of neither catalog start at 1.
    const [raised, channel] = toNewEvents(c, [
      { type: 'DiscrepancyRaised', data: {} },
      { type: 'ChannelRegistered', data: {} },
    ]);
    expect(raised!.schemaVersion).toBe(RECONCILIATION_SCHEMA_VERSION.DiscrepancyRaised);
    expect(channel!.schemaVersion).toBe(1);
  });
});
