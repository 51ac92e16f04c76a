// Was what the channel owed the hospital for a day paid out? Three figures, each from another party:
//   owed      = the day's clearing from the trade bill: Σ payments − Σ refunds − Σ fees;
//   withdrawn = the channel account's own statement (WeChat 资金账单, Alipay 账务明细): payouts (提现/结算)
//               less payouts returned, and the fees it actually charged;
//   credited  = what the hospital's bank received from the channel.
// Each gap is a finding with a stable subject; nothing here reads a clock or a store.
import { Decimal } from 'decimal.js';
import { type StatementLine, money2 } from './statement-line.ts';
import type { DiscrepancyType, Finding, FindingSource } from './types.ts';

/** One account statement's lines (SHA-256 of the file for the findings' references). */
export interface AccountStatementLines {
  statement: string;
  lines: readonly StatementLine[];
}

export interface PayoutInput {
  hospitalId: string;
  channel: string;
  businessDate: string;
  /** The day's clearing as the trade bill states it (two decimals; fees signed as a cost, any decimals). */
  clearing: { payments: string; refunds: string; fees: string };
  /**
   * The channel account statement's lines for the day's payout, or undefined when the channel pays the
   * bank without one (then `owed` is compared with `credited` directly). Only fee and settlement lines
   * count (and income lines that return a payout: `returnedPayouts`).
   */
  account?: AccountStatementLines | readonly AccountStatementLines[];
  /** Payouts that came back to the channel account (a bank refused the transfer), by entry id. */
  returnedPayouts?: readonly string[];
  /**
   * Credits from the channel on the hospital's bank account that settle this day; undefined when no bank
   * statement of the day was read (then what reached the bank is not checked yet, rather than taken as 0).
   */
  bankCredits?: readonly { ref: string; amount: string }[];
}

/** Subjects of the findings (stable across re-runs): what differs, for which day. */
export const payoutSubjects = (date: string) => ({
  fees: `fees:${date}`,
  payout: `payout:${date}`,
  transfer: `transfer:${date}`,
});

/** The findings of one channel day's payout, empty when every figure agrees to the fen. */
export function checkPayout(input: PayoutInput): Finding[] {
  const { clearing, businessDate } = input;
  const s = payoutSubjects(businessDate);
  const clearingFees = new Decimal(clearing.fees);
  const owed = new Decimal(clearing.payments).minus(clearing.refunds).minus(clearingFees);
  const credits = input.bankCredits;
  const credited = (credits ?? []).reduce((a, c) => a.plus(c.amount), new Decimal(0));
  const bankSources = (credits ?? []).map((c): FindingSource => ({ party: 'bank', ref: c.ref }));
  const findings: Finding[] = [];
  const finding = (
    type: DiscrepancyType,
    subject: string,
    diff: Decimal,
    amounts: Finding['amounts'],
    reason: string,
    sources: FindingSource[],
  ): void => {
    findings.push({
      type,
      hospitalId: input.hospitalId,
      channel: input.channel,
      businessDate,
      subject,
      amount: money2(diff.abs()),
      amounts,
      reason,
      sources,
    });
  };

  const accounts: readonly AccountStatementLines[] =
    input.account === undefined ? [] : 'statement' in input.account ? [input.account] : input.account;
  if (accounts.length === 0) {
    if (credits) compare(owed, credited, s.payout, 'bank', 'the bank received', bankSources);
    return findings;
  }
  const returned = new Set(input.returnedPayouts ?? []);
  let fees = new Decimal(0);
  let withdrawn = new Decimal(0);
  const feeSources: FindingSource[] = [];
  const payoutSources: FindingSource[] = [];
  for (const { statement, lines } of accounts)
    for (const l of lines) {
      const ref: FindingSource = { party: 'channel', ref: `${statement.slice(0, 12)}:${l.lineNo}` };
      if (l.kind === 'fee') {
        fees = fees.plus(l.fee ?? l.amount);
        feeSources.push(ref);
      } else if (l.kind === 'settlement') {
        withdrawn = withdrawn.plus(l.amount);
        payoutSources.push(ref);
      } else if (l.kind === 'income' && l.entryId && returned.has(l.entryId)) {
        withdrawn = withdrawn.minus(l.amount);
        payoutSources.push(ref);
      }
    }

  if (!fees.equals(clearingFees))
    finding(
      'FEE_MISMATCH',
      s.fees,
      fees.minus(clearingFees),
      { channel: fees.toFixed(Math.max(2, fees.decimalPlaces())), expected: clearingFees.toFixed(2) },
      `the account statement charged fees of ${fees.toFixed()} but the trade bill states ${clearingFees.toFixed()}`,
      feeSources,
    );
  // What the channel should have paid out is the clearing less the fees it actually charged: a fee
  // difference is reported once, as FEE_MISMATCH, not again as a short payout.
  const due = owed.plus(clearingFees).minus(fees);
  compare(due, withdrawn, s.payout, 'channel', 'the channel paid out', payoutSources);
  if (credits)
    compare(
      withdrawn,
      credited,
      s.transfer,
      'bank',
      'the bank received',
      [...payoutSources, ...bankSources],
      'paid out',
    );
  return findings;

  function compare(
    expected: Decimal,
    actual: Decimal,
    subject: string,
    party: 'channel' | 'bank',
    what: string,
    sources: FindingSource[],
    expectedWhat = 'was owed',
  ): void {
    if (actual.equals(expected)) return;
    const short = actual.lessThan(expected);
    finding(
      short ? 'SETTLEMENT_SHORTFALL' : 'AMOUNT_MISMATCH',
      subject,
      expected.minus(actual),
      { expected: money2(expected), [party]: money2(actual) },
      `${what} ${money2(actual)} but ${money2(expected)} ${expectedWhat} for ${businessDate}`,
      sources,
    );
  }
}
