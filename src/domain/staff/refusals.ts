// Staff account refusals: the same shape as the other refusal tables (stable code, zh/en, kind).
import { type RefusalKind, type RejectionDetails, Refusal } from '../rejection.ts';

export const STAFF_REFUSALS = {
  STAFF_INVALID: { status: 'invalid', zh: '账号信息不正确', en: 'The account data is invalid' },
  STAFF_USER_EXISTS: { status: 'conflict', zh: '用户名已存在', en: 'The username is already taken' },
  STAFF_USER_NOT_FOUND: { status: 'not_found', zh: '用户不存在', en: 'The user does not exist' },
  STAFF_USER_DISABLED: { status: 'conflict', zh: '用户已停用', en: 'The user is disabled' },
  STAFF_SELF_LOCKOUT: {
    status: 'forbidden',
    zh: '管理员不能停用自己或取消自己的管理员角色',
    en: 'An administrator may not disable or demote themselves',
  },
} as const satisfies Record<string, { status: RefusalKind; zh: string; en: string }>;

export type StaffRefusalCode = keyof typeof STAFF_REFUSALS;

export class StaffRefusal extends Refusal<StaffRefusalCode> {
  constructor(code: StaffRefusalCode, details: RejectionDetails = {}) {
    const info = STAFF_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'StaffRefusal';
  }
}

export function refuseStaff(code: StaffRefusalCode, details: RejectionDetails = {}): StaffRefusal {
  return new StaffRefusal(code, details);
}
