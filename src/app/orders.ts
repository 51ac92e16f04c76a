// Order use cases: what kiosks, apps, windows, the HIS and the channels ask of an order. Each orchestrates
// only: it gathers what the decision needs (for a deposit top-up, the admission as it stands), then runs the
// one command path. The rules are the order decider's.
import type { HandleResult } from '../domain/command-handler.ts';
import { type ChannelNotice, noticeCommand } from '../domain/channel/notice.ts';
import {
  type AdmissionCheck,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
  orderDecider,
} from '../domain/order/index.ts';
import { type CommandContext, execute } from './execute.ts';
import { recordDepositRefundOutcome } from './deposit-refunds.ts';
import { loadDeposit, loadOrder } from './load.ts';
import type { AppPorts } from './ports.ts';

export type OrderOutcome = HandleResult<OrderEvent, OrderState>;

async function admissionOf(
  ports: AppPorts,
  hospitalId: string,
  admissionId: string,
): Promise<AdmissionCheck> {
  const { state } = await loadDeposit(ports.store, hospitalId, admissionId);
  return { patientId: state.exists ? state.patientId : null };
}

/**
 * Any order command. A deposit top-up order is checked against its admission before any money is recorded
 * for it: at creation, and again when its payment arrives (an order created before the admission had a
 * deposit account). The payment's check reads the admission from the order as the handler read it for the
 * decision, so the order stream is read once.
 */
export async function runOrderCommand(
  ports: AppPorts,
  command: OrderCommand,
  ctx: CommandContext,
): Promise<OrderOutcome> {
  if (command.type === 'CreateOrder' && command.business.kind === 'deposit') {
    const admission = await admissionOf(ports, command.hospitalId, command.business.admissionId);
    return execute(ports, orderDecider, { ...command, admission }, ctx);
  }
  if (command.type === 'RecordPayment' || command.type === 'ConfirmPayment')
    return execute(ports, orderDecider, command, ctx, async (c, order) =>
      order.kind === 'deposit' && order.admissionId
        ? { ...c, admission: await admissionOf(ports, c.hospitalId, order.admissionId) }
        : c,
    );
  return execute(ports, orderDecider, command, ctx);
}

export type NoticeOutcome =
  | 'recorded'
  | 'confirmed'
  | 'refund-recorded'
  | 'refund-failed'
  | 'duplicate'
  | `ignored-${string}`;

/**
 * A refund notice about a deposit remainder refund (sent against the top-up's order, numbered by the deposit):
 * its outcome belongs to the deposit account. Undefined when the notice is about anything else.
 */
async function depositRefundOf(
  ports: AppPorts,
  hospitalId: string,
  notice: ChannelNotice,
): Promise<NoticeOutcome | undefined> {
  if (notice.kind !== 'refund' || !notice.refundNo) return undefined;
  const { state: order } = await loadOrder(ports.store, hospitalId, notice.merchantOrderNo);
  if (order.kind !== 'deposit' || !order.admissionId || order.refunds.has(notice.refundNo)) return undefined;
  const { state: deposit } = await loadDeposit(ports.store, hospitalId, order.admissionId);
  if (!deposit.refunds.has(notice.refundNo)) return undefined;
  if (notice.status !== 'succeeded' && notice.status !== 'closed') return `ignored-${notice.status}`;
  const ok = notice.status === 'succeeded';
  const n = await recordDepositRefundOutcome(
    ports,
    hospitalId,
    order.admissionId,
    notice.refundNo,
    ok ? 'succeeded' : 'failed',
    ok
      ? (notice.channelRefundId ?? `${notice.channelTxnId}:${notice.refundNo}`)
      : `closed by ${notice.channel}: ${notice.channelStatus}`,
  );
  return n === 0 ? 'duplicate' : ok ? 'refund-recorded' : 'refund-failed';
}

/** A verified channel notification (callback or query answer) applied to its order. */
export async function applyChannelNotice(
  ports: AppPorts,
  hospitalId: string,
  notice: ChannelNotice,
): Promise<NoticeOutcome> {
  const deposit = await depositRefundOf(ports, hospitalId, notice);
  if (deposit) return deposit;
  const command = noticeCommand(hospitalId, notice);
  if (!command) return `ignored-${notice.status}`;
  const r = await runOrderCommand(ports, command, {
    actor: command.actor,
    correlationId: notice.notificationId ?? `${notice.channel}:${notice.channelTxnId}`,
  });
  if (r.events.length === 0) return 'duplicate';
  switch (r.events[0]!.type) {
    case 'PaymentConfirmed':
      return 'confirmed';
    case 'RefundFailed':
      return 'refund-failed';
    case 'RefundSucceeded':
    case 'RefundIdentityVerified':
      return 'refund-recorded';
    default:
      return 'recorded';
  }
}
