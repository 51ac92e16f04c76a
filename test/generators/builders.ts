// Command builders with sensible defaults, shared by example tests, property tests, benches and the simulator.
import type { Actor } from '../../src/domain/decider.ts';
import type {
  ApplyDepositAtDischarge,
  DepositCommand,
  RefundDepositRemainder,
  TopUpDeposit,
} from '../../src/domain/deposit/types.ts';
import {
  AdmissionId,
  AttemptId,
  Channel,
  ChannelTxnId,
  HospitalId,
  MaskedRef,
  OrderId,
  PatientId,
  RefId,
  RefundId,
} from '../../src/domain/ids.ts';
import { Money } from '../../src/domain/money.ts';
import type {
  CancelOrder,
  ConfirmPayment,
  CreateOrder,
  MarkPaymentUnknown,
  OrderBusinessInput,
  OrderCommand,
  RecordHisWritebackFailure,
  RecordHisWritebackSuccess,
  RecordPayment,
  RecordPaymentFailure,
  RecordRefundFailure,
  RecordRefundSuccess,
  RequestPayment,
  RequestRefund,
  VerifyRefundIdentity,
} from '../../src/domain/order/types.ts';
import type {
  RecordChannelFee,
  RecordChannelSettlement,
  SettlementCommand,
} from '../../src/domain/settlement/types.ts';

export type DomainCommand = OrderCommand | DepositCommand | SettlementCommand;

export const DEFAULT_AT = new Date('2024-05-01T02:00:00.000Z');
export const ACTORS = {
  kiosk: { kind: 'bus-client', id: 'kiosk-01' },
  app: { kind: 'bus-client', id: 'app-wechat-oa' },
  wechat: { kind: 'channel', id: 'wechat' },
  alipay: { kind: 'channel', id: 'alipay' },
  clerk: { kind: 'staff', id: 'clerk-7' },
  his: { kind: 'his', id: 'his-main' },
  scheduler: { kind: 'system', id: 'scheduler' },
} as const satisfies Record<string, Actor>;

const m = (x: Money | string): Money => (typeof x === 'string' ? Money.parse(x) : x);

interface Base {
  hospitalId?: string;
  at?: Date;
  actor?: Actor;
}

function base(o: Base, actor: Actor): { hospitalId: HospitalId; at: Date; actor: Actor } {
  return { hospitalId: HospitalId(o.hospitalId ?? 'H1'), at: o.at ?? DEFAULT_AT, actor: o.actor ?? actor };
}

type Amt = { amount?: Money | string };

