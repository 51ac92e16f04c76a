// The WeChat Pay trade bill's layouts: exact header lines per bill type and layout, what each summary
// column sums, and the form of the amounts in each layout.
import { type AmountForm, type AmountUnit, YUAN_2 } from './amount.ts';

// Exact header lines (format-trade.html; SDK fixtures in binarywang/WxJava WxPayBillResultTest).
export const WECHAT_ALL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(
    ',',
  );
export const WECHAT_SUCCESS_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注'.split(
    ',',
  );
export const WECHAT_REFUND_HEADER = [
  ...WECHAT_ALL_HEADER.slice(0, 14),
  '退款申请时间',
  '退款成功时间',
  ...WECHAT_ALL_HEADER.slice(14),
];
// Older (pre-免充值券) layout: blog.csdn.net/weixin_33268205/article/details/111897134 and format-trade.html note.
export const WECHAT_LEGACY_HEADER =
  '交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率'.split(
    ',',
  );
export const WECHAT_SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额'.split(',');
// SUCCESS bill summary per the 2024 official page (the SDK fixtures show the 7-column one too).
export const WECHAT_SUCCESS_SUMMARY_HEADER = '总交易单数,应结订单总金额,手续费总金额,订单总金额'.split(',');
export const WECHAT_LEGACY_SUMMARY_HEADER =
  '总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额'.split(',');

/** Summary column → the detail column it sums. 总交易额 (legacy) is checked separately. */
export const SUMMARY_SUMS: Record<string, string[]> = {
  应结订单总金额: ['应结订单金额'],
  退款总金额: ['退款金额'],
  总退款金额: ['退款金额'],
  充值券退款总金额: ['充值券退款金额'],
  手续费总金额: ['手续费'],
  订单总金额: ['订单金额'],
  申请退款总金额: ['申请退款金额'],
  总代金券或立减优惠退款金额: ['代金券或立减优惠退款金额'],
  总企业红包退款金额: ['企业红包退款金额'],
};

export const ALIASES: Record<string, string> = {
  子商户号: '特约商户号',
  企业红包金额: '代金券或立减优惠金额',
};
export const FEE_COLUMNS = new Set(['手续费']);
export const DETAIL_MONEY = new Set([
  '应结订单金额',
  '代金券金额',
  '退款金额',
  '充值券退款金额',
  '订单金额',
  '申请退款金额',
  '总金额',
  '代金券或立减优惠金额',
  '代金券或立减优惠退款金额',
  '企业红包退款金额',
]);
export const REQUIRED = ['交易时间', '商户号', '微信订单号', '商户订单号', '交易状态', '手续费'];

/**
 * The bill layouts, told apart by the header: `current` (特约商户号, the format page's columns), `legacy`
 * (子商户号 and 总金额, the pre-免充值券 bill) and `acquirer` (neither: issued through a bank acting as
 * service provider, integer amounts in a unit the bill does not state, fee rate without `%`).
 */
export type WechatLayout = 'current' | 'legacy' | 'acquirer';

/** Amount forms per layout: amounts, fees (signed: returned fees are negative). */
export interface LayoutForms {
  amount: AmountForm;
  fee: AmountForm;
}

/** Forms of a layout; the acquirer layout's unit comes from configuration (undefined: refused). */
export function wechatForms(layout: WechatLayout, unit: AmountUnit | undefined): LayoutForms | undefined {
  if (layout === 'current')
    // Amounts print two decimals, fees five (format-trade.html; SDK fixtures also show two).
    return { amount: YUAN_2, fee: { unit: 'yuan', minDecimals: 2, maxDecimals: 6, signed: true } };
  if (layout === 'legacy')
    // The official v2 example prints `0`, `0.0` and `0.01` in the same bill.
    return {
      amount: { unit: 'yuan', minDecimals: 0, maxDecimals: 2, signed: false },
      fee: { unit: 'yuan', minDecimals: 0, maxDecimals: 6, signed: true },
    };
  if (unit === undefined) return undefined;
  return unit === 'fen'
    ? {
        amount: { unit: 'fen', minDecimals: 0, maxDecimals: 0, signed: false },
        fee: { unit: 'fen', minDecimals: 0, maxDecimals: 4, signed: true },
      }
    : {
        amount: { unit: 'yuan', minDecimals: 0, maxDecimals: 2, signed: false },
        fee: { unit: 'yuan', minDecimals: 0, maxDecimals: 6, signed: true },
      };
}
