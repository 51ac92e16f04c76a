// The inpatient pre-deposit account (住院预交金) of one admission: stream `<hospitalId>/deposit/<admissionId>`.
import type { CommandBase } from '../decider.ts';
import type { AdmissionId, OrderId, PatientId, RefId, RefundId } from '../ids.ts';
import type { EventOf } from '../event-store.ts';
import type { Money, MoneyString } from '../money.ts';
import type { ChannelPaymentData, ChannelPaymentInput, IdentityMethod, Payment } from '../order/types.ts';

/** Most top-ups one admission may take. */
export const MAX_TOP_UPS_PER_ADMISSION = 1_000;
/** Most remainder refunds one admission may take. */
export const MAX_DEPOSIT_REFUNDS = 1_000;

interface DepositCommandBase extends CommandBase {
  admissionId: AdmissionId;
}

/** Credits a paid deposit top-up order (dispatched after its PaymentSucceeded/PaymentConfirmed). */
export interface TopUpDeposit extends DepositCommandBase, ChannelPaymentInput {
  type: 'TopUpDeposit';
  patientId: PatientId;
  orderId: OrderId;
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
  /**
   * How the money leaves: back to the top-up's account at its channel (the default), or — when that route is
   * closed — by a fallback a supervisor approved (a refund plan's leg).
   */
  route?: { kind: 'bank-transfer' | 'cash-window'; approvedBy: string; payeeAccountRef: string | null };
}

/**
 * What the channel finally said about a remainder refund sent back by the original route: it arrived, or it was
 * refused/closed without money moving (the amount is back on the deposit, to be refunded another way).
 */
export interface RecordDepositRefundOutcome extends DepositCommandBase {
  type: 'RecordDepositRefundOutcome';
  refundId: RefundId;
  outcome: 'succeeded' | 'failed';
  /** The channel's refund id, or why it failed. */
  detail: string;
}

export type DepositCommand =
  | TopUpDeposit
  | ApplyDepositAtDischarge
  | RefundDepositRemainder
  | RecordDepositRefundOutcome;

/** Each deposit event's type and its data (both persisted: never change either). */
type DepositEventData = {
  /** Ledger: posts nothing (the money was posted by the order's payment). The deposit account's own record. */
  DepositToppedUp: {
    admissionId: string;
    patientId: string;
    orderId: string;
    balanceAfter: MoneyString;
  } & ChannelPaymentData;
  DepositApplied: {
    admissionId: string;
    settlementId: string;
    amount: MoneyString;
    balanceAfter: MoneyString;
  };
  DepositRemainderRefunded: {
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
    /** Absent = back by the original route (every event before fallback routes existed). */
    route?: 'bank-transfer' | 'cash-window';
    approvedBy?: string;
    payeeAccountRef?: string | null;
  };
  /** The channel confirmed a remainder refund sent by the original route. Posts nothing (posted when decided). */
  DepositRefundSettled: { admissionId: string; refundId: string; channelRefundId: string };
  /**
   * The channel refused or closed a remainder refund: no money left, so the amount is back on the deposit.
   * Ledger: Dr channel:<c>:clearing, Cr patient:<admission>:deposit (the refund's entry reversed).
   */
  DepositRefundFailed: {
    admissionId: string;
    refundId: string;
    topUpOrderId: string;
    channel: string;
    amount: MoneyString;
    reason: string;
    balanceAfter: MoneyString;
  };
};

export type DepositRemainderRefunded = EventOf<DepositEventData, 'DepositRemainderRefunded'>;
export type DepositEvent = EventOf<DepositEventData>;
export type DepositEventType = DepositEvent['type'];

/** A top-up: the order's payment, and how much of it was refunded since. */
export interface TopUp extends Payment {
  orderId: string;
  refunded: Money;
}

/** A remainder refund: `sent` (money posted out, the channel not yet confirmed), then succeeded or failed. */
export interface DepositRefund {
  topUpOrderId: string;
  amount: Money;
  route: 'original' | 'bank-transfer' | 'cash-window';
  status: 'sent' | 'succeeded' | 'failed';
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
  refunds: ReadonlyMap<string, DepositRefund>;
}
