// The simulated day's commands as the bus's clients send them: each command becomes the HTTP request a
// kiosk, an app, a window or the bank feed would make (`/v1/...`, JSON body, idempotency key). The caller
// sends it (signed as a bus client, or as a finance supervisor for the bank feed) at the command's business
// time. With driveDay (the same commands through the use cases in process) this shows both edges agree.
import type { DepositCommand } from '../domain/deposit/types.ts';
import type { OrderBusinessInput, OrderCommand } from '../domain/order/types.ts';
import type { SettlementCommand } from '../domain/settlement/types.ts';
import type { SimCommand } from './commands.ts';

export interface BusRequest {
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
  /** Who sends it: a bus client (kiosk, app, window), or a finance supervisor (the bank statement). */
  as: 'client' | 'supervisor';
}

const enc = encodeURIComponent;

function businessBody(b: OrderBusinessInput): Record<string, unknown> {
  if (b.kind === 'outpatient')
    return {
      kind: 'outpatient',
      visitId: b.visitId,
      chargeItems: b.chargeItems.map((i) => ({
        hisItemId: i.hisItemId,
        name: i.name,
        amount: i.amount.toString(),
      })),
    };
  if (b.kind === 'registration')
    return {
      kind: 'registration',
      mode: b.mode,
      departmentId: b.departmentId,
      doctorId: b.doctorId,
      slotId: b.slotId,
      visitDate: b.visitDate,
    };
  return { kind: 'deposit', admissionId: b.admissionId };
}

function orderRequest(c: OrderCommand): BusRequest {
  const order = `/v1/orders/${enc(c.orderId)}`;
  const post = (path: string, body: Record<string, unknown>): BusRequest => ({
    method: 'POST',
    path,
    body,
    as: 'client',
  });
  switch (c.type) {
    case 'CreateOrder':
      if (c.business.kind === 'deposit')
        return post(`/v1/deposits/${enc(c.business.admissionId)}/top-ups`, {
          orderId: c.orderId,
          patientId: c.patientId,
          amount: c.amount.toString(),
        });
      return post('/v1/orders', {
        orderId: c.orderId,
        patientId: c.patientId,
        amount: c.amount.toString(),
        business: businessBody(c.business),
      });
    case 'RequestPayment':
      return post(`${order}/payment-attempts`, { attemptId: c.attemptId, channel: c.channel });
    case 'RecordPayment':
      return post(`${order}/payments`, {
        channel: c.channel,
        channelTxnId: c.channelTxnId,
        amount: c.amount.toString(),
        payerRef: c.payerRef,
        ...(c.attemptId ? { attemptId: c.attemptId } : {}),
      });
    case 'MarkPaymentUnknown':
      return post(`${order}/payment-attempts/${enc(c.attemptId)}/outcome`, {
        channel: c.channel,
        outcome: 'unknown',
      });
    case 'RecordPaymentFailure':
      return post(`${order}/payment-attempts/${enc(c.attemptId)}/outcome`, {
        channel: c.channel,
        outcome: 'failed',
        reason: c.reason,
      });
    case 'ConfirmPayment':
      return post(`${order}/payment-attempts/${enc(c.attemptId)}/confirmation`, {
        channelTxnId: c.channelTxnId,
        amount: c.amount.toString(),
        payerRef: c.payerRef,
      });
    case 'CancelOrder':
      return post(`${order}/cancel`, { reason: c.reason, ...(c.refundId ? { refundId: c.refundId } : {}) });
    case 'RequestRefund':
      return post(`${order}/refunds`, {
        refundId: c.refundId,
        amount: c.amount.toString(),
        reason: c.reason,
        ...(c.channelTxnId ? { channelTxnId: c.channelTxnId } : {}),
        ...(c.identity ? { identity: c.identity } : {}),
      });
    case 'VerifyRefundIdentity':
      return post(`${order}/refunds/${enc(c.refundId)}/identity`, {
        method: c.method,
        verifiedBy: c.verifiedBy,
      });
    case 'RecordRefundSuccess':
      return post(`${order}/refunds/${enc(c.refundId)}/result`, {
        outcome: 'succeeded',
        channelRefundId: c.channelRefundId,
        ...(c.identity ? { identity: c.identity } : {}),
      });
    case 'RecordRefundFailure':
      return post(`${order}/refunds/${enc(c.refundId)}/result`, { outcome: 'failed', reason: c.reason });
    default:
      throw new Error(`${c.type} is not sent by a bus client: the platform issues it itself`);
  }
}

function depositRequest(c: DepositCommand): BusRequest {
  const deposit = `/v1/deposits/${enc(c.admissionId)}`;
  switch (c.type) {
    case 'ApplyDepositAtDischarge':
      return {
        method: 'POST',
        path: `${deposit}/discharge`,
        body: { settlementId: c.settlementId, amount: c.amount.toString() },
        as: 'client',
      };
    case 'RefundDepositRemainder':
      return {
        method: 'POST',
        path: `${deposit}/remainder-refunds`,
        body: {
          refundId: c.refundId,
          topUpOrderId: c.topUpOrderId,
          amount: c.amount.toString(),
          ...(c.identity ? { identity: c.identity } : {}),
        },
        as: 'client',
      };
    default:
      throw new Error(`${c.type} is not sent by a bus client: the platform's reaction issues it`);
  }
}

function settlementRequest(c: SettlementCommand): BusRequest {
  if (c.type !== 'RecordChannelSettlement') throw new Error(`${c.type} comes from statement imports`);
  return {
    method: 'POST',
    path: '/v1/settlements',
    body: {
      channel: c.channel,
      businessDate: c.businessDate,
      settlementId: c.settlementId,
      bankAccount: c.bankAccount,
      amount: c.amount.toString(),
    },
    as: 'supervisor',
  };
}

/** The request a simulated command is sent as. */
export function busRequestOf(step: SimCommand): BusRequest {
  if (step.decider === 'order') return orderRequest(step.command);
  if (step.decider === 'deposit') return depositRequest(step.command);
  return settlementRequest(step.command);
}
