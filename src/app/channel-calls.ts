// What the platform asks of a channel on its own initiative, one use case each; the channel_calls reaction
// (domain/reactions/channel-calls.ts) runs them, the scheduler runs the bill download. Each reads the order as it
// stands first and records what the channel says through the same path as a callback (applyChannelNotice), so a
// callback that came first, a retry after a lost answer, or a re-run of the reaction records nothing twice.
//
// While the channel's answer is "not yet" (a refund PROCESSING, a payment still being entered) the work throws
// NotReady: the dispatcher asks again later with backoff, without ever parking it. A channel that cannot be
// reached throws its ChannelCallError: retried with backoff, parked after repeated failures for a person.
import type { StatementSource } from '../adapters/statements/source.ts';
import { bufferSource } from '../adapters/statements/source.ts';
import type { ChannelNotice } from '../domain/channel/notice.ts';
import {
  type BillKind,
  ChannelCallError,
  type ChannelGateway,
  type GatewayChannel,
  isGatewayChannel,
} from '../domain/channel/gateway.ts';
import { handle } from '../domain/command-handler.ts';
import { fold } from '../domain/decider.ts';
import { AttemptId, Channel, ChannelTxnId, HospitalId, OrderId, RefundId } from '../domain/ids.ts';
import { Money } from '../domain/money.ts';
import { ORDER_LIMITS, type OrderCommand, orderDecider } from '../domain/order/index.ts';
import { findPayment } from '../domain/order/evolve.ts';
import { discrepancyDecider } from '../domain/reconciliation/discrepancy.ts';
import type { DiscrepancyEvent } from '../domain/reconciliation/events.ts';
import { isRejection } from '../domain/rejection.ts';
import { CHANNEL_CALLS_ACTOR, recordDepositRefundOutcome } from './deposit-refunds.ts';
import { loadDeposit, loadOrder } from './load.ts';
import { applyChannelNotice } from './orders.ts';
import type { AppPorts } from './ports.ts';
import { NotReady } from './reactions/not-ready.ts';
import { importStatement, type ImportResult } from './reconciliation/import-statement.ts';
import type { ReconciliationPorts } from './reconciliation/ports.ts';

type Ports = AppPorts;

async function gatewayOf(
  ports: Ports,
  hospitalId: string,
  channel: string,
  merchantId?: string | null,
): Promise<ChannelGateway | undefined> {
  if (!isGatewayChannel(channel) || !ports.gateways) return undefined;
  // A refund goes back through the merchant that took the payment (the primary when it was not recorded).
  return merchantId
    ? ports.gateways.gateway(hospitalId, channel, merchantId)
    : ports.gateways.gateway(hospitalId, channel);
}

/** A query answer carries the merchant that answered it, like a callback does. */
function withMerchant<T extends object>(notice: T, gateway: ChannelGateway): T {
  return gateway.merchantId ? { ...notice, merchantId: gateway.merchantId } : notice;
}

const clip = (s: string) => s.slice(0, ORDER_LIMITS.textLength);

export type ChannelCallOutcome =
  | 'not-needed'
  | 'no-gateway'
  | 'confirmed'
  | 'failed'
  | 'refunded'
  | 'refund-failed'
  | 'closed-and-cancelled'
  | 'paid-meanwhile'
  | 'refund-requested'
  | `refused-${string}`;

/** The order's attempt in the state a call about it expects, with its channel's gateway. */
interface AttemptAtChannel {
  ports: Ports;
  hospitalId: string;
  orderId: string;
  attemptId: string;
  idempotencyKey: string;
  channel: string;
  gateway: ChannelGateway;
}

type AttemptCallArgs = [ports: Ports, hospitalId: string, orderId: string, attemptId: string, key: string];

/** A call about an order's attempt, made only while the attempt is in `status` and its channel has a gateway. */
function attemptCall(
  status: 'payment-unknown' | 'payment-requested',
  call: (at: AttemptAtChannel) => Promise<ChannelCallOutcome>,
): (...args: AttemptCallArgs) => Promise<ChannelCallOutcome> {
  return async (ports, hospitalId, orderId, attemptId, idempotencyKey) => {
    const { state } = await loadOrder(ports.store, hospitalId, orderId);
    if (state.status !== status || state.attempt?.attemptId !== attemptId) return 'not-needed';
    const channel = state.attempt.channel;
    const gateway = await gatewayOf(ports, hospitalId, channel);
    if (!gateway) return 'no-gateway';
    return call({ ports, hospitalId, orderId, attemptId, idempotencyKey, channel, gateway });
  };
}

