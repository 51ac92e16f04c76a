// Payment refusals: the payment section of the one refusal table (../refusals.ts).
import { PAYMENT_REFUSALS } from '../refusals.ts';
import { type RejectionDetails, refusalClass } from '../rejection.ts';

export type PaymentRefusalCode = keyof typeof PAYMENT_REFUSALS;

export const PaymentRefusal = refusalClass('PaymentRefusal', PAYMENT_REFUSALS);
export type PaymentRefusal = InstanceType<typeof PaymentRefusal>;

export function refusePayment(code: PaymentRefusalCode, details: RejectionDetails = {}): PaymentRefusal {
  return new PaymentRefusal(code, details);
}
