// The inpatient pre-deposit account (住院预交金) of one admission: stream `<hospitalId>/deposit/<admissionId>`.
import type { CommandBase } from '../decider.ts';
import type {
  AdmissionId,
  Channel,
  ChannelTxnId,
  MaskedRef,
  OrderId,
  PatientId,
  RefId,
  RefundId,
} from '../ids.ts';
import type { Money, MoneyString } from '../money.ts';
import type { IdentityMethod } from '../order/types.ts';

/** Most top-ups one admission may take. */
export const MAX_TOP_UPS_PER_ADMISSION = 1_000;
/** Most remainder refunds one admission may take. */
export const MAX_DEPOSIT_REFUNDS = 1_000;

interface DepositCommandBase extends CommandBase {
  admissionId: AdmissionId;
}

/** Credits a paid deposit top-up order (dispatched after its PaymentSucceeded/PaymentConfirmed). */
export interface TopUpDeposit extends DepositCommandBase {
  type: 'TopUpDeposit';
  patientId: PatientId;
  orderId: OrderId;
  channel: Channel;
  channelTxnId: ChannelTxnId;
  payerRef: MaskedRef;
  amount: Money;
}

/** Discharge settlement (出院结算) applies the stay's charges against the deposit. Once per admission. */
export interface ApplyDepositAtDischarge extends DepositCommandBase {
  type: 'ApplyDepositAtDischarge';
  /** HIS discharge settlement reference. */
  settlementId: RefId;
  /** Charges covered by the deposit (≥ 0; the patient pays any excess through an order). */
  amount: Money;
}

/** After discharge settlement, returns (part of) the balance to the channel and account of one top-up. */
export interface RefundDepositRemainder extends DepositCommandBase {
  type: 'RefundDepositRemainder';
  refundId: RefundId;
  topUpOrderId: OrderId;
  amount: Money;
  /** Who checked the patient's identity at the counter; null = not verified. */
  identity: { method: IdentityMethod; verifiedBy: string } | null;
}

export type DepositCommand = TopUpDeposit | ApplyDepositAtDischarge | RefundDepositRemainder;

/** Ledger: posts nothing (the money was posted by the order's payment). The deposit account's own record. */
export type DepositToppedUp = {
  type: 'DepositToppedUp';
  data: {
    admissionId: string;
    patientId: string;
    orderId: string;
    channel: string;
    channelTxnId: string;
    payerRef: string;
    amount: MoneyString;
    balanceAfter: MoneyString;
  };
};

export type DepositApplied = {
  type: 'DepositApplied';
  data: { admissionId: string; settlementId: string; amount: MoneyString; balanceAfter: MoneyString };
};

export type DepositRemainderRefunded = {
  type: 'DepositRemainderRefunded';
  data: {
    admissionId: string;
    refundId: string;
    topUpOrderId: string;
    channel: string;
    channelTxnId: string;
    payerRef: string;
    amount: MoneyString;
    balanceAfter: MoneyString;
    identityMethod: IdentityMethod;
    verifiedBy: string;
  };
};

export type DepositEvent = DepositToppedUp | DepositApplied | DepositRemainderRefunded;
export type DepositEventType = DepositEvent['type'];

export interface TopUp {
  orderId: string;
  channel: string;
  channelTxnId: string;
  payerRef: string;
  amount: Money;
  refunded: Money;
}

export interface DepositState {
  exists: boolean;
  admissionId: string;
  patientId: string;
  balance: Money;
  topUps: ReadonlyMap<string, TopUp>;
  settled: boolean;
  settlementId: string | null;
  applied: Money;
  refunds: ReadonlyMap<string, { topUpOrderId: string; amount: Money }>;
}