/** 主动查单: resolves a lost payment attempt from what the channel says. */
export const resolveUnknownPayment = attemptCall('payment-unknown', async (at) => {
  const { ports, hospitalId, orderId, attemptId, idempotencyKey, channel, gateway } = at;
  let found = await gateway.queryPayment(orderId);
  if (found.found && found.notice.status === 'pending') {
    // Still NOTPAY after the delay: close it so it cannot be paid later, then read the final state.
    if (found.notice.channelStatus === 'USERPAYING') throw new NotReady('the patient is still paying');
    await gateway.closeOrder(orderId);
    found = await gateway.queryPayment(orderId);
  }
  if (found.found && (found.notice.status === 'succeeded' || found.notice.status === 'refunded')) {
    await applyChannelNotice(
      ports,
      hospitalId,
      withMerchant({ ...found.notice, status: 'succeeded' }, gateway),
    );
    return 'confirmed';
  }
  if (found.found && found.notice.status === 'pending') throw new NotReady('the channel still has it open');
  const reason = found.found
    ? `${channel} says ${found.notice.channelStatus}`
    : `${channel} has no such order`;
  await orderCommand(ports, hospitalId, orderId, idempotencyKey, {
    type: 'RecordPaymentFailure',
    attemptId: AttemptId(attemptId),
    channel: Channel(channel),
    reason: clip(`payment query: ${reason}`),
  });
  return 'failed';
});

/** A refund the platform sends to a channel, as the aggregate that owns it describes it. */
interface RefundAtChannel {
  channel: string;
  /** The merchant that took the payment (the primary when it was not recorded). */
  merchantId?: string | null;
  /** The payment's merchant order number: the channel files the refund under it. */
  merchantOrderNo: string;
  amount: string;
  /** The payment's amount. */
  total: string;
  reason: string;
  /** How the errors name it. */
  what: 'refund' | 'deposit refund';
  /** Records a definite refusal by the channel (over the refundable amount, trade not refundable). */
  refused(error: ChannelCallError): Promise<ChannelCallOutcome>;
  /** Records the channel's final answer (succeeded, or closed). */
  settled(notice: ChannelNotice): Promise<ChannelCallOutcome>;
}

type RefundCallArgs = [ports: Ports, hospitalId: string, ownerId: string, refundId: string, key: string];

/**
 * A call sending a refund to the channel and recording its outcome once. Asks first (the request may have gone
 * through before its answer was lost), sends only when the channel does not know it (the channel de-duplicates
 * on our refund number anyway). `find` reads the refund from its owner: undefined when no call is needed.
 */
function refundCall(
  find: (...args: RefundCallArgs) => Promise<RefundAtChannel | undefined>,
): (...args: RefundCallArgs) => Promise<ChannelCallOutcome> {
  return async (ports, hospitalId, ownerId, refundId, idempotencyKey) => {
    const r = await find(ports, hospitalId, ownerId, refundId, idempotencyKey);
    if (!r) return 'not-needed';
    const gateway = await gatewayOf(ports, hospitalId, r.channel, r.merchantId);
    if (!gateway) return 'no-gateway';

    const known = await gateway.queryRefund(r.merchantOrderNo, refundId);
    let notice = known.found ? known.notice : undefined;
    if (!notice) {
      try {
        notice = await gateway.refund({
          merchantOrderNo: r.merchantOrderNo,
          refundNo: refundId,
          amount: r.amount,
          total: r.total,
          reason: r.reason,
        });
      } catch (error) {
        // A definite refusal: the refund failed.
        if (!(error instanceof ChannelCallError) || error.code !== 'CHANNEL_REJECTED') throw error;
        return r.refused(error);
      }
    }
    if (notice.status === 'pending')
      throw new NotReady(`${r.channel} is still processing ${r.what} ${refundId}`);
    if (notice.status === 'abnormal')
      throw new Error(
        `${r.channel} reports ${r.what} ${refundId} ABNORMAL: it needs a person at the merchant platform`,
      );
    return r.settled(notice);
  };
}

/** Why a refund failed when the channel refused it, as the refund records it. */
const refusalOf = (error: ChannelCallError) =>
  clip(`channel refused: ${error.channelCode ?? error.code} ${error.message}`);

/**
 * Sends a verified refund to the channel and records its outcome once, through the callback path (a refusal:
 * the refund failed).
 */
