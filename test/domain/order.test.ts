import { describe, expect, it } from 'vitest';
import { isPaidNotInHis, orderView } from '../../src/domain/order/index.ts';
import type { OrderState, PaymentSucceeded, RefundRequested } from '../../src/domain/order/types.ts';
import { cmd } from '../generators/builders.ts';
import { given, stateAfter, types, when } from './helpers.ts';

const created = cmd.createRegistration();
const requested = cmd.requestPayment();
const paid = cmd.recordPayment();
const paidOrder = [created, requested, paid];

describe('orders: every command', () => {
  it('CreateOrder books a registration, with department, doctor and slot', () => {
    const [e] = when([], created);
    expect(e).toMatchObject({
      type: 'OrderCreated',
      data: {
        orderId: 'O1',
        amount: '25.00',
        business: { kind: 'registration', mode: 'booked', slotId: 'SLOT-0900' },
      },
    });
  });

  it('CreateOrder for outpatient charges keeps the HIS charge items that sum to the amount', () => {
    const [e] = when([], cmd.createOutpatient());
    expect(e?.data).toMatchObject({
      amount: '42.50',
      business: {
        kind: 'outpatient',
        chargeItems: [{ hisItemId: 'RX-1', amount: '12.50' }, { hisItemId: 'LAB-2' }],
      },
    });
  });

  it('CreateOrder for a deposit top-up names the admission', () => {
    const [e] = when([], cmd.createDepositOrder());
    expect(e?.data).toMatchObject({ business: { kind: 'deposit', admissionId: 'ADM-1' } });
  });

  it('RequestPayment records an attempt; the same attempt again is a no-op', () => {
    expect(types(when([created], requested))).toEqual(['PaymentRequested']);
    expect(when([created, requested], requested)).toEqual([]);
  });

  it('RecordPayment marks the order paid with channel, txn id and the masked payer', () => {
    const [e] = when([created, requested], paid) as [PaymentSucceeded];
    expect(e.type).toBe('PaymentSucceeded');
    expect(e.data).toMatchObject({
      channel: 'wechat',
      channelTxnId: 'T1',
      amount: '25.00',
      payerRef: 'oUpF****x9Q',
      orderKind: 'registration',
    });
    expect(stateAfter<OrderState>(...paidOrder).status).toBe('paid');
  });

  it('a duplicate channel callback (same txn id) changes nothing', () => {
    expect(when(paidOrder, paid)).toEqual([]);
  });

  it('a second, different successful payment is recorded as a duplicate payment owed back, not dropped', () => {
    const [e] = when(paidOrder, cmd.recordPayment({ channelTxnId: 'T2', channel: 'alipay' }));
    expect(e).toMatchObject({
      type: 'DuplicatePaymentReceived',
      data: { reason: 'order-already-paid', channelTxnId: 'T2' },
    });
    const s = stateAfter<OrderState>(
      ...paidOrder,
      cmd.recordPayment({ channelTxnId: 'T2', channel: 'alipay' }),
    );
    expect(orderView(s).owedToPayer).toBe('25.00');
  });

  it('MarkPaymentUnknown parks a kiosk payment until it is confirmed or failed', () => {
    expect(types(when([created, requested], cmd.markPaymentUnknown()))).toEqual(['PaymentStatusUnknown']);
    expect(when([created, requested, cmd.markPaymentUnknown()], cmd.markPaymentUnknown())).toEqual([]);
  });

  it('ConfirmPayment resolves an unknown payment as paid', () => {
    const history = [created, requested, cmd.markPaymentUnknown()];
    expect(when(history, cmd.confirmPayment())[0]).toMatchObject({
      type: 'PaymentConfirmed',
      data: { channel: 'wechat', channelTxnId: 'T1' },
    });
    expect(when([...history, cmd.confirmPayment()], cmd.confirmPayment())).toEqual([]);
  });

  it('RecordPaymentFailure returns the order to awaiting payment; a stale failure is a no-op', () => {
    expect(types(when([created, requested], cmd.recordPaymentFailure()))).toEqual(['PaymentFailed']);
    expect(stateAfter<OrderState>(created, requested, cmd.recordPaymentFailure()).status).toBe(
      'awaiting-payment',
    );
    expect(types(when([created, requested, cmd.markPaymentUnknown()], cmd.recordPaymentFailure()))).toEqual([
      'PaymentFailed',
    ]);
    expect(when(paidOrder, cmd.recordPaymentFailure())).toEqual([]);
  });

  it('CancelOrder before payment just cancels; twice is a no-op', () => {
    expect(when([created], cmd.cancelOrder())[0]).toMatchObject({
      type: 'OrderCancelled',
      data: { wasPaid: false },
    });
    expect(when([created, cmd.cancelOrder()], cmd.cancelOrder())).toEqual([]);
  });

  it('cancelling a paid registration refunds its fee in full to the original channel and account', () => {
    const events = when(paidOrder, cmd.cancelOrder({ refundId: 'R9' }));
    expect(types(events)).toEqual(['OrderCancelled', 'RefundRequested']);
    expect((events[1] as RefundRequested).data).toMatchObject({
      refundId: 'R9',
      amount: '25.00',
      full: true,
      channel: 'wechat',
      channelTxnId: 'T1',
      payerRef: 'oUpF****x9Q',
    });
  });

  it('a late payment for a cancelled order is recorded as owed back', () => {
    const [e] = when([created, requested, cmd.cancelOrder()], paid);
    expect(e).toMatchObject({ type: 'DuplicatePaymentReceived', data: { reason: 'order-cancelled' } });
  });

  it('RequestRefund (partial) holds the amount; the same request again is a no-op', () => {
    const r = cmd.requestRefund({ amount: '10.00' });
    expect(when(paidOrder, r)[0]).toMatchObject({
      type: 'RefundRequested',
      data: { amount: '10.00', full: false, of: 'payment' },
    });
    expect(when([...paidOrder, r], r)).toEqual([]);
  });

  it('a duplicate payment is refunded by naming its transaction', () => {
    const dup = cmd.recordPayment({ channelTxnId: 'T2' });
    const [e] = when([...paidOrder, dup], cmd.requestRefund({ refundId: 'R2', channelTxnId: 'T2' }));
    expect(e).toMatchObject({
      type: 'RefundRequested',
      data: { of: 'duplicate', channelTxnId: 'T2', full: true },
    });
  });

  it('VerifyRefundIdentity records who checked, once', () => {
    const history = [...paidOrder, cmd.requestRefund()];
    expect(when(history, cmd.verifyRefundIdentity())[0]).toMatchObject({
      type: 'RefundIdentityVerified',
      data: { method: 'id-card', verifiedBy: 'clerk-7' },
    });
    expect(when([...history, cmd.verifyRefundIdentity()], cmd.verifyRefundIdentity())).toEqual([]);
  });

  it('RecordRefundSuccess completes a verified refund; the same report again is a no-op', () => {
    const history = [...paidOrder, cmd.requestRefund(), cmd.verifyRefundIdentity()];
    expect(when(history, cmd.recordRefundSuccess())[0]).toMatchObject({
      type: 'RefundSucceeded',
      data: { amount: '25.00', channel: 'wechat' },
    });
    const s = stateAfter<OrderState>(...history, cmd.recordRefundSuccess());
    expect(orderView(s).status).toBe('refunded');
    expect(when([...history, cmd.recordRefundSuccess()], cmd.recordRefundSuccess())).toEqual([]);
  });

  it('a refund requested or completed with its identity check is one decision', () => {
    const identity = { method: 'face' as const, verifiedBy: 'kiosk-01' };
    expect(types(when(paidOrder, { ...cmd.requestRefund(), identity }))).toEqual([
      'RefundRequested',
      'RefundIdentityVerified',
    ]);
    // The same request again, now with its check: only the check is new.
    expect(types(when([...paidOrder, cmd.requestRefund()], { ...cmd.requestRefund(), identity }))).toEqual([
      'RefundIdentityVerified',
    ]);
    const requested = [...paidOrder, cmd.requestRefund()];
    expect(types(when(requested, { ...cmd.recordRefundSuccess(), identity }))).toEqual([
      'RefundIdentityVerified',
      'RefundSucceeded',
    ]);
    // Reported again once done: nothing new, and no refusal for verifying a refund that is no longer pending.
    const done = [...requested, { ...cmd.recordRefundSuccess(), identity }];
    expect(when(done, { ...cmd.recordRefundSuccess(), identity })).toEqual([]);
    // A refused request writes no verification either.
    expect(() => when(paidOrder, { ...cmd.requestRefund({ amount: '99.00' }), identity })).toThrow(
      expect.objectContaining({ code: 'REFUND_EXCEEDS_PAYMENT' }),
    );
  });

  it('RecordRefundFailure frees the amount for another refund', () => {
    const history = [...paidOrder, cmd.requestRefund()];
    expect(types(when(history, cmd.recordRefundFailure()))).toEqual(['RefundFailed']);
    expect(
      types(when([...history, cmd.recordRefundFailure()], cmd.requestRefund({ refundId: 'R2' }))),
    ).toEqual(['RefundRequested']);
    expect(when([...history, cmd.recordRefundFailure()], cmd.recordRefundFailure())).toEqual([]);
  });

  it('a failed HIS writeback leaves the order "paid, not in HIS" until a later success', () => {
    const failed = stateAfter<OrderState>(...paidOrder, cmd.hisWritebackFailure());
    expect(isPaidNotInHis(failed)).toBe(true);
    expect(orderView(failed).his).toBe('failed');
    expect(types(when([...paidOrder, cmd.hisWritebackFailure()], cmd.hisWritebackSuccess()))).toEqual([
      'HisWritebackSucceeded',
    ]);
    expect(
      isPaidNotInHis(
        stateAfter<OrderState>(...paidOrder, cmd.hisWritebackFailure(), cmd.hisWritebackSuccess()),
      ),
    ).toBe(false);
  });

  it('…or until the payment is fully refunded', () => {
    const s = stateAfter<OrderState>(
      ...paidOrder,
      cmd.hisWritebackFailure(),
      cmd.requestRefund(),
      cmd.verifyRefundIdentity(),
      cmd.recordRefundSuccess(),
    );
    expect(isPaidNotInHis(s)).toBe(false);
  });

  it('HIS writeback reports repeat harmlessly', () => {
    expect(when([...paidOrder, cmd.hisWritebackFailure()], cmd.hisWritebackFailure())).toEqual([]);
    expect(
      types(when([...paidOrder, cmd.hisWritebackFailure()], cmd.hisWritebackFailure({ attempt: 2 }))),
    ).toEqual(['HisWritebackFailed']);
    expect(when([...paidOrder, cmd.hisWritebackSuccess()], cmd.hisWritebackSuccess())).toEqual([]);
    expect(when([...paidOrder, cmd.hisWritebackSuccess()], cmd.hisWritebackFailure())).toEqual([]);
  });

  it('concurrent partial refunds that each fit alone cannot together exceed the payment', () => {
    const world = given(...paidOrder);
    const [a, b] = world.executeConcurrently(
      cmd.requestRefund({ refundId: 'Ra', amount: '20.00' }),
      cmd.requestRefund({ refundId: 'Rb', amount: '20.00' }),
    );
    expect(a.ok).toBe(true);
    expect(b.ok ? 'accepted' : b.rejection.code).toBe('REFUND_EXCEEDS_PAYMENT');
    expect(world.conflicts).toBe(1);
  });
});

