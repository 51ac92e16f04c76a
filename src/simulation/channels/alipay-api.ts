// The sandbox's Alipay OpenAPI gateway (`POST /gateway.do`): checks each request's RSA2 signature with the
// app's public key, answers from the book as `{"<method>_response": {...}, "sign": "…"}` signed with Alipay's
// key, notifies with signed trade_status_sync forms, and issues the business-detail bill as its .csv.zip.
import { randomBytes } from 'node:crypto';
import { simulateAlipayNotification } from '../../adapters/channels/alipay/simulate.ts';
import {
  alipayResponseKey,
  alipaySign,
  alipaySignString,
  alipayVerify,
} from '../../adapters/channels/alipay/signing.ts';
import { alipayFileNames, writeAlipayBillZip } from '../../adapters/statements/writers/alipay.ts';
import type { Decimal } from 'decimal.js';
import { SandboxRefusal, type SandboxRefund, type SandboxTrade } from './book.ts';
import type { ChannelApi, ChannelSandbox, Routed, SandboxReply, SandboxRequest } from './sandbox.ts';
import { shanghaiDay } from './wechat-api.ts';

export type AlipayApi = ChannelApi;

type Biz = Record<string, unknown>;

/** "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai. */
function shanghaiTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function answer(node: Record<string, unknown>): SandboxReply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: JSON.stringify(node),
  };
}

const ok = (fields: Record<string, unknown>) => answer({ code: '10000', msg: 'Success', ...fields });
const fail = (subCode: string, subMsg: string, code = '40004') =>
  answer({
    code,
    msg: code === '40004' ? 'Business Failed' : 'Invalid Arguments',
    sub_code: subCode,
    sub_msg: subMsg,
  });

