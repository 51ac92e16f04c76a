// Refunds that choose their route (原路退回): the plan of one refund across the original payments, its legs,
// the hospital's refund policy, and the plan's stream `<hospitalId>/refund-plan/<planId>`.
import type { CommandBase } from '../decider.ts';
import type { IdentityMethod } from '../order/types.ts';
import type { Money, MoneyString } from '../money.ts';

/** Back the way the money came (原路退回), or one of the fallbacks when that way is closed. */
export type RefundRoute = 'original' | 'bank-transfer' | 'cash-window';
export type FallbackRoute = Exclude<RefundRoute, 'original'>;
export const FALLBACK_ROUTES: readonly FallbackRoute[] = ['bank-transfer', 'cash-window'];

/** Which original payment gives back first. */
export type PlanOrder = 'newest-first' | 'oldest-first' | 'largest-first' | 'channel-priority';
export const PLAN_ORDERS: readonly PlanOrder[] = [
  'newest-first',
  'oldest-first',
  'largest-first',
  'channel-priority',
];

/** Why a payment's original route is closed. */
export type ClosedBecause = 'window-passed' | 'no-original-route' | 'route-closed';

/** Most payments one plan draws on, and so most legs (a deposit's top-ups are bounded well below this). */
export const MAX_REFUND_LEGS = 200;
/** Longest refund window a channel may be given (WeChat's is a year). */
export const MAX_REFUND_WINDOW_DAYS = 3 * 365;
export const MAX_PLAN_REASON_LENGTH = 500;

/**
 * The hospital's refund configuration. `windowsDays` names the channels that can take a refund back to the
 * original account and for how long after the payment (the channel's refund window); a channel missing from it
 * (cash, a window) has no original route. `fallbacks` are tried in order when the original route is closed.
 */
export interface RefundPolicy {
  order: PlanOrder;
  /** For `channel-priority`: channels named earlier give back first (others after, newest first). */
  channelPriority: string[];
  windowsDays: Record<string, number>;
  fallbacks: FallbackRoute[];
}

/** WeChat Pay refunds within 365 days of the payment, Alipay within 3 months (kept at 90 days, the safe side). */
export const DEFAULT_REFUND_POLICY: RefundPolicy = {
  order: 'newest-first',
  channelPriority: ['wechat', 'alipay'],
  windowsDays: { wechat: 365, alipay: 90 },
  fallbacks: ['bank-transfer', 'cash-window'],
};

/** One original payment a refund may draw on: an order's payment, or a deposit top-up. */
export interface RefundSource {
  /** The order that took the payment (the top-up order of a deposit). */
  orderId: string;
  channel: string;
  channelTxnId: string;
  /** The merchant (WeChat mchid / Alipay app id) that took it; null for payments recorded before merchants were. */
  merchantId: string | null;
  payerRef: string;
  /** The payment's business time. */
  paidAt: Date;
  amount: Money;
  /** Already refunded from it (any route). */
  refunded: Money;
  /** Set when the original account cannot take money back (card cancelled, account closed): the reason. */
  closed?: string;
}

/** A bank account of the patient's, checked by a person (masked), for the bank-transfer fallback. */
export interface PayeeAccount {
  accountRef: string;
  verifiedBy: string;
}

export interface PlanInput {
  amount: Money;
  sources: readonly RefundSource[];
  policy: RefundPolicy;
  /** The instant the plan is made (the refund windows are counted to it). */
  now: Date;
  payeeAccount: PayeeAccount | null;
}

export interface PlannedLeg {
  legNo: number;
  orderId: string;
  channel: string;
  channelTxnId: string;
  merchantId: string | null;
  amount: Money;
  route: RefundRoute;
  /** Why this leg does not go back by the original route; null when it does. */
  closedBecause: ClosedBecause | null;
  /** A fallback leg moves money outside the original route: a supervisor approves it first. */
  needsApproval: boolean;
}

export type RefundTarget = { kind: 'order'; orderId: string } | { kind: 'deposit'; admissionId: string };

// ---- commands ----

interface PlanCommandBase extends CommandBase {
  planId: string;
}

export interface PlanRefund extends PlanCommandBase {
  type: 'PlanRefund';
  target: RefundTarget;
  amount: Money;
  reason: string;
  /** Read by the use case from the order or deposit stream as it stands. */
  sources: RefundSource[];
  policy: RefundPolicy;
  payeeAccount: PayeeAccount | null;
  identity: { method: IdentityMethod; verifiedBy: string } | null;
  /** A deposit remainder: the account as it stands (only a settled deposit's balance goes back). */
  deposit?: { settled: boolean; balance: Money };
}

export interface ApproveRefundLeg extends PlanCommandBase {
  type: 'ApproveRefundLeg';
  legNo: number;
  /** The approver's role as the edge authenticated it (a supervisor). */
  role?: string;
}

export interface RecordRefundLegOutcome extends PlanCommandBase {
  type: 'RecordRefundLegOutcome';
  legNo: number;
  outcome: 'succeeded' | 'failed';
  /** The channel's refund id, or the failure's reason. */
  detail: string;
}

/** Where word of a bounced bank transfer (退票) came from: a line of the bank's return file, or an operator. */
export type BounceSource = 'return-file' | 'operator';

