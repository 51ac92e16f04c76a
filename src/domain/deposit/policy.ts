// What follows a paid deposit top-up order: the admission's deposit account is credited (TopUpDeposit).
// The order's payment posts the money; the deposit stream mirrors it so discharge and remainder refunds can
// be decided there. Pure: the handler that runs it supplies the time.
import type { Actor } from '../decider.ts';
import { AdmissionId, Channel, ChannelTxnId, HospitalId, MaskedRef, OrderId, PatientId } from '../ids.ts';
import type { OrderState } from '../order/types.ts';
import type { TopUpDeposit } from './types.ts';

export const DEPOSIT_CREDIT_ACTOR: Actor = { kind: 'system', id: 'deposit-credit' };

/** The credit a paid deposit order owes its admission, or null when the order is not one (or not paid). */
export function depositCreditFor(hospitalId: string, order: OrderState, at: Date): TopUpDeposit | null {
  if (order.kind !== 'deposit' || !order.payment || !order.admissionId) return null;
  return {
    type: 'TopUpDeposit',
    hospitalId: HospitalId(hospitalId),
    admissionId: AdmissionId(order.admissionId),
    patientId: PatientId(order.patientId),
    orderId: OrderId(order.orderId),
    channel: Channel(order.payment.channel),
    channelTxnId: ChannelTxnId(order.payment.channelTxnId),
    payerRef: MaskedRef(order.payment.payerRef),
    amount: order.payment.amount,
    ...(order.payment.merchantId ? { merchantId: order.payment.merchantId } : {}),
    at,
    actor: DEPOSIT_CREDIT_ACTOR,
  };
}