export const cmd = {
  createRegistration(
    o: Base & Amt & { orderId?: string; patientId?: string; mode?: 'booked' | 'same-day' } = {},
  ) {
    return cmd.createOrder({
      ...o,
      amount: o.amount ?? '25.00',
      business: {
        kind: 'registration',
        mode: o.mode ?? 'booked',
        departmentId: RefId('DEP-CARD'),
        doctorId: RefId('DR-0042'),
        slotId: RefId('SLOT-0900'),
        visitDate: '2024-05-02',
      },
    });
  },
  createOutpatient(
    o: Base & { orderId?: string; patientId?: string; items?: Array<[string, Money | string]> } = {},
  ): CreateOrder {
    const items = o.items ?? [
      ['RX-1', '12.50'],
      ['LAB-2', '30.00'],
    ];
    const chargeItems = items.map(([id, amount]) => ({
      hisItemId: RefId(id),
      name: `item ${id}`,
      amount: m(amount),
    }));
    return cmd.createOrder({
      ...o,
      amount: Money.sum(chargeItems.map((i) => i.amount)),
      business: { kind: 'outpatient', visitId: RefId('V-1'), chargeItems },
    });
  },
  createDepositOrder(o: Base & Amt & { orderId?: string; patientId?: string; admissionId?: string } = {}) {
    return cmd.createOrder({
      ...o,
      amount: o.amount ?? '2000.00',
      business: { kind: 'deposit', admissionId: AdmissionId(o.admissionId ?? 'ADM-1') },
    });
  },
  createOrder(
    o: Base & Amt & { orderId?: string; patientId?: string; business: OrderBusinessInput },
  ): CreateOrder {
    return {
      type: 'CreateOrder',
      ...base(o, ACTORS.kiosk),
      orderId: OrderId(o.orderId ?? 'O1'),
      patientId: PatientId(o.patientId ?? 'P1'),
      amount: m(o.amount ?? '25.00'),
      business: o.business,
    };
  },
  requestPayment(o: Base & { orderId?: string; attemptId?: string; channel?: string } = {}): RequestPayment {
    return {
      type: 'RequestPayment',
      ...base(o, ACTORS.kiosk),
      orderId: OrderId(o.orderId ?? 'O1'),
      attemptId: AttemptId(o.attemptId ?? 'A1'),
      channel: Channel(o.channel ?? 'wechat'),
    };
  },
  recordPayment(
    o: Base &
      Amt & { orderId?: string; channel?: string; channelTxnId?: string; attemptId?: string | null } = {},
  ): RecordPayment {
    return {
      type: 'RecordPayment',
      ...base(o, ACTORS.wechat),
      orderId: OrderId(o.orderId ?? 'O1'),
      channel: Channel(o.channel ?? 'wechat'),
      channelTxnId: ChannelTxnId(o.channelTxnId ?? 'T1'),
      amount: m(o.amount ?? '25.00'),
      payerRef: MaskedRef('oUpF****x9Q'),
      attemptId:
        o.attemptId === undefined ? AttemptId('A1') : o.attemptId === null ? null : AttemptId(o.attemptId),
    };
  },
  markPaymentUnknown(
    o: Base & { orderId?: string; attemptId?: string; channel?: string } = {},
  ): MarkPaymentUnknown {
    return {
      type: 'MarkPaymentUnknown',
      ...base(o, ACTORS.kiosk),
      orderId: OrderId(o.orderId ?? 'O1'),
      attemptId: AttemptId(o.attemptId ?? 'A1'),
      channel: Channel(o.channel ?? 'wechat'),
    };
  },
  confirmPayment(
    o: Base & Amt & { orderId?: string; attemptId?: string; channelTxnId?: string } = {},
  ): ConfirmPayment {
    return {
      type: 'ConfirmPayment',
      ...base(o, ACTORS.clerk),
      orderId: OrderId(o.orderId ?? 'O1'),
      attemptId: AttemptId(o.attemptId ?? 'A1'),
      channelTxnId: ChannelTxnId(o.channelTxnId ?? 'T1'),
      amount: m(o.amount ?? '25.00'),
      payerRef: MaskedRef('oUpF****x9Q'),
    };
  },
  recordPaymentFailure(
    o: Base & { orderId?: string; attemptId?: string; channel?: string; reason?: string } = {},
  ): RecordPaymentFailure {
    return {
      type: 'RecordPaymentFailure',
      ...base(o, ACTORS.wechat),
      orderId: OrderId(o.orderId ?? 'O1'),
      attemptId: AttemptId(o.attemptId ?? 'A1'),
      channel: Channel(o.channel ?? 'wechat'),
      reason: o.reason ?? 'USERPAYING timeout',
    };
  },
  cancelOrder(o: Base & { orderId?: string; refundId?: string | null; reason?: string } = {}): CancelOrder {
    return {
      type: 'CancelOrder',
      ...base(o, ACTORS.app),
      orderId: OrderId(o.orderId ?? 'O1'),
      reason: o.reason ?? 'patient cancelled',
      refundId: o.refundId === undefined ? RefundId('R1') : o.refundId === null ? null : RefundId(o.refundId),
    };
  },
  requestRefund(
    o: Base &
      Amt & { orderId?: string; refundId?: string; channelTxnId?: string | null; reason?: string } = {},
  ): RequestRefund {
    return {
      type: 'RequestRefund',
      ...base(o, ACTORS.clerk),
      orderId: OrderId(o.orderId ?? 'O1'),
      refundId: RefundId(o.refundId ?? 'R1'),
      amount: m(o.amount ?? '25.00'),
      channelTxnId: o.channelTxnId ? ChannelTxnId(o.channelTxnId) : null,
      reason: o.reason ?? 'patient request',
    };
  },
  verifyRefundIdentity(o: Base & { orderId?: string; refundId?: string } = {}): VerifyRefundIdentity {
    return {
      type: 'VerifyRefundIdentity',
      ...base(o, ACTORS.clerk),
      orderId: OrderId(o.orderId ?? 'O1'),
      refundId: RefundId(o.refundId ?? 'R1'),
      method: 'id-card',
      verifiedBy: 'clerk-7',
    };
  },
  recordRefundSuccess(
    o: Base & { orderId?: string; refundId?: string; channelRefundId?: string } = {},
  ): RecordRefundSuccess {
    return {
      type: 'RecordRefundSuccess',
      ...base(o, ACTORS.wechat),
      orderId: OrderId(o.orderId ?? 'O1'),
      refundId: RefundId(o.refundId ?? 'R1'),
      channelRefundId: RefId(o.channelRefundId ?? `CR-${o.refundId ?? 'R1'}`),
    };
  },
  recordRefundFailure(
    o: Base & { orderId?: string; refundId?: string; reason?: string } = {},
  ): RecordRefundFailure {
    return {
      type: 'RecordRefundFailure',
      ...base(o, ACTORS.wechat),
      orderId: OrderId(o.orderId ?? 'O1'),
      refundId: RefundId(o.refundId ?? 'R1'),
      reason: o.reason ?? 'account closed',
    };
  },
  hisWritebackSuccess(o: Base & { orderId?: string; hisReceiptId?: string } = {}): RecordHisWritebackSuccess {
    return {
      type: 'RecordHisWritebackSuccess',
      ...base(o, ACTORS.his),
      orderId: OrderId(o.orderId ?? 'O1'),
      hisReceiptId: RefId(o.hisReceiptId ?? 'HIS-R1'),
    };
  },
  hisWritebackFailure(
    o: Base & { orderId?: string; attempt?: number; error?: string; retryable?: boolean } = {},
  ): RecordHisWritebackFailure {
    return {
      type: 'RecordHisWritebackFailure',
      ...base(o, ACTORS.scheduler),
      orderId: OrderId(o.orderId ?? 'O1'),
      attempt: o.attempt ?? 1,
      error: o.error ?? 'HIS timeout',
      retryable: o.retryable ?? true,
    };
  },
  topUpDeposit(
    o: Base &
      Amt & {
        admissionId?: string;
        patientId?: string;
        orderId?: string;
        channel?: string;
        channelTxnId?: string;
      } = {},
  ): TopUpDeposit {
    return {
      type: 'TopUpDeposit',
      ...base(o, ACTORS.scheduler),
      admissionId: AdmissionId(o.admissionId ?? 'ADM-1'),
      patientId: PatientId(o.patientId ?? 'P1'),
      orderId: OrderId(o.orderId ?? 'D1'),
      channel: Channel(o.channel ?? 'wechat'),
      channelTxnId: ChannelTxnId(o.channelTxnId ?? 'TD1'),
      payerRef: MaskedRef('oUpF****x9Q'),
      amount: m(o.amount ?? '2000.00'),
    };
  },
  applyDeposit(
    o: Base & Amt & { admissionId?: string; settlementId?: string } = {},
  ): ApplyDepositAtDischarge {
    return {
      type: 'ApplyDepositAtDischarge',
      ...base(o, ACTORS.his),
      admissionId: AdmissionId(o.admissionId ?? 'ADM-1'),
      settlementId: RefId(o.settlementId ?? 'DS-1'),
      amount: m(o.amount ?? '1500.00'),
    };
  },
  refundDepositRemainder(
    o: Base &
      Amt & { admissionId?: string; refundId?: string; topUpOrderId?: string; verified?: boolean } = {},
  ): RefundDepositRemainder {
    return {
      type: 'RefundDepositRemainder',
      ...base(o, ACTORS.clerk),
      admissionId: AdmissionId(o.admissionId ?? 'ADM-1'),
      refundId: RefundId(o.refundId ?? 'DR1'),
      topUpOrderId: OrderId(o.topUpOrderId ?? 'D1'),
      amount: m(o.amount ?? '500.00'),
      identity: o.verified === false ? null : { method: 'id-card', verifiedBy: 'clerk-7' },
    };
  },
  recordFee(
    o: Base &
      Amt & { channel?: string; businessDate?: string; feeId?: string; channelTxnId?: string | null } = {},
  ): RecordChannelFee {
    return {
      type: 'RecordChannelFee',
      ...base(o, ACTORS.scheduler),
      channel: Channel(o.channel ?? 'wechat'),
      businessDate: o.businessDate ?? '2024-05-01',
      feeId: RefId(o.feeId ?? 'F1'),
      amount: m(o.amount ?? '0.15'),
      channelTxnId: o.channelTxnId ? ChannelTxnId(o.channelTxnId) : null,
    };
  },
  recordSettlement(
    o: Base &
      Amt & { channel?: string; businessDate?: string; settlementId?: string; bankAccount?: string } = {},
  ): RecordChannelSettlement {
    return {
      type: 'RecordChannelSettlement',
      ...base(o, ACTORS.scheduler),
      channel: Channel(o.channel ?? 'wechat'),
      businessDate: o.businessDate ?? '2024-05-01',
      settlementId: RefId(o.settlementId ?? 'S1'),
      bankAccount: RefId(o.bankAccount ?? 'ICBC-001'),
      amount: m(o.amount ?? '24.85'),
    };
  },
};
