// DeviceCommandPort on the application's order use cases: each device request is the same use case as its
// JSON counterpart (a deposit top-up checked against its admission…), under the (device, serial) idempotency
// key. What follows a payment (deposit credit, HIS writeback) is the reactions' work, as for the bus.
import { loadOrder } from '../../app/load.ts';
import { runOrderCommand } from '../../app/orders.ts';
import type { AppPorts } from '../../app/ports.ts';
import type { Actor } from '../../domain/decider.ts';
import type { EventMetadata } from '../../domain/event-store.ts';
import type { OrderId } from '../../domain/ids.ts';
import { type OrderCommand, type OrderState, orderView, refundedAmount } from '../../domain/order/index.ts';
import { reject } from '../../domain/rejection.ts';
import type { DeviceCommandPort, DeviceOrderAnswer, DeviceRequestContext, PosSlip } from './port.ts';

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

export class UseCaseDevicePort implements DeviceCommandPort {
  constructor(private readonly ports: AppPorts) {}

  async #run(
    ctx: DeviceRequestContext,
    command: OrderCommand,
    extra: EventMetadata = {},
  ): Promise<DeviceOrderAnswer> {
    const result = await runOrderCommand(this.ports, command, {
      actor: command.actor,
      idempotencyKey: ctx.idempotencyKey,
      requestHash: ctx.requestHash,
      correlationId: ctx.idempotencyKey,
      device: ctx.deviceId,
      metadata: { channel: ctx.channel, ...extra },
    });
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
    const { state } = await loadOrder(this.ports.store, ctx.hospitalId, orderId);
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
