import { describe, expect, it } from 'vitest';
import {
  type AccountStatementLines,
  type PayoutInput,
  checkPayout,
} from '../../../src/domain/reconciliation/payout.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';

const SHA = 'ab'.repeat(32);

function line(
  lineNo: number,
  kind: StatementLine['kind'],
  amount: string,
  extra: Partial<StatementLine> = {},
): StatementLine {
  return {
    party: 'channel',
    source: 'wechat',
    format: 'wechat-fundflow',
    kind,
    lineNo,
    raw: '',
    amount,
    occurredAt: '2024-05-02T03:00:00.000Z',
    localTime: '2024-05-02 11:00:00',
    businessDate: '2024-05-02',
    ...extra,
  };
}

/** A day that cleared 1000.00 − 100.00 refunds − 5.40 fees = 894.60, paid out and received in full. */
function day(over: Partial<PayoutInput> = {}): PayoutInput {
  return {
    hospitalId: 'h1',
    channel: 'wechat',
    businessDate: '2024-05-01',
    clearing: { payments: '1000.00', refunds: '100.00', fees: '5.40000' },
    account: {
      statement: SHA,
      lines: [
        line(2, 'fee', '6.00', { fee: '6.00' }),
        line(3, 'fee', '0.60', { fee: '-0.60' }),
        line(4, 'settlement', '894.60', { entryId: 'W1' }),
        line(5, 'payment', '1000.00'),
      ],
    },
    bankCredits: [{ ref: 'bank:1', amount: '894.60' }],
    ...over,
  };
}

describe('payout: what the channel owed the hospital was paid out', () => {
  it('finds nothing when clearing, fees, payout and bank credit agree to the fen', () => {
    expect(checkPayout(day())).toEqual([]);
  });

  it('reports a payout short of what was owed as SETTLEMENT_SHORTFALL, with the figures', () => {
    const input = day();
    input.account = {
      statement: SHA,
      lines: [...(input.account as AccountStatementLines).lines.slice(0, 2), line(4, 'settlement', '890.00')],
    };
    input.bankCredits = [{ ref: 'bank:1', amount: '890.00' }];
    const f = checkPayout(input);
    expect(f).toEqual([
      expect.objectContaining({
        type: 'SETTLEMENT_SHORTFALL',
        subject: 'payout:2024-05-01',
        amount: '4.60',
        amounts: { expected: '894.60', channel: '890.00' },
        sources: [{ party: 'channel', ref: `${SHA.slice(0, 12)}:4` }],
      }),
    ]);
  });

  it('reports money paid out but not received at the bank', () => {
    const f = checkPayout(day({ bankCredits: [{ ref: 'bank:1', amount: '800.00' }] }));
    expect(f.map((x) => [x.type, x.subject, x.amount, x.amounts])).toEqual([
      ['SETTLEMENT_SHORTFALL', 'transfer:2024-05-01', '94.60', { expected: '894.60', bank: '800.00' }],
    ]);
  });

  it('reports fees the account charged beyond the trade bill once, as FEE_MISMATCH, not again as a short payout', () => {
    const input = day();
    input.account = {
      statement: SHA,
      lines: [line(2, 'fee', '7.00', { fee: '7.00' }), line(4, 'settlement', '893.00')],
    };
    input.bankCredits = [{ ref: 'bank:1', amount: '893.00' }];
    const f = checkPayout(input);
    expect(f.map((x) => [x.type, x.subject, x.amount])).toEqual([
      ['FEE_MISMATCH', 'fees:2024-05-01', '1.60'],
    ]);
  });

  it('counts a payout returned to the channel account against what was paid out', () => {
    const input = day();
    input.account = {
      statement: SHA,
      lines: [
        ...(input.account as AccountStatementLines).lines,
        line(6, 'settlement', '894.60', { entryId: 'W2' }),
        line(7, 'income', '894.60', { entryId: 'R1' }),
      ],
    };
    expect(checkPayout({ ...input, returnedPayouts: ['R1'] })).toEqual([]);
    const f = checkPayout(input);
    expect(f.map((x) => [x.type, x.subject])).toEqual([
      ['AMOUNT_MISMATCH', 'payout:2024-05-01'],
      ['SETTLEMENT_SHORTFALL', 'transfer:2024-05-01'],
    ]);
  });

  it('compares the clearing with the bank directly when the channel issues no account statement', () => {
    const f = checkPayout(
      day({
        account: undefined,
        bankCredits: [
          { ref: 'b', amount: '800' },
          { ref: 'c', amount: '90.00' },
        ],
      }),
    );
    expect(f).toEqual([
      expect.objectContaining({
        type: 'SETTLEMENT_SHORTFALL',
        subject: 'payout:2024-05-01',
        amount: '4.60',
        amounts: { expected: '894.60', bank: '890.00' },
        sources: [
          { party: 'bank', ref: 'b' },
          { party: 'bank', ref: 'c' },
        ],
      }),
    ]);
    expect(checkPayout(day({ account: undefined }))).toEqual([]);
  });
});
