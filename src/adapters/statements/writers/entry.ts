// What the writers take: a normalized line without the parse-only fields (lineNo, raw, …).
import type { StatementLine } from '../../../domain/reconciliation/statement-line.ts';

export type BillEntry = Pick<StatementLine, 'kind' | 'amount' | 'occurredAt'> &
  Partial<Omit<StatementLine, 'kind' | 'amount' | 'occurredAt'>> & {
    /** 商品名称 / product or charge description. */
    productName?: string;
    /** Refunds: when the refunded payment was made (a REFUND-type WeChat bill prints it as 交易时间). */
    paidAt?: string;
  };
