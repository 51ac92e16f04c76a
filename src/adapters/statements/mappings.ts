// Built-in declarative mappings. A new bank or HIS export is one more object like these.
import type { ColumnMapping } from './mapping.ts';

/** UnionPay MIS-POS back-office CSV (GBK), columns after lyenrowe/bill-parser src/FileParser/Unionpay.php. */
export const UNIONPAY_POS_CSV: ColumnMapping = {
  name: 'unionpay-pos',
  format: 'bank:unionpay-pos',
  party: 'bank',
  source: 'unionpay',
  container: 'csv',
  encoding: 'gbk',
  delimiter: ',',
  fields: {
    merchantId: '商户代码',
    terminalId: '终端号',
    batchNo: '批次号',
    voucherNo: '凭证号',
    occurredAt: '交易时间',
    businessDate: '银联系统日期',
    merchantOrderNo: '订单号',
    amount: ['交易金额（元）', '交易金额(元)'],
    fee: ['手续费（元）', '手续费(元)'],
    status: '交易状态',
    tradeType: '交易类型',
    referenceNo: '参考号',
    channelTxnId: '参考号',
  },
  dateFormats: ['yyyy-MM-dd HH:mm:ss', 'yyyyMMddHHmmss', 'yyyy/MM/dd HH:mm:ss'],
  businessDateFormats: ['yyyyMMdd', 'yyyy-MM-dd'],
  // 消费撤销 = same-day void, 退货 = later return: both give money back (docs/statement-formats.md).
  kind: {
    column: '交易类型',
    values: { 消费: 'payment', 消费撤销: 'refund', 撤销: 'refund', 退货: 'refund' },
  },
  amountSign: 'positive',
  feeSign: 'cost-positive',
  totals: {
    marker: '商户代码',
    equals: '合计',
    count: '终端号',
    amount: ['交易金额（元）', '交易金额(元)'],
    fee: ['手续费（元）', '手续费(元)'],
    required: true,
  },
};

/** Allinpay (通联) POS statement as xlsx, columns per prodoc.allinpay.com/doc/1403. */
export const ALLINPAY_POS_XLSX: ColumnMapping = {
  name: 'allinpay-pos',
  format: 'bank:allinpay-pos',
  party: 'bank',
  source: 'allinpay',
  container: 'xlsx',
  fields: {
    merchantId: '商户号',
    terminalId: '终端号',
    occurredAt: '交易时间',
    tradeType: '交易类型',
    batchNo: '批次号',
    voucherNo: '凭证号',
    referenceNo: '参考号',
    amount: '交易金额',
    fee: '手续费',
    businessDate: '交易日期',
    channelTxnId: '交易单号',
    merchantOrderNo: '订单号',
  },
  amounts: { settlement: '结算金额' },
  dateFormats: ['yyyy-MM-dd HH:mm:ss', 'yyyy/MM/dd HH:mm:ss', 'yyyyMMddHHmmss'],
  businessDateFormats: ['yyyyMMdd', 'yyyy-MM-dd', 'yyyy-MM-dd HH:mm:ss', 'yyyy/MM/dd'],
  kind: {
    column: '交易类型',
    values: { 消费: 'payment', 撤销: 'refund', 消费撤销: 'refund', 退货: 'refund' },
  },
  // Sign of 撤销/退货 rows is not documented publicly: accept either.
  amountSign: 'any',
  feeSign: 'by-kind',
  totals: { marker: '商户号', equals: '合计', count: '终端号', amount: '交易金额', required: false },
};

/** HIS daily charge extract, CSV (UTF-8): one row per charge or refund booked by the HIS. */
export const HIS_CSV: ColumnMapping = {
  name: 'his-csv',
  format: 'his',
  party: 'his',
  source: 'his',
  container: 'csv',
  encoding: 'utf8',
  fields: {
    hisNo: 'HIS流水号',
    merchantOrderNo: '平台订单号',
    refundNo: '平台退款单号',
    channelTxnId: '渠道交易号',
    payChannel: '支付渠道',
    tradeType: '业务类型',
    amount: '金额',
    occurredAt: '交易时间',
    businessDate: '结账日期',
    patientId: '患者ID',
    operatorId: '操作员',
  },
  dateFormats: ['yyyy-MM-dd HH:mm:ss'],
  businessDateFormats: ['yyyy-MM-dd'],
  kind: { column: '收退标志', values: { 收费: 'payment', 退费: 'refund' } },
  amountSign: 'refund-negative',
  totals: { marker: 'HIS流水号', equals: '合计', count: '平台订单号', amount: '金额', required: true },
};

/** HIS daily charge extract, JSON: `{ hospitalId, businessDate, count, totalAmount, records: [...] }`. */
export const HIS_JSON: ColumnMapping = {
  name: 'his-json',
  format: 'his',
  party: 'his',
  source: 'his',
  container: 'json',
  jsonRecordsKey: 'records',
  fields: {
    hisNo: 'hisNo',
    merchantOrderNo: 'orderNo',
    refundNo: 'refundNo',
    channelTxnId: 'channelTxnId',
    payChannel: 'payChannel',
    tradeType: 'businessType',
    amount: 'amount',
    occurredAt: 'chargedAt',
    businessDate: 'businessDate',
    patientId: 'patientId',
    operatorId: 'operatorId',
  },
  dateFormats: ['yyyy-MM-dd HH:mm:ss'],
  kind: { column: 'direction', values: { charge: 'payment', refund: 'refund' } },
  amountSign: 'refund-negative',
  jsonMeta: { count: 'count', amount: 'totalAmount', businessDate: 'businessDate', required: true },
};

/** Medical-insurance settlement detail (3202 对明细账 upload: TAB-separated TXT). */
export const INSURANCE_TSV: ColumnMapping = {
  name: 'insurance',
  format: 'insurance',
  party: 'insurance',
  source: 'insurance',
  container: 'csv',
  encoding: 'utf8',
  delimiter: '\t',
  fields: {
    channelTxnId: 'setl_id',
    referenceNo: 'mdtrt_id',
    patientId: 'psn_no',
    amount: 'medfee_sumamt',
    occurredAt: 'setl_time',
  },
  amounts: { fundPay: 'fund_pay_sumamt', accountPay: 'acct_pay', cashPay: ['psn_cash_pay', 'cash_payamt'] },
  dateFormats: ['yyyy-MM-dd HH:mm:ss', 'yyyyMMddHHmmss'],
  // refd_setl_flag 1 = a reversed (refunded) settlement, seen in HIS code (Output_2303.cs).
  kind: { column: 'refd_setl_flag', values: { '0': 'payment', '1': 'refund' } },
  amountSign: 'any',
};

export const BUILTIN_MAPPINGS: readonly ColumnMapping[] = [
  UNIONPAY_POS_CSV,
  ALLINPAY_POS_XLSX,
  HIS_CSV,
  HIS_JSON,
  INSURANCE_TSV,
];
