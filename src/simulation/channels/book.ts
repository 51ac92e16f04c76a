// The channel sandbox's own book of trades: what WeChat Pay or Alipay would know about each order and refund,
// independent of the platform's ledger, so a test can make the two disagree the way real life does (a payment
// the platform never heard of, a refund that went through although its request timed out).
import { Decimal } from 'decimal.js';
import type { BillEntry } from '../../adapters/statements/writers/entry.ts';
import type { GatewayChannel } from '../../domain/channel/gateway.ts';

/** USERPAYING: a payment code scanned, the patient entering the password; REVOKED: reversed (撤销). */
export type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REVOKED';
export type RefundState = 'PROCESSING' | 'SUCCESS' | 'CLOSED';

export interface SandboxRefund {
  refundNo: string;
  refundId: string;
  amount: string;
  state: RefundState;
  acceptedAt: Date;
  succeededAt: Date | null;
}

export interface SandboxTrade {
  channel: GatewayChannel;
  outTradeNo: string;
  txnId: string;
  total: string;
  state: TradeState;
  payer: string;
  createdAt: Date;
  paidAt: Date | null;
  closedAt: Date | null;
  refunds: Map<string, SandboxRefund>;
}

/** The agreed fee rate the sandbox charges (0.6%, WeChat's and Alipay's common rate for hospitals). */
export const SANDBOX_FEE_RATE = '0.006';
/** Most trades the sandbox keeps (it is a test double, not a store). */
export const MAX_SANDBOX_TRADES = 100_000;

export class SandboxRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxRefusal';
  }
}

export class SandboxBook {
  readonly #trades = new Map<string, SandboxTrade>();
  #seq = 0;

  constructor(private readonly now: () => Date) {}

  private key(channel: GatewayChannel, outTradeNo: string): string {
    return `${channel}/${outTradeNo}`;
  }

  private nextId(prefix: string): string {
    this.#seq++;
    const stamp = this.now().toISOString().slice(0, 10).replaceAll('-', '');
    return `${prefix}${stamp}${String(this.#seq).padStart(10, '0')}`;
  }

  trade(channel: GatewayChannel, outTradeNo: string): SandboxTrade | undefined {
    return this.#trades.get(this.key(channel, outTradeNo));
  }

