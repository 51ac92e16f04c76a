import { describe, expect, it } from 'vitest';
import { businessDate } from '../../src/domain/business-date.ts';
import { OrderId } from '../../src/domain/ids.ts';
import { Money } from '../../src/domain/money.ts';
import { REJECTION_CODES, REJECTIONS, type RejectionCode } from '../../src/domain/rejection.ts';
import {
  CHANNEL_REFUSALS,
  MAPPING_REFUSALS,
  PAYMENT_REFUSALS,
  RECONCILIATION_REFUSALS,
  REFUND_PLAN_REFUSALS,
  REFUSALS,
  REPORT_REFUSALS,
  SCHEDULE_REFUSALS,
  STAFF_REFUSALS,
} from '../../src/domain/refusals.ts';
import { HTTP_STATUS_OF_REFUSAL } from '../../src/bus/errors.ts';
import { ORDER_LIMITS } from '../../src/domain/order/types.ts';
import { cmd } from '../generators/builders.ts';
import { expectRejection, when } from './helpers.ts';

const created = cmd.createRegistration();
const paidOrder = [created, cmd.requestPayment(), cmd.recordPayment()];
const unknownOrder = [created, cmd.requestPayment(), cmd.markPaymentUnknown()];
const top = cmd.topUpDeposit();

/** One scenario per code: the compiler makes sure no code is left without one. */
const SCENARIOS: Record<RejectionCode, () => unknown> = {
  INVALID_AMOUNT: () => when([], cmd.createRegistration({ amount: Money.ZERO })),
  INVALID_ID: () => OrderId('order/with/slashes'),
  INVALID_COMMAND: () => when(paidOrder, cmd.cancelOrder({ refundId: null })),
  INVALID_BUSINESS_DATE: () => when([], cmd.recordFee({ businessDate: '2024-02-30' })),
  LIMIT_EXCEEDED: () =>
    when(
      [
        ...paidOrder,
        ...Array.from({ length: ORDER_LIMITS.duplicatePayments }, (_, i) =>
          cmd.recordPayment({ channelTxnId: `D${i}` }),
        ),
      ],
      cmd.recordPayment({ channelTxnId: 'one-too-many' }),
    ),
  CHARGE_ITEMS_MISMATCH: () => when([], { ...cmd.createOutpatient(), amount: Money.parse('99.00') }),
  ORDER_ALREADY_EXISTS: () => when([created], created),
  ORDER_NOT_FOUND: () => when([], cmd.requestPayment()),
  ORDER_NOT_PAYABLE: () => when(paidOrder, cmd.requestPayment({ attemptId: 'A2' })),
  AMOUNT_MISMATCH: () => when([created], cmd.recordPayment({ amount: '24.99' })),
  PAYMENT_STATUS_UNKNOWN: () => when(unknownOrder, cmd.recordPayment({ channel: 'alipay' })),
  PAYMENT_NOT_UNKNOWN: () => when([created], cmd.confirmPayment()),
  PAYMENT_CALLBACK_CONFLICT: () => when(paidOrder, cmd.recordPayment({ amount: '26.00' })),
  PAYMENT_NOT_FOUND: () => when(paidOrder, cmd.requestRefund({ channelTxnId: 'NOPE' })),
  CHANNEL_MISMATCH: () =>
    when([created, cmd.requestPayment()], cmd.recordPaymentFailure({ channel: 'alipay' })),
  ORDER_NOT_CANCELLABLE: () =>
    when(
      [cmd.createOutpatient(), cmd.requestPayment(), cmd.recordPayment({ amount: '42.50' })],
      cmd.cancelOrder(),
    ),
  ORDER_NOT_REFUNDABLE: () => when([created], cmd.requestRefund()),
  REFUND_EXCEEDS_PAYMENT: () => when(paidOrder, cmd.requestRefund({ amount: '25.01' })),
  REFUND_ALREADY_EXISTS: () =>
    when([...paidOrder, cmd.requestRefund({ amount: '5.00' })], cmd.requestRefund({ amount: '6.00' })),
  REFUND_NOT_FOUND: () => when(paidOrder, cmd.verifyRefundIdentity()),
  REFUND_NOT_PENDING: () =>
    when([...paidOrder, cmd.requestRefund(), cmd.recordRefundFailure()], cmd.verifyRefundIdentity()),
  IDENTITY_NOT_VERIFIED: () => when([...paidOrder, cmd.requestRefund()], cmd.recordRefundSuccess()),
  REFUND_AMOUNT_MISMATCH: () =>
    when([...paidOrder, cmd.requestRefund(), cmd.verifyRefundIdentity()], {
      ...cmd.recordRefundSuccess(),
      notified: { amount: Money.parse('0.01'), basis: 'this-refund' },
    }),
  REFUND_CUMULATIVE_MISMATCH: () =>
    when([...paidOrder, cmd.requestRefund(), cmd.verifyRefundIdentity()], {
      ...cmd.recordRefundSuccess(),
      notified: { amount: Money.parse('99999.00'), basis: 'cumulative-refunds' },
    }),
  HIS_WRITEBACK_NOT_EXPECTED: () => when([created], cmd.hisWritebackSuccess()),
  DEPOSIT_NOT_FOUND: () => when([], cmd.applyDeposit()),
  DEPOSIT_INSUFFICIENT: () => when([top], cmd.applyDeposit({ amount: '2000.01' })),
  DEPOSIT_ALREADY_SETTLED: () => when([top, cmd.applyDeposit()], cmd.applyDeposit({ settlementId: 'DS-2' })),
  DEPOSIT_NOT_SETTLED: () => when([top], cmd.refundDepositRemainder()),
  DEPOSIT_TOP_UP_CONFLICT: () => when([top], cmd.topUpDeposit({ amount: '1.00' })),
  DEPOSIT_PATIENT_MISMATCH: () => when([top], cmd.topUpDeposit({ orderId: 'D2', patientId: 'P2' })),
  FEE_ALREADY_RECORDED: () => when([cmd.recordFee()], cmd.recordFee({ amount: '0.16' })),
  SETTLEMENT_ALREADY_RECORDED: () => when([cmd.recordSettlement()], cmd.recordSettlement({ amount: '1.00' })),
};