/** A bank transfer reported sent came back (wrong or closed account): the leg's money is owed to the patient again. */
export interface RecordRefundLegBounce extends PlanCommandBase {
  type: 'RecordRefundLegBounce';
  legNo: number;
  /** What came back; it must be the leg's amount. */
  amount: Money;
  reason: string;
  source: BounceSource;
  /** The bank's reference of the return (file line or slip), for the statement. */
  bankRef: string;
}

/** A supervisor approves a new route for a bounced leg: cash at the window, or a corrected bank account. */
export interface RerouteRefundLeg extends PlanCommandBase {
  type: 'RerouteRefundLeg';
  legNo: number;
  route: FallbackRoute;
  /** For bank-transfer: the corrected account, checked by the approver (masked). */
  payeeAccountRef: string | null;
  role?: string;
}

/** The reaction paid a rerouted leg out by its new route. */
export interface RecordRefundLegReissue extends PlanCommandBase {
  type: 'RecordRefundLegReissue';
  legNo: number;
  reissue: number;
}

export type RefundPlanCommand =
  | PlanRefund
  | ApproveRefundLeg
  | RecordRefundLegOutcome
  | RecordRefundLegBounce
  | RerouteRefundLeg
  | RecordRefundLegReissue;

/** Most times one leg may be rerouted after bounces (then the refund is handled by hand). */
export const MAX_LEG_REISSUES = 5;

// ---- events ----

export type RefundLegData = {
  legNo: number;
  /** The refund number this leg uses on the order or deposit stream (and at the channel). */
  refundId: string;
  orderId: string;
  channel: string;
  channelTxnId: string;
  merchantId: string | null;
  amount: MoneyString;
  route: RefundRoute;
  closedBecause: ClosedBecause | null;
  needsApproval: boolean;
};

export type RefundPlanned = {
  type: 'RefundPlanned';
  data: {
    planId: string;
    target: RefundTarget;
    amount: MoneyString;
    reason: string;
    plannedBy: string;
    identityMethod: IdentityMethod;
    verifiedBy: string;
    order: PlanOrder;
    payeeAccountRef: string | null;
    legs: RefundLegData[];
  };
};

export type RefundLegApproved = {
  type: 'RefundLegApproved';
  data: { planId: string; legNo: number; refundId: string; approvedBy: string };
};

export type RefundLegSucceeded = {
  type: 'RefundLegSucceeded';
  data: { planId: string; legNo: number; refundId: string; amount: MoneyString; detail: string };
};

export type RefundLegFailed = {
  type: 'RefundLegFailed';
  data: { planId: string; legNo: number; refundId: string; amount: MoneyString; reason: string };
};

/**
 * A bank transfer came back. Posts the reverse of the payout's clearing credit: Dr channel:bank-transfer:clearing,
 * Cr payable:refunds — the refund itself stands (revenue / deposit as decided, the HIS told), the money is owed.
 */
export type RefundLegBounced = {
  type: 'RefundLegBounced';
  data: {
    planId: string;
    legNo: number;
    refundId: string;
    /** The clearing channel the bounced payout had left through. */
    channel: string;
    amount: MoneyString;
    reason: string;
    source: BounceSource;
    bankRef: string;
    recordedBy: string;
  };
};

export type RefundLegRerouted = {
  type: 'RefundLegRerouted';
  data: {
    planId: string;
    legNo: number;
    refundId: string;
    route: FallbackRoute;
    payeeAccountRef: string | null;
    approvedBy: string;
    /** 1 for the first reroute of this leg, 2 for the next… */
    reissue: number;
  };
};

/** A rerouted leg paid out again. Posts Dr payable:refunds, Cr channel:<cash | bank-transfer>:clearing. */
export type RefundLegReissued = {
  type: 'RefundLegReissued';
  data: {
    planId: string;
    legNo: number;
    refundId: string;
    route: FallbackRoute;
    channel: string;
    amount: MoneyString;
    payeeAccountRef: string | null;
    reissue: number;
  };
};

export type RefundPlanEvent =
  | RefundPlanned
  | RefundLegApproved
  | RefundLegSucceeded
  | RefundLegFailed
  | RefundLegBounced
  | RefundLegRerouted
  | RefundLegReissued;
export const REFUND_PLAN_EVENT_TYPES: readonly RefundPlanEvent['type'][] = [
  'RefundPlanned',
  'RefundLegApproved',
  'RefundLegSucceeded',
  'RefundLegFailed',
  'RefundLegBounced',
  'RefundLegRerouted',
  'RefundLegReissued',
];

// ---- state ----

/** `bounced`: a bank transfer came back; the money is owed until a supervisor reroutes the leg. */
export type LegStatus = 'ready' | 'awaiting-approval' | 'approved' | 'succeeded' | 'failed' | 'bounced';

export interface LegState extends RefundLegData {
  status: LegStatus;
  approvedBy: string | null;
  detail: string | null;
  /** Times the leg was rerouted after a bounce (0: as planned). */
  reissues: number;
  /** The patient's account the leg pays into (bank-transfer), after any correction. */
  payeeAccountRef: string | null;
}

export type PlanStatus = 'none' | 'in-progress' | 'completed' | 'completed-with-failures';

export interface RefundPlanState {
  planId: string;
  status: PlanStatus;
  target: RefundTarget | null;
  amount: Money;
  plannedBy: string;
  legs: LegState[];
}
