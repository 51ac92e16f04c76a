// Orders and their payments and refunds: commands, events (the data each carries) and state.
import type { CommandBase } from '../decider.ts';
import type { BusinessDate } from '../business-date.ts';
import type {
  AdmissionId,
  AttemptId,
  Channel,
  ChannelTxnId,
  MaskedRef,
  OrderId,
  PatientId,
  RefId,
  RefundId,
} from '../ids.ts';
import type { EventOf } from '../event-store.ts';
import type { Money, MoneyString } from '../money.ts';

export type OrderKind = 'registration' | 'outpatient' | 'deposit';

/** The limits of one order. */
export const ORDER_LIMITS = {
  /** Most HIS charge items one outpatient order may pay. */
  chargeItems: 500,
  /** Most refunds (requested, any outcome) one order may carry. */
  refunds: 100,
  /** Most surplus payments one order may record before the stream is considered abnormal. */
  duplicatePayments: 20,
  /** Longest free-text reason or error kept in an event. */
  textLength: 500,
} as const;

// ---- commands ----

export interface ChargeItemInput {
  /** HIS charge item reference (处方/收费明细号). */
  hisItemId: RefId;
  name: string;
  amount: Money;
}

/**
 * What an order pays for, over how its references are typed: branded ids in the command (OrderBusinessInput),
 * plain strings as OrderCreated records it (OrderBusinessData). One shape, so the two cannot drift apart.
 */
type OrderBusiness<Ref, Admission, ChargeItem> =
  | {
      kind: 'registration';
      /** 预约 (booked ahead) or 当日 (same-day). */
      mode: 'booked' | 'same-day';
      departmentId: Ref;
      doctorId: Ref;
      slotId: Ref;
      visitDate: BusinessDate;
    }
  | { kind: 'outpatient'; visitId: Ref; chargeItems: ChargeItem[] }
  | { kind: 'deposit'; admissionId: Admission };

export type OrderBusinessInput = OrderBusiness<RefId, AdmissionId, ChargeItemInput>;

interface OrderCommandBase extends CommandBase {
  orderId: OrderId;
}

export interface CreateOrder extends OrderCommandBase {
  type: 'CreateOrder';
  patientId: PatientId;
  amount: Money;
  business: OrderBusinessInput;
  /** Deposit top-up orders: the admission as it stands (see AdmissionCheck). */
  admission?: AdmissionCheck;
}

/** A prepay request sent to a channel (QR code shown, POS prompted). */
export interface RequestPayment extends OrderCommandBase {
  type: 'RequestPayment';
  attemptId: AttemptId;
  channel: Channel;
}

/**
 * What the admission of a deposit top-up order says, read by the use case before the decision: a top-up for
 * an admission of another patient is refused before any money is recorded.
 */
export interface AdmissionCheck {
  /** The admission's patient, or null when the admission has no deposit account yet. */
  patientId: string | null;
}

/** Money taken at a channel, as a command reports it (ChannelPaymentData is how events record it). */
export interface ChannelPaymentInput {
  channel: Channel;
  channelTxnId: ChannelTxnId;
  amount: Money;
  payerRef: MaskedRef;
  /** The merchant (WeChat mchid / Alipay app id) that took the money, when known: a refund goes back through it. */
  merchantId?: string;
}

/** A channel reports a successful payment (callback, POS response). */
export interface RecordPayment extends OrderCommandBase, ChannelPaymentInput {
  type: 'RecordPayment';
  attemptId: AttemptId | null;
  /** Deposit top-up orders: the admission as it stands (see AdmissionCheck). */
  admission?: AdmissionCheck;
}

/** The device lost track of an attempt (kiosk timed out): money may or may not have moved. */
export interface MarkPaymentUnknown extends OrderCommandBase {
  type: 'MarkPaymentUnknown';
  attemptId: AttemptId;
  channel: Channel;
}

