// Shared builders for statement tests: a small realistic day of entries.
import type { BillEntry } from '../../../src/adapters/statements/index.ts';

/** `n` payments and every `refundEvery`-th one refunded (half), on 2024-05-01 Asia/Shanghai. */
export function dayEntries(n = 6, refundEvery = 3): BillEntry[] {
  const out: BillEntry[] = [];
  for (let i = 1; i <= n; i++) {
    const amount = `${(i * 37) % 500}.${String((i * 13) % 100).padStart(2, '0')}`;
    const amt = Number.parseInt(amount, 10) === 0 ? `1${amount}` : amount;
    // 2024-05-01 08:00 local = 00:00Z; spread across the day.
    const at = new Date(Date.UTC(2024, 4, 1, 0, 0, 0) + i * 97_000).toISOString();
    out.push({
      kind: 'payment',
      amount: amt,
      occurredAt: at,
      channelTxnId: `42000019${String(i).padStart(20, '0')}`,
      merchantOrderNo: `P2024050100${String(i).padStart(6, '0')}`,
      fee: '0.01000',
      feeRate: '0.60%',
      productName: i % 2 ? '门诊缴费' : '挂号费,普通门诊',
      attach: `HIS${1000 + i}`,
      terminalId: `T${i % 3}`,
      operatorId: 'op1',
      merchantId: '1900000109',
    });
    if (i % refundEvery === 0) {
      const half = (Number.parseInt(amt, 10) / 2).toFixed(2);
      out.push({
        kind: 'refund',
        amount: half,
        occurredAt: new Date(Date.parse(at) + 3_600_000).toISOString(),
        channelTxnId: `42000019${String(i).padStart(20, '0')}`,
        channelRefundId: `50300${String(i).padStart(23, '0')}`,
        merchantOrderNo: `P2024050100${String(i).padStart(6, '0')}`,
        refundNo: `R2024050100${String(i).padStart(6, '0')}`,
        fee: '-0.00300',
        merchantId: '1900000109',
        productName: '退费',
      });
    }
  }
  return out;
}
