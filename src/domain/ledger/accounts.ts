// Chart of accounts (DESIGN §5). Account codes are strings; each has a kind and a normal side.
//
// Patient deposits are kept per ADMISSION (`patient:<admissionId>:deposit`): the deposit account belongs to a
// stay, and one patient may have several stays with their own settlements.
// Added to the DESIGN table: `payable:refunds` (liability) — surplus (duplicate) payments owed back to payers;
// `writeoff:gain` (revenue, 其他收入) and `writeoff:loss` (expense, 其他支出) — reconciliation differences finance
// staff wrote off (核销) with a second person's approval.

export type AccountKind = 'asset' | 'liability' | 'revenue' | 'expense' | 'equity';
export type Side = 'debit' | 'credit';
export type RevenueLine = 'registration' | 'outpatient' | 'inpatient';

export interface Account {
  code: string;
  kind: AccountKind;
  normalSide: Side;
}

export const NORMAL_SIDE: Readonly<Record<AccountKind, Side>> = {
  asset: 'debit',
  expense: 'debit',
  liability: 'credit',
  revenue: 'credit',
  equity: 'credit',
};

function account(code: string, kind: AccountKind): Account {
  return { code, kind, normalSide: NORMAL_SIDE[kind] };
}

export const accounts = {
  channelClearing: (channel: string): Account => account(`channel:${channel}:clearing`, 'asset'),
  bank: (bankAccount: string): Account => account(`bank:${bankAccount}`, 'asset'),
  patientDeposit: (admissionId: string): Account => account(`patient:${admissionId}:deposit`, 'liability'),
  revenue: (line: RevenueLine): Account => account(`revenue:${line}`, 'revenue'),
  fees: (channel: string): Account => account(`fees:${channel}`, 'expense'),
  suspenseUnmatched: (): Account => account('suspense:unmatched', 'liability'),
  refundsPayable: (): Account => account('payable:refunds', 'liability'),
  writeOffGain: (): Account => account('writeoff:gain', 'revenue'),
  writeOffLoss: (): Account => account('writeoff:loss', 'expense'),
} as const;

const PATTERNS: ReadonlyArray<[RegExp, AccountKind]> = [
  [/^channel:[^:]+:clearing$/, 'asset'],
  [/^bank:.+$/, 'asset'],
  [/^patient:.+:deposit$/, 'liability'],
  [/^revenue:(registration|outpatient|inpatient)$/, 'revenue'],
  [/^fees:[^:]+$/, 'expense'],
  [/^suspense:unmatched$/, 'liability'],
  [/^payable:refunds$/, 'liability'],
  [/^writeoff:gain$/, 'revenue'],
  [/^writeoff:loss$/, 'expense'],
];

/** The account of a code (projections read codes back from rows). */
export function accountOf(code: string): Account {
  for (const [re, kind] of PATTERNS) if (re.test(code)) return account(code, kind);
  throw new Error(`unknown account code: ${code}`);
}
