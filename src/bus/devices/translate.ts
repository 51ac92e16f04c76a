// A decoded request → one DeviceCommandPort call. Ids go through the domain's constructors and amounts
// (12 digits of 分) through Money.fromCents, so a malformed value is refused with the domain's own code.
import { deviceError } from '../../adapters/devices/codecs/errors.ts';
import type { DeviceMessage } from '../../adapters/devices/specs/index.ts';
import * as Id from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import type { IdentityMethod, OrderBusinessInput } from '../../domain/order/index.ts';
import type { DeviceCommandPort, DeviceOrderAnswer, DeviceRequestContext } from './port.ts';

const SHANGHAI_OFFSET_HOURS = 8;
const IDENTITY: Record<string, IdentityMethod> = { I: 'id-card', C: 'insurance-card', F: 'face' };

/** yyyyMMddHHmmss on the device's clock (Asia/Shanghai, no daylight saving) → an instant. */
export function deviceTime(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  const [y, mo, d, h, mi, s] = (m ?? []).slice(1).map(Number) as number[];
  const at = m
    ? new Date(Date.UTC(y!, mo! - 1, d!, h! - SHANGHAI_OFFSET_HOURS, mi!, s!))
    : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()) || formatDeviceTime(at) !== text)
    throw deviceError('INVALID_FIELD', `time ${text} is not a valid yyyyMMddHHmmss`);
  return at;
}

export function formatDeviceTime(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_HOURS * 3_600_000)
    .toISOString()
    .replace(/\D/g, '')
    .slice(0, 14);
}

function isoDate(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

export function cents(text: string): Money {
  return Money.fromCents(BigInt(text));
}

function required(f: Record<string, string>, name: string, why: string): string {
  const v = f[name];
  if (!v) throw deviceError('INVALID_FIELD', `${name} is required ${why}`);
  return v;
}

function business(f: Record<string, string>, amount: Money): OrderBusinessInput {
  switch (f.orderKind) {
    case 'R': {
      const visitDate = required(f, 'visitDate', 'for a registration');
      return {
        kind: 'registration',
        mode: visitDate === f.time!.slice(0, 8) ? 'same-day' : 'booked',
        departmentId: Id.RefId(required(f, 'departmentId', 'for a registration')),
        doctorId: Id.RefId(required(f, 'doctorId', 'for a registration')),
        slotId: Id.RefId(f.refId!),
        visitDate: isoDate(visitDate),
      };
    }
    case 'O':
      return {
        kind: 'outpatient',
        visitId: Id.RefId(f.refId!),
        chargeItems: [
          {
            hisItemId: Id.RefId(required(f, 'itemId', 'for an outpatient charge')),
            name: required(f, 'itemName', 'for an outpatient charge'),
            amount,
          },
        ],
      };
    case 'D':
      return { kind: 'deposit', admissionId: Id.AdmissionId(f.refId!) };
    default:
      throw deviceError('INVALID_FIELD', `orderKind ${f.orderKind} is not R, O or D`);
  }
}

/** The order, channel and amount a payment result or an unknown payment names. */
function paymentOf(f: Record<string, string>) {
  return { orderId: Id.OrderId(f.orderId!), channel: Id.Channel(f.channel!), amount: cents(f.amount!) };
}

/** Runs the request through the port; heartbeats never reach it. */
export function dispatch(
  port: DeviceCommandPort,
  ctx: DeviceRequestContext,
  message: DeviceMessage,
): Promise<DeviceOrderAnswer> {
  const f = message.fields;
  switch (message.type) {
    case 'create-order': {
      const amount = cents(f.amount!);
      return port.createOrder(ctx, {
        orderId: Id.OrderId(f.orderId!),
        patientId: Id.PatientId(f.patientId!),
        amount,
        business: business(f, amount),
      });
    }
    case 'payment-result':
      return port.recordPayment(ctx, {
        ...paymentOf(f),
        channelTxnId: Id.ChannelTxnId(f.channelTxnId!),
        payerRef: Id.MaskedRef(f.cardMasked!),
        attemptId: f.attemptId ? Id.AttemptId(f.attemptId) : null,
        slip: {
          referenceNo: f.referenceNo!,
          terminalId: f.terminalId!,
          merchantId: f.merchantId!,
          batchNo: f.batchNo!,
          voucherNo: f.voucherNo!,
        },
      });
    case 'payment-unknown':
      return port.markPaymentUnknown(ctx, {
        ...paymentOf(f),
        attemptId: Id.AttemptId(f.attemptId!),
        reason: f.reason || '超时',
      });
    case 'refund': {
      if (f.refundKind !== 'V' && f.refundKind !== 'R')
        throw deviceError('INVALID_FIELD', `refundKind ${f.refundKind} is not V or R`);
      if (f.identity && !IDENTITY[f.identity])
        throw deviceError('INVALID_FIELD', `identity ${f.identity} is not I, C or F`);
      return port.requestRefund(ctx, {
        orderId: Id.OrderId(f.orderId!),
        refundId: Id.RefundId(f.refundId!),
        kind: f.refundKind === 'V' ? 'void' : 'return',
        amount: cents(f.amount!),
        channelTxnId: f.channelTxnId ? Id.ChannelTxnId(f.channelTxnId) : null,
        originalReferenceNo: f.originalReferenceNo || null,
        reason: f.reason!,
        identity: f.identity ? IDENTITY[f.identity]! : null,
      });
    }
    case 'order-query':
      return port.queryOrder(ctx, Id.OrderId(f.orderId!));
    case 'heartbeat':
    case 'response':
      throw deviceError('NOT_A_REQUEST', `${message.type} is not dispatched to the application`);
  }
}
