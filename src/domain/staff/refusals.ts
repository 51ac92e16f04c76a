// Staff account refusals: the staff section of the one refusal table (../refusals.ts).
import { STAFF_REFUSALS } from '../refusals.ts';
import { type RejectionDetails, refusalClass } from '../rejection.ts';

export type StaffRefusalCode = keyof typeof STAFF_REFUSALS;

export const StaffRefusal = refusalClass('StaffRefusal', STAFF_REFUSALS);
export type StaffRefusal = InstanceType<typeof StaffRefusal>;

export function refuseStaff(code: StaffRefusalCode, details: RejectionDetails = {}): StaffRefusal {
  return new StaffRefusal(code, details);
}