/** Resolves an unknown attempt as paid (channel query, statement, staff check). */
export interface ConfirmPayment extends OrderCommandBase {
  type: 'ConfirmPayment';
  attemptId: AttemptId;
  channelTxnId: ChannelTxnId;
  amount: Money;
  payerRef: MaskedRef;
  /** The merchant (WeChat mchid / Alipay app id) that took the money, when known: a refund goes back through it. */
  merchantId?: string;
  /** Deposit top-up orders: the admission as it stands (see AdmissionCheck). */
  admission?: AdmissionCheck;
}

/** The channel reports an attempt failed (or an unknown attempt is resolved as not paid). */
export interface RecordPaymentFailure extends OrderCommandBase {
  type: 'RecordPaymentFailure';
  attemptId: AttemptId;
  channel: Channel;
  reason: string;
}

export interface CancelOrder extends OrderCommandBase {
  type: 'CancelOrder';
  reason: string;
  /** Required when cancelling a paid registration: the refund number of the fee refund it triggers. */
  refundId: RefundId | null;
}

export interface RequestRefund extends OrderCommandBase {
  type: 'RequestRefund';
  refundId: RefundId;
  amount: Money;
  /** Which payment to refund; null = the order's payment. A surplus (duplicate) payment must be named. */
  channelTxnId: ChannelTxnId | null;
  reason: string;
  /** The identity check the channel did with the request: verified in the same decision. */
  identity?: RefundIdentity;
  /** The original route is closed: the money is paid out another way, approved by a second person. */
  payout?: { route: PayoutRoute; approvedBy: string };
}

/** A refund's fallback payout, when the original route is closed (a refund plan's leg). */
export type PayoutRoute = 'bank-transfer' | 'cash-window';

/** The clearing channel a payout leaves through (its ledger account, its reconciliation party). */
export function payoutChannel(route: PayoutRoute): string {
  return route === 'cash-window' ? 'cash' : 'bank-transfer';
}

export type IdentityMethod = 'id-card' | 'insurance-card' | 'face' | 'app-login' | 'staff-check';

export interface RefundIdentity {
  method: IdentityMethod;
  /** Staff user or bus client that checked. */
  verifiedBy: string;
}

export interface VerifyRefundIdentity extends OrderCommandBase {
  type: 'VerifyRefundIdentity';
  refundId: RefundId;
  method: IdentityMethod;
  /** Staff user or bus client that checked. */
  verifiedBy: string;
}

/**
 * The amount a channel's refund notification states. WeChat states this refund's amount; Alipay the trade's
 * cumulative refunded amount (refund_fee), which may run ahead of the notifications that reached us.
 */
export interface NotifiedRefundAmount {
  amount: Money;
  basis: 'this-refund' | 'cumulative-refunds';
}

export interface RecordRefundSuccess extends OrderCommandBase {
  type: 'RecordRefundSuccess';
  refundId: RefundId;
  channelRefundId: RefId;
  /** An identity check done at the window with the refund (a refund still awaiting one is verified first). */
  identity?: RefundIdentity;
  /** What a channel notification said the amount was: checked against the refund requested. */
  notified?: NotifiedRefundAmount;
  /**
   * The payment the channel says it refunded. With `notified`, a refund number the platform never requested is
   * recorded as a refund made at the channel (退款 at the merchant platform), not refused.
   */
  channelTxnId?: ChannelTxnId;
}

export interface RecordRefundFailure extends OrderCommandBase {
  type: 'RecordRefundFailure';
  refundId: RefundId;
  reason: string;
}

export interface RecordHisWritebackSuccess extends OrderCommandBase {
  type: 'RecordHisWritebackSuccess';
  hisReceiptId: RefId;
}

export interface RecordHisWritebackFailure extends OrderCommandBase {
  type: 'RecordHisWritebackFailure';
  attempt: number;
  error: string;
  /** False when the HIS refused for good (a business refusal): no retry will help. */
  retryable: boolean;
}

/** The HIS confirmed a refund (退费确认). */
export interface RecordHisRefundWritebackSuccess extends OrderCommandBase {
  type: 'RecordHisRefundWritebackSuccess';
  refundId: RefundId;
  hisReceiptId: RefId;
}

