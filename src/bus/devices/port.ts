// What a kiosk or POS message asks the application to do. The gateway translates each decoded request into
// one call; the application implements it with its use cases (HandlerDevicePort runs the order decider
// directly until then). Refusals are thrown as domain Refusals and answered with their code.
import type * as Id from '../../domain/ids.ts';
import type { Money } from '../../domain/money.ts';
import type { IdentityMethod, OrderBusinessInput } from '../../domain/order/index.ts';

/** Who asks and under which idempotency key: (device id, serial). */
export interface DeviceRequestContext {
  hospitalId: Id.HospitalId;
  deviceId: string;
  /** The access channel the device belongs to (e.g. kiosk, unionpay). */
  channel: Id.Channel;
  serial: string;
  /** The device's own clock (business time of what it reports). */
  at: Date;
  /** `device:<deviceId>:<serial>`: a resend is answered with the first outcome, nothing appended again. */
  idempotencyKey: string;
  /** Hash of the request's content: the same serial with other content is refused. */
  requestHash: string;
}

/** The order as it stands after the command, for the response message. */
export interface DeviceOrderAnswer {
  orderId: string;
  status: string;
  amount: Money;
  refunded: Money;
}

/** The slip a MIS-POS prints: kept with the payment so a finance clerk can find the bank's record. */
export interface PosSlip {
  referenceNo: string;
  terminalId: string;
  merchantId: string;
  batchNo: string;
  voucherNo: string;
}

export interface DeviceCreateOrder {
  orderId: Id.OrderId;
  patientId: Id.PatientId;
  amount: Money;
  business: OrderBusinessInput;
}

export interface DeviceRecordPayment {
  orderId: Id.OrderId;
  channel: Id.Channel;
  channelTxnId: Id.ChannelTxnId;
  amount: Money;
  payerRef: Id.MaskedRef;
  attemptId: Id.AttemptId | null;
  slip: PosSlip;
}

export interface DeviceMarkPaymentUnknown {
  orderId: Id.OrderId;
  attemptId: Id.AttemptId;
  channel: Id.Channel;
  amount: Money;
  reason: string;
}

export interface DeviceRequestRefund {
  orderId: Id.OrderId;
  refundId: Id.RefundId;
  /** 消费撤销 (void, same batch) or 退货 (return). */
  kind: 'void' | 'return';
  amount: Money;
  channelTxnId: Id.ChannelTxnId | null;
  originalReferenceNo: string | null;
  reason: string;
  /** The check the kiosk did (ID card reader, insurance card, face); absent: the refund waits for one. */
  identity: IdentityMethod | null;
}

export interface DeviceCommandPort {
  createOrder(ctx: DeviceRequestContext, input: DeviceCreateOrder): Promise<DeviceOrderAnswer>;
  recordPayment(ctx: DeviceRequestContext, input: DeviceRecordPayment): Promise<DeviceOrderAnswer>;
  markPaymentUnknown(ctx: DeviceRequestContext, input: DeviceMarkPaymentUnknown): Promise<DeviceOrderAnswer>;
  requestRefund(ctx: DeviceRequestContext, input: DeviceRequestRefund): Promise<DeviceOrderAnswer>;
  queryOrder(ctx: DeviceRequestContext, orderId: Id.OrderId): Promise<DeviceOrderAnswer>;
}
