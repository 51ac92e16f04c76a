// Mapping refusals: the mappings section of the one refusal table (../refusals.ts).
import { MAPPING_REFUSALS } from '../refusals.ts';
import { type RejectionDetails, refusalClass } from '../rejection.ts';

export type MappingRefusalCode = keyof typeof MAPPING_REFUSALS;

export const MappingRefusal = refusalClass('MappingRefusal', MAPPING_REFUSALS);
export type MappingRefusal = InstanceType<typeof MappingRefusal>;

export function refuseMapping(code: MappingRefusalCode, details: RejectionDetails = {}): MappingRefusal {
  return new MappingRefusal(code, details);
}
