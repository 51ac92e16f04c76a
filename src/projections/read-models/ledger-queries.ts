// Queries of the ledger read models: account balances and the general journal.
import { accountOf, accounts } from '../../domain/ledger/index.ts';
import { Money } from '../../domain/money.ts';
import { moneyColumn } from '../columns.ts';
import type { ReadDb } from '../database.ts';
import { BALANCES, JOURNAL } from './ledger.ts';

export interface AccountBalance {
  account: string;
  kind: string;
  debitTotal: Money;
  creditTotal: Money;
  /** On the account's normal side. */
  balance: Money;
  entries: number;
}

/** Every account of a hospital with its balance, by account code. */
export async function accountBalances(
  db: ReadDb,
  q: { hospitalId: string; schema?: string },
): Promise<AccountBalance[]> {
  const rows = await db
    .withSchema(q.schema ?? BALANCES.schema)
    .selectFrom('account_balances')
    .select(['account', 'kind', 'debit_total', 'credit_total', 'balance', 'entries'])
    .where('hospital_id', '=', q.hospitalId)
    .orderBy('account')
    .execute();
  return rows.map((r) => ({
    account: r.account,
    kind: r.kind,
    debitTotal: moneyColumn(r.debit_total),
    creditTotal: moneyColumn(r.credit_total),
    balance: moneyColumn(r.balance),
    entries: Number(r.entries),
  }));
}

/**
 * One account's balance (on its normal side) as the ledger knew it at an instant, from the journal:
 * `basis: 'recorded'` counts what had been recorded by then (an auditor's view), `'occurred'` what had
 * happened by then in business time (late-recorded events included).
 */
export async function accountBalanceAsOf(
  db: ReadDb,
  q: { hospitalId: string; account: string; at: Date; basis?: 'recorded' | 'occurred'; schema?: string },
): Promise<Money> {
  const rows = await db
    .withSchema(q.schema ?? JOURNAL.schema)
    .selectFrom('journal_lines')
    .select((eb) => ['side', eb.fn.sum<string>('amount').as('total')])
    .where('hospital_id', '=', q.hospitalId)
    .where('account', '=', q.account)
    .where(q.basis === 'occurred' ? 'occurred_at' : 'recorded_at', '<=', q.at)
    .groupBy('side')
    .execute();
  const total = (side: string) => moneyColumn(rows.find((r) => r.side === side)?.total ?? '0');
  const [debits, credits] = [total('debit'), total('credit')];
  return accountOf(q.account).normalSide === 'debit' ? debits.sub(credits) : credits.sub(debits);
}

export interface StatementLine {
  position: bigint;
  eventType: string;
  side: 'debit' | 'credit';
  amount: Money;
  /** The account's balance after the line, on its normal side. */
  balanceAfter: Money;
  memo: string;
  occurredAt: Date;
}

/** The first `limit` journal lines of an admission's deposit account, in ledger order, with the running balance. */
export async function depositStatement(
  db: ReadDb,
  q: { hospitalId: string; admissionId: string; limit: number; schema?: string },
): Promise<{ account: string; lines: StatementLine[] }> {
  const account = accounts.patientDeposit(q.admissionId);
  const rows = await db
    .withSchema(q.schema ?? JOURNAL.schema)
    .selectFrom('journal_lines')
    .select(['position', 'event_type', 'side', 'amount', 'memo', 'occurred_at'])
    .where('hospital_id', '=', q.hospitalId)
    .where('account', '=', account.code)
    .orderBy('position')
    .orderBy('line_no')
    .limit(q.limit)
    .execute();
  let balance = Money.ZERO;
  const lines = rows.map((r): StatementLine => {
    const amount = moneyColumn(r.amount);
    balance = r.side === account.normalSide ? balance.add(amount) : balance.sub(amount);
    return {
      position: BigInt(r.position),
      eventType: r.event_type,
      side: r.side,
      amount,
      balanceAfter: balance,
      memo: r.memo,
      occurredAt: r.occurred_at,
    };
  });
  return { account: account.code, lines };
}
