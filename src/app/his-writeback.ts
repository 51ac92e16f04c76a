// HIS writeback (缴费确认 / 退费确认): the HIS is told of every payment and every succeeded refund, and the
// outcome becomes an event on the order (HisWritebackSucceeded/Failed, HisRefundWritebackSucceeded/Failed).
// The reaction (domain/reactions/his-writeback.ts) asks for each attempt; these functions carry one out. The
// order is read again first: an attempt the order already moved past (synced, or a later attempt recorded)
// does nothing, which is what makes a re-run of the reaction harmless. Every HIS operation is idempotent on
// the HIS side, so an attempt whose outcome was lost (timeout) is retried as the same request.
import { handle } from '../domain/command-handler.ts';
import type { Actor } from '../domain/decider.ts';
import type { HisClient, HisConfirmPaymentRequest, HisConfirmResult } from '../domain/his/port.ts';
import { HisError } from '../domain/his/port.ts';
import { HospitalId, OrderId, RefId, RefundId } from '../domain/ids.ts';
import { ORDER_LIMITS, type OrderCommand, type OrderEvent, orderDecider } from '../domain/order/index.ts';
import { loadOrder } from './load.ts';
import { NotReady } from './reactions/not-ready.ts';
import { HIS_WRITEBACK_MAX_ATTEMPTS } from '../domain/reactions/his-writeback.ts';
import type { AppPorts } from './ports.ts';

export type WritebackOutcome = 'synced' | 'failed' | 'not-needed';

export const HIS_WRITEBACK_ACTOR: Actor = { kind: 'system', id: 'his-writeback' };

function chargeRefs(created: OrderEvent | undefined): { refs: string[]; visitNo?: string } {
  if (created?.type !== 'OrderCreated') return { refs: [] };
  const b = created.data.business;
  switch (b.kind) {
    case 'outpatient':
      return { refs: b.chargeItems.map((i) => i.hisItemId), visitNo: b.visitId };
    case 'registration':
      return { refs: [b.slotId] };
    case 'deposit':
      return { refs: [], visitNo: b.admissionId };
  }
}

function failureOf(error: unknown): { message: string; retryable: boolean; code: string } {
  const code = error instanceof HisError ? error.code : 'HIS_CLIENT_ERROR';
  const detail = error instanceof HisError && error.hisCode ? ` ${error.hisCode}` : '';
  const message = `${code}${detail}: ${error instanceof Error ? error.message : String(error)}`.slice(
    0,
    ORDER_LIMITS.textLength,
  );
  return { message, retryable: error instanceof HisError ? error.retryable : true, code };
}

type Ports = Pick<AppPorts, 'store' | 'logger' | 'now'> & { his: HisClient };

/**
 * Writes one order's payment back to the HIS if it still needs it, and records the outcome. `attempt`: the
 * attempt the reaction asked for (default: the next one); an attempt already recorded is not made again.
 */
export async function writeBackPayment(
  ports: Ports,
  hospitalId: string,
  orderId: string,
  attempt?: number,
): Promise<WritebackOutcome> {
  const { state, events } = await loadOrder(ports.store, hospitalId, orderId);
  if (!state.payment || (state.his !== 'pending' && state.his !== 'failed')) return 'not-needed';
  const next = state.hisAttempts + 1;
  if (attempt !== undefined && attempt < next) return 'not-needed';
  const paidEvent = [...events]
    .reverse()
    .find((e) => e.type === 'PaymentSucceeded' || e.type === 'PaymentConfirmed') as
    | (OrderEvent & { occurredAt?: Date })
    | undefined;
  const { refs, visitNo } = chargeRefs(events.find((e) => e.type === 'OrderCreated'));
  const request: HisConfirmPaymentRequest = {
    hospitalId,
    orderId,
    hisChargeRefs: refs,
    ...(visitNo ? { visitNo } : {}),
    channel: state.payment.channel,
    channelTxnId: state.payment.channelTxnId,
    amount: state.payment.amount.toString(),
    paidAt: paidEvent?.occurredAt ?? ports.now(),
  };
  return recordWriteback(ports, 'payment', { hospitalId, orderId }, next, () =>
    ports.his.confirmPayment(request),
  );
}

