// Chinese by default, English on a switch: each text is written once with both languages beside it.
import { createContext, useContext } from 'react';

export type Lang = 'zh' | 'en';
export const LangContext = createContext<Lang>('zh');

export function useT(): (zh: string, en: string) => string {
  const lang = useContext(LangContext);
  return (zh, en) => (lang === 'zh' ? zh : en);
}

export function useLang(): Lang {
  return useContext(LangContext);
}

export const TYPE_LABELS: Record<string, [string, string]> = {
  CHANNEL_ONLY: ['渠道单边（长款）', 'Channel only'],
  PLATFORM_ONLY: ['平台单边（短款）', 'Platform only'],
  HIS_MISSING: ['HIS 掉单', 'Missing in HIS'],
  HIS_ONLY: ['HIS 单边', 'HIS only'],
  AMOUNT_MISMATCH: ['金额不符', 'Amount mismatch'],
  STATUS_MISMATCH: ['状态不符', 'Status mismatch'],
  DUPLICATE: ['重复', 'Duplicate'],
  FEE_MISMATCH: ['手续费不符', 'Fee mismatch'],
  SETTLEMENT_SHORTFALL: ['结算短款', 'Settlement shortfall'],
};

export const STATUS_LABELS: Record<string, [string, string]> = {
  open: ['待处理', 'Open'],
  assigned: ['已分派', 'Assigned'],
  proposed: ['待审批', 'Awaiting approval'],
  resolved: ['已解决', 'Resolved'],
  'auto-resolved': ['自动解决', 'Auto-resolved'],
  unresolved: ['未解决', 'Unresolved'],
};

export const ACTION_LABELS: Record<string, [string, string]> = {
  accept: ['接受（无需调账）', 'Accept (no money moves)'],
  'repush-his': ['重新推送 HIS', 'Push to HIS again'],
  'refund-patient': ['退款给患者', 'Refund the patient'],
  'adjusting-entry': ['调账分录', 'Adjusting entry'],
  'write-off': ['核销', 'Write off'],
};

export const DAY_STATE_LABELS: Record<string, [string, string]> = {
  balanced: ['已平', 'Balanced'],
  pending: ['待对账', 'Pending'],
  open: ['有差错', 'Open'],
  closed: ['已关账', 'Closed'],
};

export const ROLE_LABELS: Record<string, [string, string]> = {
  'finance-clerk': ['财务专员', 'Finance clerk'],
  'finance-supervisor': ['财务主管', 'Finance supervisor'],
  auditor: ['审计', 'Auditor'],
  administrator: ['管理员', 'Administrator'],
};

export const CHANNEL_LABELS: Record<string, [string, string]> = {
  wechat: ['微信支付', 'WeChat Pay'],
  alipay: ['支付宝', 'Alipay'],
  unionpay: ['银联', 'UnionPay'],
  insurance: ['医保', 'Insurance'],
  cash: ['现金', 'Cash'],
  bank: ['银行', 'Bank'],
};

export function label(
  map: Record<string, [string, string]>,
  key: string | null | undefined,
  lang: Lang,
): string {
  if (!key) return '';
  const l = map[key];
  return l ? l[lang === 'zh' ? 0 : 1] : key;
}

/** A code list as select options: each code with its label in `lang`. */
export function labelOptions(
  map: Record<string, [string, string]>,
  lang: Lang,
): { value: string; label: string }[] {
  return Object.keys(map).map((value) => ({ value, label: label(map, value, lang) }));
}
