import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { depositCreditFor } from '../../src/domain/deposit/index.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { cmd } from '../generators/index.ts';

function stateAfter(commands: Parameters<typeof orderDecider.decide>[0][]) {
  let state = orderDecider.initialState();
  for (const c of commands) state = fold(orderDecider, orderDecider.decide(c, state), state);
  return state;
}

describe('what follows a paid deposit order', () => {
  const at = new Date('2026-11-29T03:00:00Z');

  it('a paid deposit top-up credits its admission with the payment it received', () => {
    const order = stateAfter([
      cmd.createDepositOrder({ orderId: 'YJ1', admissionId: 'ADM-9', amount: '2000.00' }),
      cmd.recordPayment({ orderId: 'YJ1', amount: '2000.00', channelTxnId: 'wx-1', attemptId: null }),
    ]);
    const credit = depositCreditFor('H1', order, at)!;
    expect(credit).toMatchObject({
      type: 'TopUpDeposit',
      admissionId: 'ADM-9',
      orderId: 'YJ1',
      channelTxnId: 'wx-1',
      at,
      actor: { kind: 'system', id: 'deposit-credit' },
    });
    expect(credit.amount.toString()).toBe('2000.00');
  });

  it('an unpaid deposit order or any other order credits nothing', () => {
    expect(depositCreditFor('H1', stateAfter([cmd.createDepositOrder({ orderId: 'YJ2' })]), at)).toBeNull();
    const paidOutpatient = stateAfter([
      cmd.createOutpatient({ orderId: 'MZ1', items: [['RX-1', '10.00']] }),
      cmd.recordPayment({ orderId: 'MZ1', amount: '10.00', channelTxnId: 'wx-2', attemptId: null }),
    ]);
    expect(depositCreditFor('H1', paidOutpatient, at)).toBeNull();
  });
});