/** Writes one succeeded refund back to the HIS (退费确认) if it still needs it, and records the outcome. */
export async function writeBackRefund(
  ports: Ports,
  hospitalId: string,
  orderId: string,
  refundId: string,
  attempt?: number,
): Promise<WritebackOutcome> {
  const { state } = await loadOrder(ports.store, hospitalId, orderId);
  const refund = state.refunds.get(refundId);
  if (refund?.status !== 'succeeded' || (refund.his !== 'pending' && refund.his !== 'failed'))
    return 'not-needed';
  const next = refund.hisAttempts + 1;
  if (attempt !== undefined && attempt < next) return 'not-needed';
  // The HIS refunds only what it knows was paid: the payment's writeback goes first. While it may still
  // succeed the refund waits; a payment the HIS never took has no refund to write back (reconciliation shows it).
  if (state.his !== 'synced') {
    const paymentMayStillSync =
      state.his === 'pending' || (state.hisRetryable && state.hisAttempts < HIS_WRITEBACK_MAX_ATTEMPTS);
    if (paymentMayStillSync) throw new NotReady('the payment is not written back to the HIS yet');
    return 'not-needed';
  }
  const payment = [state.payment, ...state.duplicates].find((p) => p?.channelTxnId === refund.channelTxnId);
  return recordWriteback(ports, 'refund', { hospitalId, orderId, refundId }, next, () =>
    ports.his.confirmRefund({
      hospitalId,
      orderId,
      refundNo: refundId,
      channel: payment?.channel ?? 'unknown',
      ...(refund.channelRefundId ? { channelRefundId: refund.channelRefundId } : {}),
      amount: refund.amount.toString(),
      refundedAt: ports.now(),
    }),
  );
}

/** The order commands that record each kind of writeback's outcome, and what the log says of it. */
const WRITEBACK_RECORDS = {
  payment: {
    success: 'RecordHisWritebackSuccess',
    failure: 'RecordHisWritebackFailure',
    confirmed: 'HIS writeback confirmed',
    failed: 'HIS writeback failed; order stays paid-not-in-HIS',
  },
  refund: {
    success: 'RecordHisRefundWritebackSuccess',
    failure: 'RecordHisRefundWritebackFailure',
    confirmed: 'HIS refund writeback confirmed',
    failed: 'HIS refund writeback failed',
  },
} as const;

/**
 * Makes one HIS call and records its outcome on the order: the HIS receipt, or the failure as attempt `attempt`
 * with whether a retry may help (a failure to record the receipt counts as a failed attempt too).
 */
async function recordWriteback(
  ports: Ports,
  kind: keyof typeof WRITEBACK_RECORDS,
  of: { hospitalId: string; orderId: string; refundId?: string },
  attempt: number,
  call: () => Promise<HisConfirmResult>,
): Promise<WritebackOutcome> {
  const r = WRITEBACK_RECORDS[kind];
  const ids = { orderId: of.orderId, ...(of.refundId !== undefined ? { refundId: of.refundId } : {}) };
  const base = {
    hospitalId: HospitalId(of.hospitalId),
    orderId: OrderId(of.orderId),
    ...(of.refundId !== undefined ? { refundId: RefundId(of.refundId) } : {}),
    actor: HIS_WRITEBACK_ACTOR,
  };
  try {
    const result = await call();
    await handle(ports.store, orderDecider, {
      ...base,
      type: r.success,
      at: ports.now(),
      hisReceiptId: RefId(result.hisReceiptNo),
    } as OrderCommand);
    ports.logger.info({ ...ids, hisStatus: result.status }, r.confirmed);
    return 'synced';
  } catch (error) {
    const f = failureOf(error);
    await handle(ports.store, orderDecider, {
      ...base,
      type: r.failure,
      at: ports.now(),
      attempt,
      error: f.message,
      retryable: f.retryable,
    } as OrderCommand);
    ports.logger.warn({ ...ids, code: f.code, attempt, retryable: f.retryable }, r.failed);
    return 'failed';
  }
}
