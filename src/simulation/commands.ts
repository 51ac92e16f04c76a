// The commands a simulated hospital day issues, built the way the bus would build them (typed ids, Money).
// The simulator's own builders: src/ never imports test/.
import type { Actor } from '../domain/decider.ts';
import type { DepositCommand, RefundDepositRemainder } from '../domain/deposit/types.ts';
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
} from '../domain/ids.ts';
import type { Money } from '../domain/money.ts';
import type {
  ChargeItemInput,
  IdentityMethod,
  OrderBusinessInput,
  OrderCommand,
} from '../domain/order/types.ts';
import type { SettlementCommand } from '../domain/settlement/types.ts';

/** A command for one of the three ledger aggregates, tagged with the decider that takes it. */
export type SimCommand =
  | { decider: 'order'; command: OrderCommand }
  | { decider: 'deposit'; command: DepositCommand }
  | { decider: 'settlement'; command: SettlementCommand };

/**
 * A step that waits for the platform rather than issuing a command: the admission desk settles a discharge
 * only once the deposit shows every top-up, which the platform credits by reaction after each payment.
 */
export interface AwaitDepositCredit {
  decider: 'await';
  command: { type: 'AwaitDepositCredit'; hospitalId: string; admissionId: string; orderIds: string[] };
}

export type SimStep = SimCommand | AwaitDepositCredit;

export function awaitDepositCredit(
  hospitalId: string,
  admissionId: string,
  orderIds: string[],
): AwaitDepositCredit {
  return { decider: 'await', command: { type: 'AwaitDepositCredit', hospitalId, admissionId, orderIds } };
}

export const SIM_ACTORS = {
  kiosk: { kind: 'bus-client', id: 'kiosk-mz-03' },
  app: { kind: 'bus-client', id: 'app-wechat-oa' },
  window: { kind: 'staff', id: 'window-clerk-12' },
  admission: { kind: 'staff', id: 'admission-desk-2' },
  his: { kind: 'his', id: 'his-main' },
  scheduler: { kind: 'system', id: 'scheduler' },
  treasury: { kind: 'system', id: 'bank-feed' },
} as const satisfies Record<string, Actor>;

export function channelActor(channel: string): Actor {
  return { kind: 'channel', id: channel };
}

interface Base {
  hospitalId: string;
  at: Date;
  actor: Actor;
}

function base(b: Base): { hospitalId: HospitalId; at: Date; actor: Actor } {
  return { hospitalId: HospitalId(b.hospitalId), at: b.at, actor: b.actor };
}

type CommandOf<D extends SimCommand['decider']> = Extract<SimCommand, { decider: D }>['command'];
type OwnFields<C> = Omit<C, 'type' | 'hospitalId' | 'at' | 'actor'>;

/** A command for `decider`: its type, tenant, time and actor from `b`, then its own fields in order. */
function sim<D extends SimCommand['decider'], T extends CommandOf<D>['type']>(
  decider: D,
  type: T,
  b: Base,
  fields: OwnFields<Extract<CommandOf<D>, { type: T }>>,
): SimCommand {
  const command = { type, ...base(b), ...fields } as Extract<CommandOf<D>, { type: T }>;
  return { decider, command } as SimCommand;
}

/** The builder of an order command that names one payment attempt and its channel, and nothing else. */
function attemptCommand(
  type: 'RequestPayment' | 'MarkPaymentUnknown',
): (b: Base & { orderId: string; attemptId: string; channel: string }) => SimCommand {
  return (b) =>
    sim('order', type, b, {
      orderId: OrderId(b.orderId),
      attemptId: AttemptId(b.attemptId),
      channel: Channel(b.channel),
    });
}

