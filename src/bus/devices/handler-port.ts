// DeviceCommandPort on the one command handler: each call is one order command through `handle` (load,
// fold, decide, append with the (device, serial) idempotency key). Until the application's use cases take
// this port over, it is what `ledger devices` and the tests run.
import { type HandleResult, handle } from '../../domain/command-handler.ts';
import type { Actor, DomainEventShape } from '../../domain/decider.ts';
import type { EventMetadata, EventStore } from '../../domain/event-store.ts';
import { fold } from '../../domain/decider.ts';
import { streamId } from '../../domain/event-store.ts';
import type { OrderId } from '../../domain/ids.ts';
import {
  type OrderCommand,
  type OrderEvent,
  type OrderState,
  orderDecider,
  orderView,
  refundedAmount,
} from '../../domain/order/index.ts';
import { reject } from '../../domain/rejection.ts';
import type { DeviceCommandPort, DeviceOrderAnswer, DeviceRequestContext, PosSlip } from './port.ts';

/** What must follow a payment (deposit credit, HIS writeback): the bus's Reactions fit. */
export interface AfterCommand {
  after(hospitalId: string, events: readonly DomainEventShape[], state: unknown): Promise<void>;
}

export function deviceActor(deviceId: string): Actor {
  return { kind: 'bus-client', id: `device:${deviceId}` };
}

function answer(state: OrderState): DeviceOrderAnswer {
  const view = orderView(state);
  return {
    orderId: state.orderId,
    status: view.status,
    amount: state.amount,
    refunded: refundedAmount(state),
  };
}

export class HandlerDevicePort implements DeviceCommandPort {
  constructor(
    private readonly store: EventStore,
    private readonly reactions?: AfterCommand,
  ) {}

  async #run(
    ctx: DeviceRequestContext,
    command: OrderCommand,
    extra: EventMetadata = {},
  ): Promise<DeviceOrderAnswer> {
    const result: HandleResult<OrderEvent, OrderState> = await handle(this.store, orderDecider, command, {
      idempotencyKey: ctx.idempotencyKey,
      requestHash: ctx.requestHash,
      metadata: { device: ctx.deviceId, channel: ctx.channel, correlationId: ctx.idempotencyKey, ...extra },
    });
    await this.reactions?.after(ctx.hospitalId, result.events, result.state);
    return answer(result.state);
  }

  #base(ctx: DeviceRequestContext, orderId: OrderId) {
    return { hospitalId: ctx.hospitalId, orderId, at: ctx.at, actor: deviceActor(ctx.deviceId) };
  }

  createOrder: DeviceCommandPort['createOrder'] = (ctx, input) =>
    this.#run(ctx, { type: 'CreateOrder', ...this.#base(ctx, input.orderId), ...input });

  recordPayment: DeviceCommandPort['recordPayment'] = (ctx, input) => {
    const { slip, ...payment } = input;
    return this.#run(
      ctx,
      { type: 'RecordPayment', ...this.#base(ctx, input.orderId), ...payment },
      slipMetadata(slip),
    );
  };

  markPaymentUnknown: DeviceCommandPort['markPaymentUnknown'] = (ctx, input) =>
    this.#run(ctx, {
      type: 'MarkPaymentUnknown',
      ...this.#base(ctx, input.orderId),
      attemptId: input.attemptId,
      channel: input.channel,
    });

  requestRefund: DeviceCommandPort['requestRefund'] = (ctx, input) =>
    this.#run(
      ctx,
      {
        type: 'RequestRefund',
        ...this.#base(ctx, input.orderId),
        refundId: input.refundId,
        amount: input.amount,
        channelTxnId: input.channelTxnId,
        reason: `${input.kind === 'void' ? '消费撤销' : '退货'}: ${input.reason}`,
        ...(input.identity
          ? { identity: { method: input.identity, verifiedBy: `device:${ctx.deviceId}` } }
          : {}),
      },
      input.originalReferenceNo ? { posOriginalReferenceNo: input.originalReferenceNo } : {},
    );

  async queryOrder(ctx: DeviceRequestContext, orderId: OrderId): Promise<DeviceOrderAnswer> {
    const read = await this.store.readStream(streamId(ctx.hospitalId, orderDecider.category, orderId));
    const state = fold(orderDecider, read.events as unknown as OrderEvent[]);
    if (state.status === 'none') throw reject('ORDER_NOT_FOUND', { orderId });
    return answer(state);
  }
}

function slipMetadata(slip: PosSlip): EventMetadata {
  return {
    posReferenceNo: slip.referenceNo,
    posTerminalId: slip.terminalId,
    posMerchantId: slip.merchantId,
    posBatchNo: slip.batchNo,
    posVoucherNo: slip.voucherNo,
  };
}