export const followRefund = refundCall(async (ports, hospitalId, orderId, refundId, idempotencyKey) => {
  const { state } = await loadOrder(ports.store, hospitalId, orderId);
  const refund = state.refunds.get(refundId);
  // A payout outside the original route (cash, bank transfer) is not the channel's business.
  if (refund?.status !== 'requested' || !refund.identityVerified || refund.payout) return undefined;
  const payment = findPayment(state, refund.channelTxnId);
  if (!payment) return undefined;
  return {
    channel: payment.channel,
    merchantId: payment.merchantId,
    merchantOrderNo: orderId,
    amount: refund.amount.toString(),
    total: payment.amount.toString(),
    reason: `退款 ${refundId}`,
    what: 'refund',
    refused: async (error) => {
      await orderCommand(ports, hospitalId, orderId, idempotencyKey, {
        type: 'RecordRefundFailure',
        refundId: RefundId(refundId),
        reason: refusalOf(error),
      });
      return 'refund-failed';
    },
    settled: async (notice) => {
      const outcome = await applyChannelNotice(ports, hospitalId, { ...notice, refundNo: refundId });
      return outcome === 'refund-failed' || notice.status === 'closed' ? 'refund-failed' : 'refunded';
    },
  };
});

/**
 * Sends a deposit remainder refund back to the top-up's channel, through the merchant that took the top-up, and
 * follows it to its outcome, recorded once on the deposit (settled; or failed, the amount back on the deposit).
 */
export const followDepositRefund = refundCall(
  async (ports, hospitalId, admissionId, refundId, idempotencyKey) => {
    const { state } = await loadDeposit(ports.store, hospitalId, admissionId);
    const refund = state.refunds.get(refundId);
    if (refund?.status !== 'sent') return undefined;
    const topUp = state.topUps.get(refund.topUpOrderId);
    if (!topUp) return undefined;
    const record = (outcome: 'succeeded' | 'failed', detail: string) =>
      recordDepositRefundOutcome(ports, hospitalId, admissionId, refundId, outcome, detail, idempotencyKey);
    return {
      channel: topUp.channel,
      merchantId: topUp.merchantId,
      merchantOrderNo: topUp.orderId,
      amount: refund.amount.toString(),
      total: topUp.amount.toString(),
      reason: `住院预交金退款 ${refundId}`,
      what: 'deposit refund',
      refused: async (error) => {
        await record('failed', refusalOf(error));
        return 'refund-failed';
      },
      settled: async (notice) => {
        const succeeded = notice.status === 'succeeded';
        await record(
          succeeded ? 'succeeded' : 'failed',
          succeeded
            ? (notice.channelRefundId ?? `${notice.channelTxnId}:${refundId}`)
            : clip(`closed by ${topUp.channel}: ${notice.channelStatus}`),
        );
        return succeeded ? 'refunded' : 'refund-failed';
      },
    };
  },
);

/**
 * An attempt still unpaid at its deadline: closed at the channel first, so the patient can no longer pay it,
 * then the order is cancelled. If the patient paid meanwhile, the payment is recorded instead.
 */
export const closeUnpaidOrder = attemptCall('payment-requested', async (at) => {
  const { ports, hospitalId, orderId, idempotencyKey, channel, gateway } = at;
  if ((await gateway.closeOrder(orderId)) === 'already-paid') {
    const paid = await gateway.queryPayment(orderId);
    if (!paid.found || paid.notice.status !== 'succeeded')
      throw new Error(`${channel} refused to close ${orderId} as paid but does not show it paid`);
    await applyChannelNotice(ports, hospitalId, withMerchant(paid.notice, gateway));
    return 'paid-meanwhile';
  }
  await orderCommand(ports, hospitalId, orderId, idempotencyKey, {
    type: 'CancelOrder',
    reason: `unpaid past its deadline; closed at ${channel}`,
    refundId: null,
  });
  return 'closed-and-cancelled';
});

/** An order command the channel calls record now, keyed by the call that caused it. */
async function orderCommand(
  ports: Ports,
  hospitalId: string,
  orderId: string,
  idempotencyKey: string,
  command: OrderCommandFields,
): Promise<void> {
  await handle(
    ports.store,
    orderDecider,
    // The fields in the order every order command spells them: type, tenant, order, its own, time, actor.
    Object.assign(
      { type: command.type, hospitalId: HospitalId(hospitalId), orderId: OrderId(orderId) },
      command,
      { at: ports.now(), actor: CHANNEL_CALLS_ACTOR },
    ) as OrderCommand,
    { idempotencyKey, metadata: { causationId: `order:${orderId}` } },
  );
}

type OrderCommandFields = OrderCommand extends infer C
  ? C extends OrderCommand
    ? Omit<C, 'hospitalId' | 'orderId' | 'at' | 'actor'>
    : never
  : never;

/** The refund number of a discrepancy's refund-the-patient: stable, so the same approval refunds once. */
export function discrepancyRefundId(discrepancyId: string): string {
  return `D${discrepancyId.slice(0, 24)}`;
}

