// How each kind of intent is carried out. Every executor reads the current state first and issues its
// commands with an idempotency key derived from the intent, so carrying the same intent out twice appends
// nothing twice.
import { handle } from '../../domain/command-handler.ts';
import { depositCreditFor, depositDecider } from '../../domain/deposit/index.ts';
import {
  CHANNEL_CLOSE_ORDER,
  CHANNEL_DEPOSIT_REFUND,
  CHANNEL_QUERY_PAYMENT,
  CHANNEL_REFUND,
  DEPOSIT_CREDIT,
  DISCREPANCY_REFUND,
  HIS_PAYMENT_WRITEBACK,
  HIS_REFUND_WRITEBACK,
  REFUND_LEG,
  REFUND_LEG_OUTCOME,
  PAYMENT_FOLLOW,
  PAYMENT_SETTLE,
} from '../../domain/reactions/index.ts';
import { executeRefundLeg, recordRefundLegOutcome } from '../refunds.ts';
import {
  closeUnpaidOrder,
  followDepositRefund,
  followRefund,
  refundForDiscrepancy,
  resolveUnknownPayment,
} from '../channel-calls.ts';
import type { ClaimedWork } from '../../projections/reactions.ts';
import { writeBackPayment, writeBackRefund } from '../his-writeback.ts';
import { loadOrder } from '../load.ts';
import { followPaymentAttempt, settleAttemptFromOrder } from '../payments.ts';
import type { AppPorts } from '../ports.ts';

import { NotReady } from './not-ready.ts';

export { NotReady };

export type Executor = (ports: AppPorts, work: ClaimedWork, reaction: string) => Promise<string>;

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`work data without ${field}`);
  return v;
}

/** The idempotency key of what an intent issues: the same on every run of the same intent. */
function intentKey(work: ClaimedWork, reaction: string): string {
  return `rx:${reaction}:${work.key}`;
}

/** The refund plan and leg number a refund leg's work names. */
function legOf(work: ClaimedWork): [planId: string, legNo: number] {
  return [text(work.data.planId, 'planId'), Number(work.data.legNo)];
}

/** An executor calling `run` with the hospital, two named text fields of the work and the intent's key. */
function keyed(
  run: (ports: AppPorts, hospitalId: string, a: string, b: string, idempotencyKey: string) => Promise<string>,
  a: string,
  b: string,
): Executor {
  return (ports, work, reaction) =>
    run(ports, work.hospitalId, text(work.data[a], a), text(work.data[b], b), intentKey(work, reaction));
}

export const EXECUTORS: Readonly<Record<string, Executor>> = {
  async [DEPOSIT_CREDIT](ports, work, reaction) {
    const orderId = text(work.data.orderId, 'orderId');
    const { state } = await loadOrder(ports.store, work.hospitalId, orderId);
    // Credited at the payment's business time, whenever the work runs.
    const credit = depositCreditFor(work.hospitalId, state, work.dueAt);
    if (!credit) return 'not-needed';
    const r = await handle(ports.store, depositDecider, credit, {
      idempotencyKey: intentKey(work, reaction),
      metadata: { causationId: `order:${orderId}` },
    });
    return r.events.length > 0 ? 'credited' : 'already-credited';
  },
  async [HIS_PAYMENT_WRITEBACK](ports, work) {
    if (!ports.his) throw new NotReady('no HIS is configured');
    const attempt = Number(work.data.attempt);
    return writeBackPayment(
      { ...ports, his: ports.his },
      work.hospitalId,
      text(work.data.orderId, 'orderId'),
      attempt,
    );
  },
  async [HIS_REFUND_WRITEBACK](ports, work) {
    if (!ports.his) throw new NotReady('no HIS is configured');
    return writeBackRefund(
      { ...ports, his: ports.his },
      work.hospitalId,
      text(work.data.orderId, 'orderId'),
      text(work.data.refundId, 'refundId'),
      Number(work.data.attempt),
    );
  },
  [CHANNEL_QUERY_PAYMENT]: keyed(resolveUnknownPayment, 'orderId', 'attemptId'),
  [CHANNEL_REFUND]: keyed(followRefund, 'orderId', 'refundId'),
  [CHANNEL_CLOSE_ORDER]: keyed(closeUnpaidOrder, 'orderId', 'attemptId'),
  [CHANNEL_DEPOSIT_REFUND]: keyed(followDepositRefund, 'admissionId', 'refundId'),
  [REFUND_LEG]: (ports, work, reaction) =>
    executeRefundLeg(ports, work.hospitalId, ...legOf(work), intentKey(work, reaction)),
  [REFUND_LEG_OUTCOME]: (ports, work, reaction) =>
    recordRefundLegOutcome(
      ports,
      work.hospitalId,
      ...legOf(work),
      work.data.outcome === 'succeeded' ? 'succeeded' : 'failed',
      String(work.data.detail ?? ''),
      intentKey(work, reaction),
    ),
  [DISCREPANCY_REFUND]: keyed(refundForDiscrepancy, 'discrepancyId', 'approvedBy'),
  [PAYMENT_FOLLOW]: (ports, work) =>
    followPaymentAttempt(
      ports,
      work.hospitalId,
      text(work.data.orderId, 'orderId'),
      text(work.data.attemptId, 'attemptId'),
    ),
  [PAYMENT_SETTLE]: (ports, work) =>
    settleAttemptFromOrder(ports, work.hospitalId, text(work.data.orderId, 'orderId')),
};
