// Journal entries: only buildable balanced. The invariant lives here, not only in tests.
import { Money } from '../money.ts';
import { InvariantViolation } from '../rejection.ts';
import type { Account, Side } from './accounts.ts';

/** Most lines one entry may have. */
export const MAX_JOURNAL_LINES = 64;

export interface JournalLine {
  readonly account: Account;
  readonly side: Side;
  readonly amount: Money;
}

export function debit(account: Account, amount: Money): JournalLine {
  return { account, side: 'debit', amount };
}

export function credit(account: Account, amount: Money): JournalLine {
  return { account, side: 'credit', amount };
}

export class JournalEntry {
  private constructor(
    readonly lines: readonly JournalLine[],
    readonly memo: string,
    readonly total: Money,
  ) {}

  /** Throws unless Σdebits = Σcredits, every amount > 0, and there is at least one line on each side. */
  static create(lines: readonly JournalLine[], memo: string): JournalEntry {
    if (lines.length < 2 || lines.length > MAX_JOURNAL_LINES)
      throw new InvariantViolation(`journal entry needs 2..${MAX_JOURNAL_LINES} lines (${memo})`);
    let debits = Money.ZERO;
    let credits = Money.ZERO;
    for (const l of lines) {
      if (!Money.isMoney(l.amount) || !l.amount.isPositive())
        throw new InvariantViolation(`journal line amount must be > 0 (${memo}, ${l.account.code})`);
      if (l.side === 'debit') debits = debits.add(l.amount);
      else if (l.side === 'credit') credits = credits.add(l.amount);
      else throw new InvariantViolation(`journal line side must be debit or credit (${memo})`);
    }
    if (!debits.equals(credits))
      throw new InvariantViolation(`unbalanced entry (${memo}): debits ${debits} ≠ credits ${credits}`);
    return new JournalEntry(Object.freeze([...lines]), memo, debits);
  }

  toJSON(): { memo: string; lines: { account: string; side: Side; amount: string }[] } {
    return {
      memo: this.memo,
      lines: this.lines.map((l) => ({ account: l.account.code, side: l.side, amount: l.amount.toString() })),
    };
  }
}

/** Balance of each account, positive on its normal side. */
export type Balances = Map<string, Money>;

/** Adds an entry to balances (mutates and returns the map: projections fold millions of entries). */
export function applyEntry(balances: Balances, entry: JournalEntry): Balances {
  for (const l of entry.lines) {
    const signed = l.side === l.account.normalSide ? l.amount : l.amount.negate();
    balances.set(l.account.code, (balances.get(l.account.code) ?? Money.ZERO).add(signed));
  }
  return balances;
}

export function balancesOf(entries: Iterable<JournalEntry>): Balances {
  const b: Balances = new Map();
  for (const e of entries) applyEntry(b, e);
  return b;
}

/** Σdebits and Σcredits over entries: equal for any set of entries built by JournalEntry.create. */
export function trialBalance(entries: Iterable<JournalEntry>): { debits: Money; credits: Money } {
  let debits = Money.ZERO;
  let credits = Money.ZERO;
  for (const e of entries)
    for (const l of e.lines) {
      if (l.side === 'debit') debits = debits.add(l.amount);
      else credits = credits.add(l.amount);
    }
  return { debits, credits };
}