const text = (b: Biz, k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');

export function alipayApi(sandbox: ChannelSandbox): AlipayApi {
  const m = sandbox.alipay;
  const processingPolls = new Map<string, number>();

  const tradeStatus = (t: SandboxTrade, refunded: Decimal) =>
    t.state === 'NOTPAY' || t.state === 'USERPAYING'
      ? 'WAIT_BUYER_PAY'
      : t.state === 'CLOSED' || t.state === 'REVOKED' || refunded.equals(t.total)
        ? 'TRADE_CLOSED'
        : 'TRADE_SUCCESS';

  const notifyLater = (kind: 'payment' | 'refund', t: SandboxTrade, r?: SandboxRefund) => {
    setImmediate(() => void sandbox.notify('alipay', kind, t, r));
  };

  /** precreate / create: opens the trade (the same out_trade_no again answers the same trade). */
  const prepay = (biz: Biz, answerOf: (t: SandboxTrade) => SandboxReply): SandboxReply => {
    const outTradeNo = text(biz, 'out_trade_no');
    const amount = text(biz, 'total_amount');
    if (!outTradeNo || !/^\d{1,10}(\.\d{1,2})?$/.test(amount) || !text(biz, 'subject'))
      return fail('ACQ.INVALID_PARAMETER', '参数无效', '40004');
    const existing = sandbox.book.trade('alipay', outTradeNo);
    if (existing && existing.state !== 'NOTPAY')
      return existing.state === 'SUCCESS'
        ? fail('ACQ.TRADE_HAS_SUCCESS', '交易已被支付')
        : fail('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    return answerOf(sandbox.book.open('alipay', outTradeNo, amount));
  };

  const methods: Record<string, { operation: Routed['operation']; run: (biz: Biz) => SandboxReply }> = {
    'alipay.trade.query': {
      operation: 'query',
      run: (biz) => {
        const t = sandbox.book.trade('alipay', text(biz, 'out_trade_no'));
        if (!t) return fail('ACQ.TRADE_NOT_EXIST', '交易不存在');
        sandbox.queried(t);
        return ok({
          trade_no: t.txnId,
          out_trade_no: t.outTradeNo,
          buyer_logon_id: '159****5620',
          trade_status: tradeStatus(t, sandbox.book.refunded(t)),
          total_amount: t.total,
          ...(t.paidAt ? { buyer_pay_amount: t.total, send_pay_date: shanghaiTime(t.paidAt) } : {}),
          buyer_user_id: t.payer,
        });
      },
    },
    'alipay.trade.precreate': {
      operation: 'prepay',
      run: (biz) =>
        prepay(biz, (t) =>
          ok({ out_trade_no: t.outTradeNo, qr_code: `https://qr.alipay.com/bax0${t.txnId.slice(-12)}` }),
        ),
    },
    'alipay.trade.create': {
      operation: 'prepay',
      run: (biz) => {
        if (!text(biz, 'buyer_id') && !text(biz, 'buyer_open_id'))
          return fail('ACQ.INVALID_PARAMETER', 'buyer_id 缺失', '40004');
        return prepay(biz, (t) => ok({ out_trade_no: t.outTradeNo, trade_no: t.txnId }));
      },
    },
    'alipay.trade.pay': {
      operation: 'codepay',
      run: (biz) => {
        const outTradeNo = text(biz, 'out_trade_no');
        const amount = text(biz, 'total_amount');
        if (!outTradeNo || !/^\d{1,10}(\.\d{1,2})?$/.test(amount) || text(biz, 'scene') !== 'bar_code')
          return fail('ACQ.INVALID_PARAMETER', '参数无效', '40004');
        if (!/^(2[5-9]|30)\d{14,22}$/.test(text(biz, 'auth_code')))
          return fail(
            'ACQ.PAYMENT_AUTH_CODE_INVALID',
            '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款',
          );
        const { trade, outcome } = sandbox.codePayment('alipay', outTradeNo, amount);
        if (outcome === 'declined') return fail('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足');
        if (outcome === 'closed') return fail('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
        const t = trade!;
        const fields = {
          trade_no: t.txnId,
          out_trade_no: t.outTradeNo,
          buyer_logon_id: '159****5620',
          buyer_user_id: t.payer,
          total_amount: t.total,
        };
        if (outcome === 'paying')
          return answer({ code: '10003', msg: ' order success pay inprocess', ...fields });
        return ok({ ...fields, receipt_amount: t.total, gmt_payment: shanghaiTime(t.paidAt!) });
      },
    },
    'alipay.trade.cancel': {
      operation: 'reverse',
      run: (biz) => {
        const outTradeNo = text(biz, 'out_trade_no');
        const t = sandbox.book.trade('alipay', outTradeNo);
        const action = sandbox.book.reverse('alipay', outTradeNo);
        return ok({
          out_trade_no: outTradeNo,
          ...(t ? { trade_no: t.txnId } : {}),
          retry_flag: 'N',
          action: action === 'refund' ? 'refund' : 'close',
        });
      },
    },
    'alipay.trade.close': {
      operation: 'close',
      run: (biz) => {
        const outcome = sandbox.book.close('alipay', text(biz, 'out_trade_no'));
        if (outcome === 'missing') return fail('ACQ.TRADE_NOT_EXIST', '交易不存在');
        if (outcome === 'paid') return fail('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        return ok({ out_trade_no: text(biz, 'out_trade_no') });
      },
    },
    'alipay.trade.refund': {
      operation: 'refund',
      run: (biz) => {
        const outTradeNo = text(biz, 'out_trade_no');
        const requestNo = text(biz, 'out_request_no') || outTradeNo;
        const amount = text(biz, 'refund_amount');
        if (!/^\d{1,10}(\.\d{1,2})?$/.test(amount)) return fail('ACQ.INVALID_PARAMETER', '参数无效', '40004');
        const t = sandbox.book.trade('alipay', outTradeNo);
        if (!t) return fail('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const fresh = !t.refunds.has(requestNo);
        const processing = fresh ? sandbox.faults.take('alipay', 'refund', ['processing']) : undefined;
        let r: SandboxRefund;
        try {
          r = sandbox.book.refund('alipay', outTradeNo, requestNo, amount, processing !== undefined);
        } catch (e) {
          if (!(e instanceof SandboxRefusal)) throw e;
          if (e.code === 'NOT_ENOUGH') return fail('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
          if (e.code === 'TRADE_NOT_PAID') return fail('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
          return fail('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款请求号对应的退款金额不一致');
        }
        if (processing) {
          // Alipay has no PROCESSING answer: the refund is accepted but the gateway says it does not know.
          processingPolls.set(requestNo, processing.polls ?? 1);
          return fail('ACQ.SYSTEM_ERROR', '系统错误');
        }
        if (r.state === 'PROCESSING') return fail('ACQ.SYSTEM_ERROR', '系统错误');
        if (fresh) notifyLater('refund', t, r);
        return ok({
          trade_no: t.txnId,
          out_trade_no: t.outTradeNo,
          buyer_logon_id: '159****5620',
          fund_change: fresh ? 'Y' : 'N',
          refund_fee: sandbox.book.refunded(t).toFixed(2),
          gmt_refund_pay: shanghaiTime(r.succeededAt!),
          buyer_user_id: t.payer,
        });
      },
    },
    'alipay.trade.fastpay.refund.query': {
      operation: 'refund-query',
      run: (biz) => {
        const outTradeNo = text(biz, 'out_trade_no');
        const requestNo = text(biz, 'out_request_no');
        const t = sandbox.book.trade('alipay', outTradeNo);
        if (!t) return fail('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const r = t.refunds.get(requestNo);
        const base = {
          trade_no: t.txnId,
          out_trade_no: outTradeNo,
          out_request_no: requestNo,
          total_amount: t.total,
        };
        if (r?.state !== 'SUCCESS') {
          const left = processingPolls.get(requestNo);
          if (r && left !== undefined) {
            if (left <= 1) {
              processingPolls.delete(requestNo);
              sandbox.book.completeRefund(r);
              notifyLater('refund', t, r);
            } else processingPolls.set(requestNo, left - 1);
          }
          return ok(base); // no refund_status: not (yet) refunded
        }
        return ok({
          ...base,
          refund_amount: r.amount,
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: shanghaiTime(r.succeededAt!),
        });
      },
    },
    'alipay.data.dataservice.bill.downloadurl.query': {
      operation: 'bill',
      run: (biz) => {
        const date = text(biz, 'bill_date');
        const day = shanghaiDay(date);
        if (!day) return fail('isv.invalid-arguments', 'bill_date 格式错误', '40002');
        const type = text(biz, 'bill_type');
        const issued =
          type === 'trade' || type === 'signcustomer'
            ? sandbox.issuedBill('alipay', date, type === 'trade' ? 'trade' : 'fundflow')
            : undefined;
        if (!issued && type !== 'trade') return fail('isp.bill_not_exist', '沙箱只出具 trade 账单');
        const account = `${m.pid}0156`;
        const entries = issued ? [] : sandbox.book.billEntries('alipay', day.from, day.to, account);
        if (!issued && entries.length === 0) return fail('isp.bill_not_exist', '账单不存在');
        const zip = issued ?? writeAlipayBillZip(entries, { account, date });
        const token = randomBytes(16).toString('hex');
        sandbox.files.set(token, { bytes: zip, contentType: 'application/zip' });
        const name = alipayFileNames({ account, date }).zip;
        return ok({
          bill_download_url: `${sandbox.baseUrl}/files/alipay/${encodeURIComponent(name)}?token=${token}`,
        });
      },
    },
  };

  const paramsOf = (req: SandboxRequest) => Object.fromEntries(new URLSearchParams(req.body));

  return {
    route(req) {
      if (req.method !== 'POST') return undefined;
      const params = paramsOf(req);
      const method = methods[params.method ?? ''];
      if (!method) return undefined;
      const signed =
        params.app_id === m.appId &&
        params.sign_type === 'RSA2' &&
        typeof params.sign === 'string' &&
        alipayVerify(alipaySignString(params), params.sign, m.app.publicKey);
      let biz: Biz = {};
      try {
        biz = JSON.parse(params.biz_content ?? '{}') as Biz;
      } catch {
        return {
          operation: method.operation,
          refused: fail('isv.invalid-biz-content', 'biz_content 不是 JSON', '40002'),
          run: () => ok({}),
        };
      }
      return {
        operation: method.operation,
        ...(signed ? {} : { refused: fail('isv.invalid-signature', '验签出错', '40002') }),
        run: () => method.run(biz),
      };
    },
    sign(reply, forged, req) {
      const method = paramsOf(req).method ?? 'alipay.trade.query';
      const node = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
      const signature = alipaySign(node, forged ? sandbox.impostor.privateKey : m.alipay.privateKey);
      return { ...reply, body: `{"${alipayResponseKey(method)}":${node},"sign":"${signature}"}` };
    },
    systemError: () =>
      answer({
        code: '20000',
        msg: 'Service Currently Unavailable',
        sub_code: 'isp.unknow-error',
        sub_msg: '系统繁忙',
      }),
    notification(kind, t, r) {
      const refunded = sandbox.book.refunded(t);
      const params: Record<string, string> = {
        notify_time: shanghaiTime(sandbox.now()),
        notify_type: 'trade_status_sync',
        notify_id: randomBytes(16).toString('hex'),
        app_id: m.appId,
        charset: 'utf-8',
        version: '1.0',
        trade_no: t.txnId,
        out_trade_no: t.outTradeNo,
        buyer_id: t.payer,
        seller_id: m.pid,
        trade_status: tradeStatus(t, refunded),
        total_amount: t.total,
        receipt_amount: t.total,
        buyer_pay_amount: t.total,
        gmt_create: shanghaiTime(t.createdAt),
        ...(t.paidAt ? { gmt_payment: shanghaiTime(t.paidAt) } : {}),
      };
      if (kind === 'refund' && r) {
        params.refund_fee = refunded.toFixed(2);
        params.gmt_refund = shanghaiTime(r.succeededAt ?? sandbox.now());
        params.out_biz_no = r.refundNo;
      }
      const n = simulateAlipayNotification(params, m.alipay.privateKey);
      return { headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: n.body };
    },
  };
}
