// Mapping refusals: the same shape as the other refusal tables (stable code, zh/en message, kind).
import { Refusal, type RejectionDetails, type RejectionStatus } from '../rejection.ts';

export const MAPPING_REFUSALS = {
  MAPPING_INVALID: {
    status: 'invalid',
    zh: '映射配置不正确',
    en: 'The mapping is malformed',
  },
  UNKNOWN_MAPPING: { status: 'not_found', zh: '映射不存在', en: 'No mapping of that name exists' },
  MAPPING_VERSION_NOT_FOUND: {
    status: 'not_found',
    zh: '该映射没有这个版本',
    en: 'The mapping has no such version',
  },
  MAPPING_ALREADY_EXISTS: {
    status: 'conflict',
    zh: '同名映射已存在，请修订它',
    en: 'A mapping of that name exists; revise it instead',
  },
  MAPPING_NAME_RESERVED: {
    status: 'conflict',
    zh: '该名称是内置映射的名称',
    en: 'The name is that of a built-in mapping',
  },
  MAPPING_RETIRED: {
    status: 'conflict',
    zh: '映射已停用',
    en: 'The mapping is retired',
  },
  MAPPING_UNCHANGED: {
    status: 'conflict',
    zh: '修订内容与当前版本相同',
    en: 'The revision is the same as the current version',
  },
  MAPPING_NAME_MISMATCH: {
    status: 'invalid',
    zh: '映射内容中的名称与所修订的映射不一致',
    en: 'The name in the mapping differs from the mapping being revised',
  },
} as const satisfies Record<string, { status: RejectionStatus; zh: string; en: string }>;

export type MappingRefusalCode = keyof typeof MAPPING_REFUSALS;

export class MappingRefusal extends Refusal<MappingRefusalCode> {
  readonly status: RejectionStatus;
  constructor(code: MappingRefusalCode, details: RejectionDetails = {}) {
    const info = MAPPING_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'MappingRefusal';
    this.status = info.status;
  }
}

export function refuseMapping(code: MappingRefusalCode, details: RejectionDetails = {}): MappingRefusal {
  return new MappingRefusal(code, details);
}

export function isMappingRefusal(e: unknown): e is MappingRefusal {
  return e instanceof MappingRefusal;
}