describe('every rejection code', () => {
  it.each(REJECTION_CODES)(
    '%s is raised by its scenario, with a zh/en message and an HTTP status',
    (code) => {
      const r = expectRejection(SCENARIOS[code], code);
      expect(REJECTIONS[code].zh.length).toBeGreaterThan(0);
      expect(r.messageIn('en')).toBe(REJECTIONS[code].en);
      expect(REFUSALS[code]).toBe(REJECTIONS[code]); // the one table holds it
      expect([422, 409, 404, 403]).toContain(HTTP_STATUS_OF_REFUSAL[r.kind]);
      expect(JSON.parse(JSON.stringify(r.details))).toEqual(r.details);
    },
  );
});

describe('the one refusal table', () => {
  it('holds every code of orders, deposits, channels and reconciliation, each once, with zh/en and a kind', () => {
    const sections = [
      REJECTIONS,
      CHANNEL_REFUSALS,
      RECONCILIATION_REFUSALS,
      STAFF_REFUSALS,
      MAPPING_REFUSALS,
      REPORT_REFUSALS,
      SCHEDULE_REFUSALS,
      REFUND_PLAN_REFUSALS,
      PAYMENT_REFUSALS,
    ];
    // The sections split the table: each code is in exactly one of them.
    const sectioned = sections.flatMap((section) => Object.keys(section));
    expect(sectioned.sort()).toEqual(Object.keys(REFUSALS).sort());
    for (const [code, info] of Object.entries(REFUSALS)) {
      expect(info.zh.length, code).toBeGreaterThan(0);
      expect(info.en.length, code).toBeGreaterThan(0);
      expect(HTTP_STATUS_OF_REFUSAL[info.status], code).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('rejection edge cases', () => {
  it('refund success needs identity even for a cancelled registration', () => {
    expectRejection(
      () => when([...paidOrder, cmd.cancelOrder()], cmd.recordRefundSuccess()),
      'IDENTITY_NOT_VERIFIED',
    );
  });

  it('an unknown payment blocks every other payment, cancellation and refund until resolved', () => {
    expectRejection(
      () => when(unknownOrder, cmd.requestPayment({ attemptId: 'A2' })),
      'PAYMENT_STATUS_UNKNOWN',
    );
    expectRejection(() => when(unknownOrder, cmd.cancelOrder()), 'PAYMENT_STATUS_UNKNOWN');
    expectRejection(() => when(unknownOrder, cmd.requestRefund()), 'PAYMENT_STATUS_UNKNOWN');
    expectRejection(
      () => when(unknownOrder, cmd.markPaymentUnknown({ attemptId: 'A2' })),
      'PAYMENT_STATUS_UNKNOWN',
    );
    expectRejection(
      () => when(unknownOrder, cmd.recordPaymentFailure({ attemptId: 'A2' })),
      'PAYMENT_STATUS_UNKNOWN',
    );
  });

  it('deposit orders are refunded through the deposit account, not the order', () => {
    const dep = [cmd.createDepositOrder(), cmd.requestPayment(), cmd.recordPayment({ amount: '2000.00' })];
    expectRejection(() => when(dep, cmd.requestRefund({ amount: '1.00' })), 'ORDER_NOT_REFUNDABLE');
  });

  it('a remainder refund needs verified identity and stays within the top-up', () => {
    const settled = [top, cmd.applyDeposit({ amount: '0.00' })];
    expectRejection(
      () => when(settled, cmd.refundDepositRemainder({ verified: false })),
      'IDENTITY_NOT_VERIFIED',
    );
    expectRejection(
      () => when(settled, cmd.refundDepositRemainder({ amount: '2000.01' })),
      'DEPOSIT_INSUFFICIENT',
    );
    expectRejection(
      () => when(settled, cmd.refundDepositRemainder({ topUpOrderId: 'D9' })),
      'PAYMENT_NOT_FOUND',
    );
  });

  it('charge items must be distinct and non-empty', () => {
    expectRejection(
      () =>
        when(
          [],
          cmd.createOutpatient({
            items: [
              ['A', '1.00'],
              ['A', '2.00'],
            ],
          }),
        ),
      'CHARGE_ITEMS_MISMATCH',
    );
    expectRejection(
      () => when([], { ...cmd.createOutpatient({ items: [] }), amount: Money.parse('1.00') }),
      'CHARGE_ITEMS_MISMATCH',
    );
  });

  it('bad time input is refused', () => {
    expectRejection(() => businessDate(new Date('x')), 'INVALID_BUSINESS_DATE');
  });
});