  *trades(channel: GatewayChannel): Generator<SandboxTrade> {
    for (const t of this.#trades.values()) if (t.channel === channel) yield t;
  }

  /** A prepay order (the QR code shown): the channel knows it, nobody paid yet. */
  open(channel: GatewayChannel, outTradeNo: string, total: string): SandboxTrade {
    const existing = this.trade(channel, outTradeNo);
    if (existing) return existing;
    if (this.#trades.size >= MAX_SANDBOX_TRADES) throw new Error('sandbox book is full');
    const trade: SandboxTrade = {
      channel,
      outTradeNo,
      txnId: channel === 'wechat' ? this.nextId('4200') : this.nextId('2025'),
      total: new Decimal(total).toFixed(2),
      state: 'NOTPAY',
      payer: channel === 'wechat' ? `oSandbox${this.#seq}` : `2088${String(this.#seq).padStart(12, '0')}`,
      createdAt: this.now(),
      paidAt: null,
      closedAt: null,
      refunds: new Map(),
    };
    this.#trades.set(this.key(channel, outTradeNo), trade);
    return trade;
  }

  /** The patient pays (opening the order first if the platform never asked the channel). */
  pay(channel: GatewayChannel, outTradeNo: string, total: string, at = this.now()): SandboxTrade {
    const trade = this.open(channel, outTradeNo, total);
    if (trade.state === 'CLOSED' || trade.state === 'REVOKED')
      throw new SandboxRefusal('ORDER_CLOSED', 'the order is closed');
    if (trade.state === 'NOTPAY' || trade.state === 'USERPAYING') {
      trade.state = 'SUCCESS';
      trade.paidAt = at;
    }
    return trade;
  }

  close(channel: GatewayChannel, outTradeNo: string): 'closed' | 'paid' | 'missing' {
    const trade = this.trade(channel, outTradeNo);
    if (!trade) return 'missing';
    if (trade.state === 'SUCCESS') return 'paid';
    if (trade.state === 'NOTPAY' || trade.state === 'USERPAYING') {
      trade.state = 'CLOSED';
      trade.closedAt = this.now();
    }
    return 'closed';
  }

  /** A code payment the patient must still confirm: the trade waits in USERPAYING. */
  awaitPassword(channel: GatewayChannel, outTradeNo: string, total: string): SandboxTrade {
    const trade = this.open(channel, outTradeNo, total);
    if (trade.state === 'NOTPAY') trade.state = 'USERPAYING';
    return trade;
  }

  /**
   * 撤销: an unpaid trade is revoked; a paid one is refunded in full and revoked (the money goes back); a trade
   * the channel never saw needs nothing.
   */
  reverse(channel: GatewayChannel, outTradeNo: string): 'close' | 'refund' | 'missing' {
    const trade = this.trade(channel, outTradeNo);
    if (!trade) return 'missing';
    if (trade.state === 'SUCCESS') {
      const left = new Decimal(trade.total).minus(this.refunded(trade));
      if (left.isPositive())
        this.refund(channel, outTradeNo, `REVERSE${outTradeNo}`.slice(0, 64), left.toFixed(2), false);
      trade.state = 'REVOKED';
      trade.closedAt = this.now();
      return 'refund';
    }
    if (trade.state !== 'REVOKED') {
      trade.state = 'REVOKED';
      trade.closedAt = this.now();
    }
    return 'close';
  }

  refunded(trade: SandboxTrade): Decimal {
    return [...trade.refunds.values()]
      .filter((r) => r.state !== 'CLOSED')
      .reduce((sum, r) => sum.plus(r.amount), new Decimal(0));
  }

  /**
   * Accepts a refund. The same refund number again answers the refund it already is (the channels'
   * idempotency); a different amount under it, an unpaid trade or more than was paid are refused.
   */
  refund(
    channel: GatewayChannel,
    outTradeNo: string,
    refundNo: string,
    amount: string,
    processing: boolean,
  ): SandboxRefund {
    const trade = this.trade(channel, outTradeNo);
    if (!trade) throw new SandboxRefusal('RESOURCE_NOT_EXISTS', 'no such order');
    const existing = trade.refunds.get(refundNo);
    const value = new Decimal(amount);
    if (existing) {
      if (!value.equals(existing.amount))
        throw new SandboxRefusal('INVALID_REQUEST', 'the refund number was used with another amount');
      return existing;
    }
    if (trade.state !== 'SUCCESS') throw new SandboxRefusal('TRADE_NOT_PAID', 'the order is not paid');
    if (!value.isPositive() || this.refunded(trade).plus(value).gt(trade.total))
      throw new SandboxRefusal('NOT_ENOUGH', 'refund exceeds what is left of the payment');
    const at = this.now();
    const refund: SandboxRefund = {
      refundNo,
      refundId: channelRefundId(channel, this.nextId('5030')),
      amount: value.toFixed(2),
      state: processing ? 'PROCESSING' : 'SUCCESS',
      acceptedAt: at,
      succeededAt: processing ? null : at,
    };
    trade.refunds.set(refundNo, refund);
    return refund;
  }

  /** A processing refund completes (the bank returned the money). */
  completeRefund(refund: SandboxRefund): void {
    if (refund.state !== 'PROCESSING') return;
    refund.state = 'SUCCESS';
    refund.succeededAt = this.now();
  }

  findRefund(
    channel: GatewayChannel,
    refundNo: string,
  ): { trade: SandboxTrade; refund: SandboxRefund } | undefined {
    for (const trade of this.#trades.values()) {
      if (trade.channel !== channel) continue;
      const refund = trade.refunds.get(refundNo);
      if (refund) return { trade, refund };
    }
    return undefined;
  }

  /**
   * The day's movements as a bill would list them: payments by their pay time, refunds by the time the channel
   * accepted them (WeChat) or completed them (Alipay), in the channel's local day [from, to).
   */
  billEntries(channel: GatewayChannel, from: Date, to: Date, merchantId: string): BillEntry[] {
    const within = (d: Date | null) => d !== null && d >= from && d < to;
    const fee = (amount: string) =>
      new Decimal(amount).times(SANDBOX_FEE_RATE).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
    const out: BillEntry[] = [];
    for (const t of this.#trades.values()) {
      if (t.channel !== channel) continue;
      if (t.paidAt && within(t.paidAt))
        out.push({
          kind: 'payment',
          amount: t.total,
          occurredAt: t.paidAt.toISOString(),
          merchantId,
          channelTxnId: t.txnId,
          merchantOrderNo: t.outTradeNo,
          fee: fee(t.total).toFixed(2),
          productName: '医疗费用',
        });
      for (const r of t.refunds.values()) {
        const at = channel === 'wechat' ? r.acceptedAt : r.succeededAt;
        if (r.state === 'CLOSED' || !within(at)) continue;
        out.push({
          kind: 'refund',
          amount: r.amount,
          occurredAt: at!.toISOString(),
          merchantId,
          channelTxnId: t.txnId,
          ...(r.refundId ? { channelRefundId: r.refundId } : {}),
          merchantOrderNo: t.outTradeNo,
          refundNo: r.refundNo,
          fee: fee(r.amount).negated().toFixed(2),
          status: r.state,
          ...(t.paidAt ? { paidAt: t.paidAt.toISOString() } : {}),
          productName: '医疗费用',
        });
      }
    }
    return out.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  }
}

/** WeChat has its own refund ids; Alipay has none, and the platform names an Alipay refund `<trade>:<refund no>`. */
function channelRefundId(channel: GatewayChannel, id: string): string {
  return channel === 'wechat' ? id : '';
}
