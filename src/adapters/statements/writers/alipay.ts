// Writes an Alipay business detail bill (GBK CSV, optionally the .csv.zip with its 汇总 entry) in the
// layout the parser reads (docs/statement-formats.md).
import { Decimal } from 'decimal.js';
import iconv from 'iconv-lite';
import { ALIPAY_HEADER, ALIPAY_LIST_END, ALIPAY_LIST_START, ALIPAY_TITLE } from '../alipay.ts';
import { csvField } from '../source.ts';
import { DEFAULT_TIME_ZONE, formatLocal, formatPattern, parseLocal, utcToLocal } from '../time.ts';
import type { BillEntry } from './entry.ts';
import { Tally } from './tally.ts';
import { zipGbk } from './zip.ts';

export interface AlipayBillOptions {
  /** The bill's 账号: the PID followed by 0156. */
  account: string;
  /** First day of the bill, `yyyy-MM-dd`; the period ends at 00:00:00 of the next day. */
  date: string;
  /** `yyyy-MM-dd HH:mm:ss` printed in #导出时间 (default: the next day 09:00:00). */
  exportedAt?: string;
  eol?: '\n' | '\r\n';
  timeZone?: string;
}

const T = '\t';
const CN = 'yyyy年MM月dd日 HH:mm:ss';

function dayAfter(date: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return { y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), h: 0, mi: 0, s: 0 };
}

/** The bill as text lines (UTF-16 strings, each ending in the EOL); encode them as GBK. */
export function* alipayBillLines(entries: Iterable<BillEntry>, opts: AlipayBillOptions): Generator<string> {
  const eol = opts.eol ?? '\r\n';
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  const start = parseLocal(`${opts.date} 00:00:00`, 'yyyy-MM-dd HH:mm:ss');
  if (!start) throw new Error(`bad date ${opts.date}`);
  const end = dayAfter(opts.date);
  yield ALIPAY_TITLE + eol;
  yield `#账号：[${opts.account}]${eol}`;
  yield `#起始日期：[${formatPattern(start, CN)}]   终止日期：[${formatPattern(end, CN)}]${eol}`;
  yield ALIPAY_LIST_START + eol;
  yield ALIPAY_HEADER.join(',') + eol;
  const trades = new Tally();
  const refunds = new Tally();
  for (const e of entries) {
    if (e.kind !== 'payment' && e.kind !== 'refund') continue;
    const pay = e.kind === 'payment';
    const sign = pay ? '' : '-';
    const local = formatLocal(utcToLocal(e.occurredAt, tz));
    const amount = new Decimal(`${sign}${e.amount}`);
    (pay ? trades : refunds).add(amount);
    const row = [
      (e.channelTxnId ?? '') + T,
      (e.merchantOrderNo ?? '') + T,
      (pay ? '交易' : '退款') + T,
      csvField(e.productName ?? ''),
      local,
      local,
      (e.storeId ?? '') + T,
      '',
      (e.operatorId ?? '') + T,
      (e.terminalId ?? '') + T,
      '*伟(139******07)' + T,
      `${sign}${e.grossAmount ?? e.amount}`,
      amount.toFixed(2),
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '',
      '0.00' + T,
      '0.00',
      (pay ? '' : (e.refundNo ?? '')) + T,
      new Decimal(e.fee ?? '0').abs().toFixed(2),
      '0.00',
      csvField(e.attach ?? ''),
    ];
    yield row.join(',') + eol;
  }
  yield ALIPAY_LIST_END + eol;
  yield `#交易合计：${trades.count}笔，商家实收共${trades.sum.toFixed(2)}元，商家优惠共0.00元${eol}`;
  yield `#退款合计：${refunds.count}笔，商家实收退款共${refunds.sum.toFixed(2)}元，商家优惠退款共0.00元${eol}`;
  const exported = parseLocal(opts.exportedAt ?? '', 'yyyy-MM-dd HH:mm:ss') ?? { ...end, h: 9 };
  yield `#导出时间：[${formatPattern(exported, CN)}]${eol}`;
}

/** The bill as GBK bytes, as Alipay issues the CSV. */
export function writeAlipayBill(entries: Iterable<BillEntry>, opts: AlipayBillOptions): Buffer {
  const parts: Buffer[] = [];
  for (const l of alipayBillLines(entries, opts)) parts.push(iconv.encode(l, 'gbk'));
  return Buffer.concat(parts);
}

/** The file names Alipay uses: `<account>_<yyyyMMdd>.csv.zip` holding `…_业务明细.csv` and `…_业务明细(汇总).csv`. */
export function alipayFileNames(opts: Pick<AlipayBillOptions, 'account' | 'date'>): {
  zip: string;
  detail: string;
  summary: string;
} {
  const ymd = opts.date.replaceAll('-', '');
  return {
    zip: `${opts.account}_${ymd}.csv.zip`,
    detail: `${opts.account}_${ymd}_业务明细.csv`,
    summary: `${opts.account}_${ymd}_业务明细(汇总).csv`,
  };
}

/** The .csv.zip as Alipay serves it: GBK entry names without the UTF-8 flag, 汇总 entry first. */
export function writeAlipayBillZip(entries: Iterable<BillEntry>, opts: AlipayBillOptions): Buffer {
  const list = [...entries];
  const names = alipayFileNames(opts);
  const eol = opts.eol ?? '\r\n';
  let tn = 0;
  let rn = 0;
  let gross = new Decimal(0);
  let net = new Decimal(0);
  for (const e of list) {
    const a = e.kind === 'refund' ? new Decimal(e.amount).negated() : new Decimal(e.amount);
    if (e.kind === 'payment') tn++;
    else if (e.kind === 'refund') rn++;
    else continue;
    gross = gross.plus(
      e.kind === 'refund' ? new Decimal(e.grossAmount ?? e.amount).negated() : (e.grossAmount ?? e.amount),
    );
    net = net.plus(a);
  }
  const summary = [
    '#支付宝业务汇总查询',
    `#账号：[${opts.account}]`,
    `#${'-'.repeat(41)}业务汇总列表${'-'.repeat(40)}`,
    '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）',
    `合计,,${tn},${rn},${gross.toFixed(2)},${net.toFixed(2)},0.00,0.00,0.00,0.00,0.00,${net.toFixed(2)}`,
    `#${'-'.repeat(40)}业务汇总列表结束${'-'.repeat(37)}`,
  ].join(eol);
  return zipGbk([
    { name: names.summary, data: iconv.encode(summary + eol, 'gbk') },
    { name: names.detail, data: writeAlipayBill(list, opts) },
  ]);
}
