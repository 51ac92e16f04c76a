// Paying through the platform (统一支付): one attempt at taking an order's money through a payment channel, as
// the platform itself asks the channel for it — a QR code the patient scans (扫码付), a payment code the device
// scans (条码付), or an in-app payment a page starts (JSAPI / Alipay create). Stream `<hospitalId>/payment/<orderId>`:
// the order's trade at the channel (our merchant order number is the order id), with every attempt on it.
//
// The order stays the money's truth (PaymentRequested, PaymentSucceeded/Confirmed, PaymentFailed on the order
// stream); this stream records what the platform did at the channel and how each attempt ended, so a trade is
// never left open, charged or closed without a fact saying so.
import type { CommandBase } from '../decider.ts';
import type { GatewayChannel } from '../channel/gateway.ts';
import { PAYMENT_WINDOW_MS } from '../channel/payment-window.ts';

export const PAYMENT_METHODS = ['qr', 'code', 'in_app'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** How an attempt's success became known: the channel's answer to the payment call, its callback, or our query. */
export type SettledVia = 'answer' | 'callback' | 'query';

/** What a reversal (撤销) did at the channel: closed an unpaid trade, or refunded a trade that had been paid. */
export type ReversalAction = 'close' | 'refund';

/** Attempts one order's trade may take (a payment code declined, then another code …). */
export const MAX_ATTEMPTS_PER_TRADE = 20;
/** Longest a QR code or an in-app prepay may stay payable: the payment window (channel/payment-window.ts). */
export const MAX_PAYMENT_EXPIRY_MS = PAYMENT_WINDOW_MS;
export const DEFAULT_QR_EXPIRY_MS = 5 * 60_000;
export const DEFAULT_IN_APP_EXPIRY_MS = 15 * 60_000;
/** How long a payment code may stay "user paying" (entering the password) before it is reversed. */
export const DEFAULT_CODE_FOLLOW_MS = 60_000;
export const MAX_CODE_FOLLOW_MS = 5 * 60_000;
/** Largest amount one payment through the platform may take, per method (CNY). */
export const PAYMENT_AMOUNT_LIMITS: Readonly<Record<PaymentMethod, string>> = {
  qr: '50000.00',
  code: '5000.00',
  in_app: '50000.00',
};
/** Longest display payload (a QR code URL, the JSAPI parameters) kept in an event. */
export const MAX_DISPLAY_BYTES = 4096;

interface PaymentCommandBase extends CommandBase {
  orderId: string;
  attemptId: string;
}

export interface StartPaymentAttempt extends PaymentCommandBase {
  type: 'StartPaymentAttempt';
  method: PaymentMethod;
  channel: GatewayChannel;
  /** CNY, two decimals: the order's amount. */
  amount: string;
  merchantOrderNo: string;
  /** The instant past which an unpaid attempt is closed (QR, in-app) or reversed (code). */
  expiresAt: Date;
}

/** What the patient's screen needs: the QR code to show, or the parameters an in-app page starts paying with. */
export interface RecordAttemptPrepared extends PaymentCommandBase {
  type: 'RecordAttemptPrepared';
  display: Record<string, string>;
}

export interface RecordAttemptAwaitingPassword extends PaymentCommandBase {
  type: 'RecordAttemptAwaitingPassword';
}

export interface RecordAttemptSucceeded extends PaymentCommandBase {
  type: 'RecordAttemptSucceeded';
  channelTxnId: string;
  amount: string;
  via: SettledVia;
}

export interface RecordAttemptFailed extends PaymentCommandBase {
  type: 'RecordAttemptFailed';
  reason: string;
  channelCode: string | null;
}

export interface RecordAttemptReversed extends PaymentCommandBase {
  type: 'RecordAttemptReversed';
  reason: string;
  action: ReversalAction;
}

export interface RecordAttemptClosed extends PaymentCommandBase {
  type: 'RecordAttemptClosed';
  reason: string;
}

export type PaymentCommand =
  | StartPaymentAttempt
  | RecordAttemptPrepared
  | RecordAttemptAwaitingPassword
  | RecordAttemptSucceeded
  | RecordAttemptFailed
  | RecordAttemptReversed
  | RecordAttemptClosed;

export type PaymentAttemptStarted = {
  type: 'PaymentAttemptStarted';
  data: {
    orderId: string;
    attemptId: string;
    method: PaymentMethod;
    channel: string;
    amount: string;
    merchantOrderNo: string;
    expiresAt: string;
  };
};
export type PaymentAttemptPrepared = {
  type: 'PaymentAttemptPrepared';
  data: { orderId: string; attemptId: string; display: Record<string, string> };
};
export type PaymentAttemptAwaitingPassword = {
  type: 'PaymentAttemptAwaitingPassword';
  data: { orderId: string; attemptId: string };
};
export type PaymentAttemptSucceeded = {
  type: 'PaymentAttemptSucceeded';
  data: {
    orderId: string;
    attemptId: string;
    channel: string;
    channelTxnId: string;
    amount: string;
    via: SettledVia;
  };
};
export type PaymentAttemptFailed = {
  type: 'PaymentAttemptFailed';
  data: { orderId: string; attemptId: string; reason: string; channelCode: string | null };
};
export type PaymentAttemptReversed = {
  type: 'PaymentAttemptReversed';
  data: { orderId: string; attemptId: string; reason: string; action: ReversalAction };
};
export type PaymentAttemptClosed = {
  type: 'PaymentAttemptClosed';
  data: { orderId: string; attemptId: string; reason: string };
};

export type PaymentEvent =
  | PaymentAttemptStarted
  | PaymentAttemptPrepared
  | PaymentAttemptAwaitingPassword
  | PaymentAttemptSucceeded
  | PaymentAttemptFailed
  | PaymentAttemptReversed
  | PaymentAttemptClosed;

export const PAYMENT_EVENT_TYPES: readonly PaymentEvent['type'][] = [
  'PaymentAttemptStarted',
  'PaymentAttemptPrepared',
  'PaymentAttemptAwaitingPassword',
  'PaymentAttemptSucceeded',
  'PaymentAttemptFailed',
  'PaymentAttemptReversed',
  'PaymentAttemptClosed',
];

/**
 * An attempt's status: `started` (asked the channel), `awaiting-password` (code payment: the patient is entering
 * the password), then one final status. `reversed` / `closed` end the order's trade at the channel for good.
 */
export type AttemptStatus = 'started' | 'awaiting-password' | 'succeeded' | 'failed' | 'reversed' | 'closed';

export const FINAL_ATTEMPT_STATUSES: readonly AttemptStatus[] = ['succeeded', 'failed', 'reversed', 'closed'];

export interface PaymentAttempt {
  attemptId: string;
  method: PaymentMethod;
  channel: GatewayChannel;
  amount: string;
  merchantOrderNo: string;
  expiresAt: Date;
  status: AttemptStatus;
  display: Record<string, string> | null;
  channelTxnId: string | null;
  via: SettledVia | null;
  reason: string | null;
}

export interface PaymentState {
  orderId: string;
  /** Every attempt, oldest first; the last one is the current one. */
  attempts: readonly PaymentAttempt[];
}
