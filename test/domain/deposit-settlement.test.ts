import { describe, expect, it } from 'vitest';
import type { DepositState } from '../../src/domain/deposit/types.ts';
import type { SettlementState } from '../../src/domain/settlement/types.ts';
import { cmd } from '../generators/builders.ts';
import { stateAfter, when } from './helpers.ts';

const top = cmd.topUpDeposit();

describe('deposit account of an admission', () => {
  it('TopUpDeposit credits the balance; the same top-up again is a no-op', () => {
    expect(when([], top)[0]).toMatchObject({
      type: 'DepositToppedUp',
      data: { amount: '2000.00', balanceAfter: '2000.00', channel: 'wechat' },
    });
    expect(when([top], top)).toEqual([]);
    const two = stateAfter<DepositState>(
      top,
      cmd.topUpDeposit({ orderId: 'D2', channelTxnId: 'TD2', amount: '500.00' }),
    );
    expect(two.balance.toString()).toBe('2500.00');
  });

  it('ApplyDepositAtDischarge applies charges once and settles the account', () => {
    expect(when([top], cmd.applyDeposit())[0]).toMatchObject({
      type: 'DepositApplied',
      data: { amount: '1500.00', balanceAfter: '500.00' },
    });
    expect(when([top, cmd.applyDeposit()], cmd.applyDeposit())).toEqual([]);
    expect(stateAfter<DepositState>(top, cmd.applyDeposit()).settled).toBe(true);
  });

  it('RefundDepositRemainder returns the rest to the channel and account of the top-up', () => {
    const [e] = when([top, cmd.applyDeposit()], cmd.refundDepositRemainder());
    expect(e).toMatchObject({
      type: 'DepositRemainderRefunded',
      data: {
        amount: '500.00',
        balanceAfter: '0.00',
        channel: 'wechat',
        channelTxnId: 'TD1',
        topUpOrderId: 'D1',
      },
    });
    expect(
      when([top, cmd.applyDeposit(), cmd.refundDepositRemainder()], cmd.refundDepositRemainder()),
    ).toEqual([]);
  });

  it('a top-up arriving after discharge is accepted and can be refunded as remainder', () => {
    const late = cmd.topUpDeposit({ orderId: 'D2', channelTxnId: 'TD2', amount: '100.00' });
    const s = stateAfter<DepositState>(top, cmd.applyDeposit({ amount: '2000.00' }), late);
    expect(s.balance.toString()).toBe('100.00');
    expect(
      when(
        [top, cmd.applyDeposit({ amount: '2000.00' }), late],
        cmd.refundDepositRemainder({ topUpOrderId: 'D2', amount: '100.00' }),
      ),
    ).toHaveLength(1);
  });
});

describe('channel fees and settlements', () => {
  it('RecordChannelFee records a fee line once', () => {
    expect(when([], cmd.recordFee())[0]).toMatchObject({
      type: 'ChannelFeeRecorded',
      data: { amount: '0.15', businessDate: '2024-05-01', channelTxnId: null },
    });
    expect(when([cmd.recordFee()], cmd.recordFee())).toEqual([]);
  });

  it('RecordChannelSettlement records the net transfer to the bank once', () => {
    expect(when([], cmd.recordSettlement())[0]).toMatchObject({
      type: 'ChannelSettlementReceived',
      data: { amount: '24.85', bankAccount: 'ICBC-001' },
    });
    expect(when([cmd.recordSettlement()], cmd.recordSettlement())).toEqual([]);
    const s = stateAfter<SettlementState>(cmd.recordFee(), cmd.recordSettlement());
    expect([s.totalFees.toString(), s.totalSettled.toString()]).toEqual(['0.15', '24.85']);
  });
});