/**
 * An approved refund-the-patient: the money the discrepancy is about is refunded through the platform order it
 * names (the refund is then sent and followed like any other). Money on no platform order cannot be refunded
 * from here: the work fails loudly (parked) for a person.
 */
export async function refundForDiscrepancy(
  ports: Ports,
  hospitalId: string,
  discrepancyId: string,
  approvedBy: string,
  idempotencyKey: string,
): Promise<ChannelCallOutcome> {
  const read = await ports.store.readStream(`${hospitalId}/discrepancy/${discrepancyId}`);
  const d = fold(discrepancyDecider, read.events as unknown as DiscrepancyEvent[]);
  const amount = d.proposal?.action === 'refund-patient' ? d.proposal.amount : undefined;
  if (d.status !== 'resolved' || !amount) return 'not-needed';
  const orderId = d.subject.replace(/^dup:/, '');
  const { state } = await loadOrder(ports.store, hospitalId, orderId);
  if (state.status === 'none')
    throw new Error(
      `discrepancy ${discrepancyId}: ${d.subject} is no platform order; refund it at the channel by hand`,
    );
  const duplicate =
    state.duplicates.length > 0 && d.type === 'DUPLICATE' ? state.duplicates.at(-1) : undefined;
  try {
    const r = await handle(
      ports.store,
      orderDecider,
      {
        type: 'RequestRefund',
        hospitalId: HospitalId(hospitalId),
        orderId: OrderId(orderId),
        refundId: RefundId(discrepancyRefundId(discrepancyId)),
        amount: Money.parse(amount),
        channelTxnId: duplicate ? ChannelTxnId(duplicate.channelTxnId) : null,
        reason: clip(`discrepancy ${discrepancyId} resolved: refund the patient`),
        identity: { method: 'staff-check', verifiedBy: approvedBy },
        at: ports.now(),
        actor: CHANNEL_CALLS_ACTOR,
      },
      { idempotencyKey, metadata: { causationId: `discrepancy:${discrepancyId}` } },
    );
    return r.events.length > 0 ? 'refund-requested' : 'not-needed';
  } catch (error) {
    if (!isRejection(error)) throw error;
    ports.logger.error(
      { discrepancyId, orderId, code: error.code },
      'discrepancy refund refused by the order',
    );
    return `refused-${error.code}`;
  }
}

export interface BillDownload {
  hospitalId: string;
  channel: GatewayChannel;
  /** `yyyy-MM-dd`. */
  date: string;
  kind?: BillKind;
}

/**
 * A day's bill as the channel issues it, not imported: what a scheduled fetch takes (and imports like any other
 * file). Undefined while the channel has not issued it yet (the scheduler looks again later).
 */
export async function fetchChannelBill(
  ports: Pick<Ports, 'gateways'>,
  request: { hospitalId: string; channel: string; date: string; kind: 'trade' | 'fundflow' },
): Promise<{ fileName: string; bytes: Uint8Array } | undefined> {
  const gateway = await gatewayOf(ports as Ports, request.hospitalId, request.channel);
  if (!gateway)
    throw new ChannelCallError(
      'CHANNEL_MISCONFIGURED',
      `no ${request.channel} merchant for ${request.hospitalId}`,
    );
  try {
    const bill = await gateway.downloadBill({ date: request.date, kind: request.kind });
    return { fileName: bill.fileName, bytes: bill.bytes };
  } catch (e) {
    if (e instanceof ChannelCallError && e.code === 'CHANNEL_BILL_NOT_READY') return undefined;
    throw e;
  }
}

/**
 * Downloads a day's bill from the channel and imports it exactly as an uploaded file is imported (the same
 * bytes twice import once). The scheduler calls this for T-1 each morning.
 */
export async function downloadChannelBill(
  ports: Ports & Pick<ReconciliationPorts, 'dateOptions'>,
  request: BillDownload,
): Promise<ImportResult> {
  const gateway = await gatewayOf(ports, request.hospitalId, request.channel);
  if (!gateway)
    throw new ChannelCallError(
      'CHANNEL_MISCONFIGURED',
      `no ${request.channel} merchant for ${request.hospitalId}`,
    );
  const kind = request.kind ?? 'trade';
  const bill = await gateway.downloadBill({ date: request.date, kind });
  const source: StatementSource = bufferSource(bill.fileName, bill.bytes);
  const format =
    request.channel === 'wechat'
      ? kind === 'trade'
        ? 'wechat'
        : 'wechat-fundflow'
      : kind === 'trade'
        ? 'alipay'
        : 'alipay-account';
  return importStatement(ports, source, {
    hospitalId: request.hospitalId,
    channel: request.channel,
    format,
    origin: `api:${request.channel}`,
    at: ports.now(),
  });
}