export interface RecordHisRefundWritebackFailure extends OrderCommandBase {
  type: 'RecordHisRefundWritebackFailure';
  refundId: RefundId;
  attempt: number;
  error: string;
  retryable: boolean;
}

export type OrderCommand =
  | CreateOrder
  | RequestPayment
  | RecordPayment
  | MarkPaymentUnknown
  | ConfirmPayment
  | RecordPaymentFailure
  | CancelOrder
  | RequestRefund
  | VerifyRefundIdentity
  | RecordRefundSuccess
  | RecordRefundFailure
  | RecordHisWritebackSuccess
  | RecordHisWritebackFailure
  | RecordHisRefundWritebackSuccess
  | RecordHisRefundWritebackFailure;

export type OrderCommandType = OrderCommand['type'];

// ---- events (data is JSON: money as "12.50", ids as strings, no undefined) ----

export type ChargeItemData = { hisItemId: string; name: string; amount: MoneyString };

export type OrderBusinessData = OrderBusiness<string, string, ChargeItemData>;

/** Money taken at a channel, as an event records it: the transaction, the amount and whose account it came from. */
export type ChannelPaymentData = {
  channel: string;
  channelTxnId: string;
  amount: MoneyString;
  payerRef: string;
  /** Absent on events recorded before merchants were (and when unknown): read as the hospital's primary. */
  merchantId?: string;
};

/** 'payment' = the order's payment (reverses revenue); 'duplicate' = a surplus payment (settles the payable). */
export type RefundOf = 'payment' | 'duplicate';

/** A refund of an order as its events record it: which payment it returns, through which transaction. */
export type RefundData = {
  orderId: string;
  orderKind: OrderKind;
  refundId: string;
  of: RefundOf;
  channel: string;
  channelTxnId: string;
  amount: MoneyString;
};