describe('orders: what a decision checks before any money is recorded', () => {
  it('a top-up order for an admission of another patient is refused at creation and at payment, nothing appended', () => {
    const deposit = cmd.createDepositOrder({ patientId: 'P1' });
    expect(() => when([], { ...deposit, admission: { patientId: 'P2' } })).toThrow(
      /DEPOSIT_PATIENT_MISMATCH/,
    );
    expect(when([], { ...deposit, admission: { patientId: 'P1' } })).toHaveLength(1);
    expect(when([], { ...deposit, admission: { patientId: null } })).toHaveLength(1);
    // Created before the admission had a deposit account; another patient's top-up opened it since.
    const pay = {
      ...cmd.recordPayment({ amount: deposit.amount.toString() }),
      admission: { patientId: 'P2' },
    };
    expect(() => when([deposit], pay)).toThrow(/DEPOSIT_PATIENT_MISMATCH/);
    expect(types(when([deposit], { ...pay, admission: { patientId: 'P1' } }))).toEqual(['PaymentSucceeded']);
  });

  it("the channel's payment for an attempt the device lost confirms that attempt; another channel's does not", () => {
    const unknown = [created, requested, cmd.markPaymentUnknown()];
    const [e] = when(unknown, cmd.recordPayment({ channel: 'wechat' }));
    expect(e).toMatchObject({ type: 'PaymentConfirmed', data: { attemptId: 'A1', channel: 'wechat' } });
    expect(() => when(unknown, cmd.recordPayment({ channel: 'alipay' }))).toThrow(/PAYMENT_STATUS_UNKNOWN/);
    // The same notification again changes nothing.
    expect(
      when([...unknown, cmd.recordPayment({ channel: 'wechat' })], cmd.recordPayment({ channel: 'wechat' })),
    ).toEqual([]);
  });

  it('a succeeded refund is written back to the HIS once; a failure after success changes nothing', () => {
    const refunded = [
      ...paidOrder,
      cmd.requestRefund(),
      cmd.verifyRefundIdentity(),
      cmd.recordRefundSuccess(),
    ];
    const s = stateAfter(...refunded) as OrderState;
    expect([...s.refunds.values()][0]).toMatchObject({ status: 'succeeded', his: 'pending' });
    const ok = {
      ...cmd.recordRefundSuccess(),
      type: 'RecordHisRefundWritebackSuccess' as const,
      hisReceiptId: 'HR1',
    } as never;
    expect(types(when(refunded, ok))).toEqual(['HisRefundWritebackSucceeded']);
    expect(when([...refunded, ok], ok)).toEqual([]);
  });
});
