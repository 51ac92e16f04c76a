// Writes a WeChat Pay trade bill exactly in the layout the parser reads (docs/statement-formats.md).
import { Decimal } from 'decimal.js';
import {
  WECHAT_ALL_HEADER,
  WECHAT_LEGACY_HEADER,
  WECHAT_LEGACY_SUMMARY_HEADER,
  WECHAT_REFUND_HEADER,
  WECHAT_SUCCESS_HEADER,
  WECHAT_SUCCESS_SUMMARY_HEADER,
  WECHAT_SUMMARY_HEADER,
} from '../wechat-layout.ts';
import { DEFAULT_TIME_ZONE, formatLocal, utcToLocal } from '../time.ts';
import type { BillEntry } from './entry.ts';

export interface WechatBillOptions {
  billType?: 'ALL' | 'SUCCESS' | 'REFUND';
  /** `legacy` = the pre-免充值券 layout (总金额, 代金券或立减优惠金额 …). */
  layout?: 'current' | 'legacy';
  eol?: '\n' | '\r\n';
  merchantId: string;
  appId?: string;
  timeZone?: string;
  /** SUCCESS bills: the 4-column summary of the 2024 page (default) or the 7-column one of SDK fixtures. */
  successSummaryColumns?: 4 | 7;
}

const ZERO = new Decimal(0);

function fee5(fee: string | undefined): string {
  return new Decimal(fee ?? '0').toFixed(5);
}

/** One string per line (each ending in the EOL), header to summary. Streams: nothing is buffered. */
export function* wechatBillLines(entries: Iterable<BillEntry>, opts: WechatBillOptions): Generator<string> {
  const type = opts.billType ?? 'ALL';
  const eol = opts.eol ?? '\r\n';
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  const legacy = opts.layout === 'legacy';
  const header = legacy
    ? WECHAT_LEGACY_HEADER
    : type === 'SUCCESS'
      ? WECHAT_SUCCESS_HEADER
      : type === 'REFUND'
        ? WECHAT_REFUND_HEADER
        : WECHAT_ALL_HEADER;
  yield header.join(',') + eol;
  const sums = new Map<string, Decimal>();
  let count = 0;
  for (const e of entries) {
    if (e.kind !== 'payment' && e.kind !== 'refund') continue;
    if (type === 'SUCCESS' && e.kind !== 'payment') continue;
    if (type === 'REFUND' && e.kind !== 'refund') continue;
    const pay = e.kind === 'payment';
    const local = formatLocal(utcToLocal(e.occurredAt, tz));
    const gross = e.grossAmount ?? e.amount;
    // A REFUND bill prints the original payment's time as 交易时间 and the refund's in its own columns.
    const tradeTime = type === 'REFUND' && e.paidAt ? formatLocal(utcToLocal(e.paidAt, tz)) : local;
    const v: Record<string, string> = {
      交易时间: tradeTime,
      公众账号ID: opts.appId ?? 'wx2421b1c4370ec43b',
      商户号: e.merchantId ?? opts.merchantId,
      特约商户号: e.subMerchantId ?? '0',
      子商户号: e.subMerchantId ?? '',
      设备号: e.terminalId ?? '',
      微信订单号: e.channelTxnId ?? '',
      商户订单号: e.merchantOrderNo ?? '',
      用户标识: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      交易类型: e.tradeType ?? 'JSAPI',
      交易状态: pay ? 'SUCCESS' : 'REFUND',
      付款银行: 'CFT',
      货币种类: 'CNY',
      应结订单金额: pay ? e.amount : '0.00',
      代金券金额: pay ? (e.amounts?.coupon ?? '0.00') : '0.00',
      总金额: pay ? gross : '0.00',
      代金券或立减优惠金额: '0.00',
      代金券或立减优惠退款金额: '0.00',
      微信退款单号: pay ? '0' : (e.channelRefundId ?? ''),
      商户退款单号: pay ? '0' : (e.refundNo ?? ''),
      退款金额: pay ? '0.00' : e.amount,
      充值券退款金额: '0.00',
      退款类型: pay ? '' : 'ORIGINAL',
      退款状态: pay ? '' : (e.status ?? 'SUCCESS'),
      退款申请时间: pay ? '' : local,
      退款成功时间: pay ? '' : local,
      商品名称: e.productName ?? '',
      商户数据包: e.attach ?? '',
      手续费: fee5(e.fee),
      费率: e.feeRate ?? '0.60%',
      订单金额: pay ? gross : '0.00',
      申请退款金额: pay ? '0.00' : gross,
      费率备注: '',
    };
    count++;
    for (const col of header) {
      const x = v[col];
      if (x !== undefined && /^-?\d+\.\d+$/.test(x) && col !== '费率')
        sums.set(col, (sums.get(col) ?? ZERO).plus(x));
    }
    yield header.map((c) => `\`${v[c] ?? ''}`).join(',') + eol;
  }
  const s = (col: string) => (sums.get(col) ?? ZERO).toFixed(2);
  const totals: Record<string, string> = {
    总交易单数: String(count),
    应结订单总金额: s('应结订单金额'),
    退款总金额: s('退款金额'),
    充值券退款总金额: s('充值券退款金额'),
    手续费总金额: (sums.get('手续费') ?? ZERO).toFixed(5),
    订单总金额: s('订单金额'),
    申请退款总金额: s('申请退款金额'),
    总交易额: s('总金额'),
    总退款金额: s('退款金额'),
    总代金券或立减优惠退款金额: s('代金券或立减优惠退款金额'),
  };
  const summary = legacy
    ? WECHAT_LEGACY_SUMMARY_HEADER
    : type === 'SUCCESS' && (opts.successSummaryColumns ?? 4) === 4
      ? WECHAT_SUCCESS_SUMMARY_HEADER
      : WECHAT_SUMMARY_HEADER;
  yield summary.join(',') + eol;
  yield summary.map((c) => `\`${totals[c]}`).join(',') + eol;
}

export function writeWechatBill(entries: Iterable<BillEntry>, opts: WechatBillOptions): string {
  let out = '';
  for (const l of wechatBillLines(entries, opts)) out += l;
  return out;
}