/** Each order event's type and its data (both persisted: never change either). */
type OrderEventData = {
  OrderCreated: { orderId: string; patientId: string; amount: MoneyString; business: OrderBusinessData };
  PaymentRequested: { orderId: string; attemptId: string; channel: string };
  /** Self-contained so the ledger posts from the event alone: kind and admission tell which account is credited. */
  PaymentSucceeded: {
    orderId: string;
    orderKind: OrderKind;
    admissionId: string | null;
    attemptId: string | null;
  } & ChannelPaymentData;
  PaymentStatusUnknown: { orderId: string; attemptId: string; channel: string };
  /** An unknown attempt resolved as paid: the same money effect as PaymentSucceeded (its data, of a known attempt). */
  PaymentConfirmed: OrderEventData['PaymentSucceeded'] & { attemptId: string };
  PaymentFailed: { orderId: string; attemptId: string; channel: string; reason: string };
  /**
   * Money arrived for an order that cannot take it (already paid by another transaction, or cancelled). It is
   * owed back to the payer: recorded (never dropped) and refundable in full through RequestRefund naming its txn.
   */
  DuplicatePaymentReceived: {
    orderId: string;
    orderKind: OrderKind;
    reason: 'order-already-paid' | 'order-cancelled';
  } & ChannelPaymentData;
  OrderCancelled: { orderId: string; orderKind: OrderKind; reason: string; wasPaid: boolean };
  /** Always the original payment's channel, transaction and account. */
  RefundRequested: RefundData & {
    payerRef: string;
    /** The refund returns everything still refundable on that payment. */
    full: boolean;
    reason: string;
    /** Absent: back by the original route. Present: paid out this way, approved by `approvedBy`. */
    payout?: PayoutRoute;
    approvedBy?: string;
  };
  RefundIdentityVerified: { orderId: string; refundId: string; method: IdentityMethod; verifiedBy: string };
  RefundSucceeded: RefundData & {
    channelRefundId: string;
    /** 'channel': the money went out at the channel without a platform request (absent: the platform asked). */
    initiatedBy?: 'channel';
  };
  RefundFailed: { orderId: string; refundId: string; amount: MoneyString; reason: string };
  HisWritebackSucceeded: { orderId: string; hisReceiptId: string };
  /** Schema v2 added `retryable` (v1 events are upcast: a HIS_REJECTED error was final, anything else retryable). */
  HisWritebackFailed: { orderId: string; attempt: number; error: string; retryable: boolean };
  HisRefundWritebackSucceeded: { orderId: string; refundId: string; hisReceiptId: string };
  HisRefundWritebackFailed: {
    orderId: string;
    refundId: string;
    attempt: number;
    error: string;
    retryable: boolean;
  };
};
export type OrderCreated = EventOf<OrderEventData, 'OrderCreated'>;
export type PaymentRequested = EventOf<OrderEventData, 'PaymentRequested'>;
export type PaymentSucceeded = EventOf<OrderEventData, 'PaymentSucceeded'>;
export type PaymentStatusUnknown = EventOf<OrderEventData, 'PaymentStatusUnknown'>;
export type PaymentConfirmed = EventOf<OrderEventData, 'PaymentConfirmed'>;
export type PaymentFailed = EventOf<OrderEventData, 'PaymentFailed'>;
export type DuplicatePaymentReceived = EventOf<OrderEventData, 'DuplicatePaymentReceived'>;
export type OrderCancelled = EventOf<OrderEventData, 'OrderCancelled'>;
export type RefundRequested = EventOf<OrderEventData, 'RefundRequested'>;
export type RefundIdentityVerified = EventOf<OrderEventData, 'RefundIdentityVerified'>;
export type RefundSucceeded = EventOf<OrderEventData, 'RefundSucceeded'>;
export type RefundFailed = EventOf<OrderEventData, 'RefundFailed'>;
export type HisWritebackSucceeded = EventOf<OrderEventData, 'HisWritebackSucceeded'>;
export type HisWritebackFailed = EventOf<OrderEventData, 'HisWritebackFailed'>;
export type HisRefundWritebackSucceeded = EventOf<OrderEventData, 'HisRefundWritebackSucceeded'>;
export type HisRefundWritebackFailed = EventOf<OrderEventData, 'HisRefundWritebackFailed'>;

export type OrderEvent = EventOf<OrderEventData>;
export type OrderEventType = OrderEvent['type'];

// ---- state ----

export type OrderStatus =
  | 'none'
  | 'awaiting-payment'
  | 'payment-requested'
  | 'payment-unknown'
  | 'paid'
  | 'cancelled';

export type HisStatus = 'not-applicable' | 'pending' | 'failed' | 'synced';

export interface Payment {
  channel: string;
  channelTxnId: string;
  amount: Money;
  payerRef: string;
  /** The merchant that took it; null when not recorded (the hospital's primary merchant of the channel). */
  merchantId: string | null;
}

export interface Refund {
  refundId: string;
  of: RefundOf;
  channelTxnId: string;
  amount: Money;
  status: 'requested' | 'succeeded' | 'failed';
  identityVerified: boolean;
  channelRefundId: string | null;
  /** The HIS learns of a refund once it succeeded: pending until its writeback is confirmed. */
  his: HisStatus;
  /** A fallback payout instead of the original route; absent = the original route. */
  payout?: PayoutRoute;
  hisAttempts: number;
}

export interface OrderState {
  status: OrderStatus;
  orderId: string;
  patientId: string;
  kind: OrderKind;
  admissionId: string | null;
  amount: Money;
  /** The attempt in flight (requested) or lost (unknown). */
  attempt: { attemptId: string; channel: string } | null;
  /** The one payment the order accepted; kept after cancellation (its refund is pending). */
  payment: Payment | null;
  /** Surplus payments, owed back to the payer. */
  duplicates: readonly Payment[];
  refunds: ReadonlyMap<string, Refund>;
  his: HisStatus;
  hisAttempts: number;
  hisLastError: string | null;
  /** False once the HIS refused the payment's writeback for good (a business refusal). */
  hisRetryable: boolean;
}
