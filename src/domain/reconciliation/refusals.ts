// Reconciliation refusals: the reconciliation section of the one refusal table (../refusals.ts).
import { RECONCILIATION_REFUSALS } from '../refusals.ts';
import { type RejectionDetails, refusalClass } from '../rejection.ts';

export type ReconciliationRefusalCode = keyof typeof RECONCILIATION_REFUSALS;
export const RECONCILIATION_REFUSAL_CODES = Object.keys(
  RECONCILIATION_REFUSALS,
) as ReconciliationRefusalCode[];

export const ReconciliationRefusal = refusalClass('ReconciliationRefusal', RECONCILIATION_REFUSALS);
export type ReconciliationRefusal = InstanceType<typeof ReconciliationRefusal>;

export function refuse(
  code: ReconciliationRefusalCode,
  details: RejectionDetails = {},
): ReconciliationRefusal {
  return new ReconciliationRefusal(code, details);
}