export const simCommands = {
  createOrder(
    b: Base & { orderId: string; patientId: string; amount: Money; business: OrderBusinessInput },
  ): SimCommand {
    return sim('order', 'CreateOrder', b, {
      orderId: OrderId(b.orderId),
      patientId: PatientId(b.patientId),
      amount: b.amount,
      business: b.business,
    });
  },
  registration(o: {
    mode: 'booked' | 'same-day';
    department: string;
    doctor: string;
    slot: string;
    visitDate: string;
  }): OrderBusinessInput {
    return {
      kind: 'registration',
      mode: o.mode,
      departmentId: RefId(o.department),
      doctorId: RefId(o.doctor),
      slotId: RefId(o.slot),
      visitDate: o.visitDate,
    };
  },
  outpatient(visitId: string, items: { id: string; name: string; amount: Money }[]): OrderBusinessInput {
    const chargeItems: ChargeItemInput[] = items.map((i) => ({
      hisItemId: RefId(i.id),
      name: i.name,
      amount: i.amount,
    }));
    return { kind: 'outpatient', visitId: RefId(visitId), chargeItems };
  },
  deposit(admissionId: string): OrderBusinessInput {
    return { kind: 'deposit', admissionId: AdmissionId(admissionId) };
  },
  requestPayment: attemptCommand('RequestPayment'),
  recordPayment(
    b: Base & {
      orderId: string;
      attemptId: string | null;
      channel: string;
      channelTxnId: string;
      amount: Money;
      payerRef: string;
    },
  ): SimCommand {
    return sim('order', 'RecordPayment', b, {
      orderId: OrderId(b.orderId),
      channel: Channel(b.channel),
      channelTxnId: ChannelTxnId(b.channelTxnId),
      amount: b.amount,
      payerRef: MaskedRef(b.payerRef),
      attemptId: b.attemptId === null ? null : AttemptId(b.attemptId),
    });
  },
  markPaymentUnknown: attemptCommand('MarkPaymentUnknown'),
  confirmPayment(
    b: Base & { orderId: string; attemptId: string; channelTxnId: string; amount: Money; payerRef: string },
  ): SimCommand {
    return sim('order', 'ConfirmPayment', b, {
      orderId: OrderId(b.orderId),
      attemptId: AttemptId(b.attemptId),
      channelTxnId: ChannelTxnId(b.channelTxnId),
      amount: b.amount,
      payerRef: MaskedRef(b.payerRef),
    });
  },
  recordPaymentFailure(
    b: Base & { orderId: string; attemptId: string; channel: string; reason: string },
  ): SimCommand {
    return sim('order', 'RecordPaymentFailure', b, {
      orderId: OrderId(b.orderId),
      attemptId: AttemptId(b.attemptId),
      channel: Channel(b.channel),
      reason: b.reason,
    });
  },
  cancelOrder(b: Base & { orderId: string; reason: string; refundId: string | null }): SimCommand {
    return sim('order', 'CancelOrder', b, {
      orderId: OrderId(b.orderId),
      reason: b.reason,
      refundId: b.refundId === null ? null : RefundId(b.refundId),
    });
  },
  requestRefund(b: Base & { orderId: string; refundId: string; amount: Money; reason: string }): SimCommand {
    return sim('order', 'RequestRefund', b, {
      orderId: OrderId(b.orderId),
      refundId: RefundId(b.refundId),
      amount: b.amount,
      channelTxnId: null,
      reason: b.reason,
    });
  },
  verifyRefundIdentity(
    b: Base & { orderId: string; refundId: string; method: IdentityMethod; verifiedBy: string },
  ): SimCommand {
    return sim('order', 'VerifyRefundIdentity', b, {
      orderId: OrderId(b.orderId),
      refundId: RefundId(b.refundId),
      method: b.method,
      verifiedBy: b.verifiedBy,
    });
  },
  recordRefundSuccess(b: Base & { orderId: string; refundId: string; channelRefundId: string }): SimCommand {
    return sim('order', 'RecordRefundSuccess', b, {
      orderId: OrderId(b.orderId),
      refundId: RefundId(b.refundId),
      channelRefundId: RefId(b.channelRefundId),
    });
  },
  applyDeposit(b: Base & { admissionId: string; settlementId: string; amount: Money }): SimCommand {
    return sim('deposit', 'ApplyDepositAtDischarge', b, {
      admissionId: AdmissionId(b.admissionId),
      settlementId: RefId(b.settlementId),
      amount: b.amount,
    });
  },
  refundDepositRemainder(
    b: Base & {
      admissionId: string;
      refundId: string;
      topUpOrderId: string;
      amount: Money;
      method: IdentityMethod;
      verifiedBy: string;
    },
  ): SimCommand {
    const command: RefundDepositRemainder = {
      type: 'RefundDepositRemainder',
      ...base(b),
      admissionId: AdmissionId(b.admissionId),
      refundId: RefundId(b.refundId),
      topUpOrderId: OrderId(b.topUpOrderId),
      amount: b.amount,
      identity: { method: b.method, verifiedBy: b.verifiedBy },
    };
    return { decider: 'deposit', command };
  },
  recordChannelSettlement(
    b: Base & {
      channel: string;
      businessDate: string;
      settlementId: string;
      bankAccount: string;
      amount: Money;
    },
  ): SimCommand {
    return sim('settlement', 'RecordChannelSettlement', b, {
      channel: Channel(b.channel),
      businessDate: b.businessDate,
      settlementId: RefId(b.settlementId),
      bankAccount: RefId(b.bankAccount),
      amount: b.amount,
    });
  },
};
