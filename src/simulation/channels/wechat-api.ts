// The sandbox's WeChat Pay API v3: checks each request's merchant signature, answers from the book, signs
// every answer with the current platform certificate (or the WeChat Pay public key), notifies with encrypted,
// signed callbacks, and issues the trade and fund-flow bills behind a signed download_url.
import { createHash, randomBytes, randomUUID, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  encryptWechatResource,
  simulateWechatNotification,
} from '../../adapters/channels/wechat/simulate.ts';
import { parseWechatAuthorization, verifyWechatRequest } from '../../adapters/channels/wechat/signing.ts';
import { WECHAT_FUNDFLOW_HEADER, WECHAT_FUNDFLOW_SUMMARY_HEADER } from '../../adapters/statements/index.ts';
import { writeWechatBill } from '../../adapters/statements/writers/wechat.ts';
import type { BillEntry } from '../../adapters/statements/writers/entry.ts';
import { Tally } from '../../adapters/statements/writers/tally.ts';
import { Decimal } from 'decimal.js';
import { SandboxRefusal, type SandboxRefund, type SandboxTrade } from './book.ts';
import type { ChannelApi, ChannelSandbox, Routed, SandboxReply, SandboxRequest } from './sandbox.ts';

export type WechatApi = ChannelApi;

const JSON_TYPE = { 'content-type': 'application/json' };
/** WeChat's freshness window for a request's timestamp. */
const MAX_SKEW_MS = 5 * 60_000;

function json(status: number, body: unknown): SandboxReply {
  return { status, headers: JSON_TYPE, body: JSON.stringify(body) };
}

function error(status: number, code: string, message: string): SandboxReply {
  return json(status, { code, message });
}

/** RFC 3339 in Asia/Shanghai, as WeChat prints times. */
export function shanghaiRfc3339(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

const fen = (yuan: string) => Number(new Decimal(yuan).times(100).toFixed(0));
const yuan = (f: unknown) =>
  typeof f === 'number' && Number.isSafeInteger(f) && f > 0 ? new Decimal(f).div(100).toFixed(2) : undefined;

/** The day [00:00, 24:00) of a `yyyy-MM-dd` in Asia/Shanghai. */
export function shanghaiDay(date: string): { from: Date; to: Date } | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const from = new Date(`${date}T00:00:00+08:00`);
  if (Number.isNaN(from.getTime())) return undefined;
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

export function wechatApi(sandbox: ChannelSandbox): WechatApi {
  const m = sandbox.wechat;
  const refundNotifyUrls = new Map<string, string>();
  const processingPolls = new Map<string, number>();
  const downloads = new Map<string, { text: Buffer; gzip: boolean }>();

  const signer = () =>
    m.publicKey
      ? { serial: m.publicKey.serial, key: m.publicKey.privateKey }
      : { serial: m.certificates.at(-1)!.serial, key: m.certificates.at(-1)!.privateKey };

  const transaction = (t: SandboxTrade) => ({
    appid: m.appId,
    mchid: m.mchId,
    out_trade_no: t.outTradeNo,
    ...(t.state === 'NOTPAY' ? {} : { transaction_id: t.txnId }),
    trade_type: 'NATIVE',
    trade_state: t.state === 'SUCCESS' && t.refunds.size > 0 ? 'REFUND' : t.state,
    trade_state_desc: t.state === 'SUCCESS' ? '支付成功' : t.state === 'CLOSED' ? '订单已关闭' : '订单未支付',
    bank_type: 'OTHERS',
    attach: '',
    ...(t.paidAt ? { success_time: shanghaiRfc3339(t.paidAt) } : {}),
    payer: { openid: t.payer },
    amount: {
      total: fen(t.total),
      payer_total: t.state === 'SUCCESS' ? fen(t.total) : 0,
      currency: 'CNY',
      payer_currency: 'CNY',
    },
  });

  const refundBody = (t: SandboxTrade, r: SandboxRefund) => ({
    refund_id: r.refundId,
    out_refund_no: r.refundNo,
    transaction_id: t.txnId,
    out_trade_no: t.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.succeededAt ? { success_time: shanghaiRfc3339(r.succeededAt) } : {}),
    create_time: shanghaiRfc3339(r.acceptedAt),
    status: r.state,
    funds_account: 'AVAILABLE',
    amount: {
      total: fen(t.total),
      refund: fen(r.amount),
      payer_total: fen(t.total),
      payer_refund: fen(r.amount),
      settlement_refund: fen(r.amount),
      settlement_total: fen(t.total),
      discount_refund: 0,
      currency: 'CNY',
    },
  });

  /** Notifies after the answer went out, as WeChat does; the sandbox's settled() waits for it. */
  const notifyLater = (kind: 'payment' | 'refund', t: SandboxTrade, r?: SandboxRefund) => {
    const url = r ? refundNotifyUrls.get(r.refundNo) : undefined;
    setImmediate(() => void sandbox.notify('wechat', kind, t, r, url));
  };

  const authenticate = (req: SandboxRequest): SandboxReply | undefined => {
    const header = req.headers.authorization;
    const auth = parseWechatAuthorization(typeof header === 'string' ? header : undefined);
    if (!auth) return error(401, 'SIGN_ERROR', 'Authorization 头缺失或格式错误');
    if (auth.mchId !== m.mchId) return error(401, 'SIGN_ERROR', '商户号与证书不匹配');
    if (auth.serial !== m.merchant.serial) return error(401, 'SIGN_ERROR', '商户证书序列号有误');
    if (Math.abs(sandbox.now().getTime() - Number(auth.timestamp) * 1000) > MAX_SKEW_MS)
      return error(401, 'SIGN_ERROR', '请求时间戳已过期');
    if (!verifyWechatRequest(auth, m.merchant.publicKey, req.method, req.url, req.body))
      return error(401, 'SIGN_ERROR', '签名错误');
    return undefined;
  };

  /** The fields every WeChat pay call carries, checked; an error answer when they are not right. */
  const payOrder = (
    req: SandboxRequest,
  ): SandboxReply | { body: Record<string, unknown>; outTradeNo: string; total: string; openid?: string } => {
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return error(400, 'PARAM_ERROR', '请求体不是 JSON');
    }
    if (b.mchid !== m.mchId || b.appid !== m.appId) return error(400, 'PARAM_ERROR', 'appid 或 mchid 有误');
    const amount = (b.amount ?? {}) as Record<string, unknown>;
    const total = yuan(amount.total);
    const outTradeNo = typeof b.out_trade_no === 'string' ? b.out_trade_no : '';
    if (!total || !/^[0-9A-Za-z_\-|*]{1,32}$/.test(outTradeNo) || typeof b.description !== 'string')
      return error(400, 'PARAM_ERROR', '参数错误');
    const payer = (b.payer ?? {}) as Record<string, unknown>;
    return {
      body: b,
      outTradeNo,
      total,
      ...(typeof payer.openid === 'string' ? { openid: payer.openid } : {}),
    };
  };

  const bill = (req: SandboxRequest, kind: 'trade' | 'fundflow'): SandboxReply => {
    const date = req.query.get('bill_date') ?? '';
    const day = shanghaiDay(date);
    if (!day) return error(400, 'PARAM_ERROR', 'bill_date 格式错误');
    const issued = sandbox.issuedBill('wechat', date, kind);
    const entries = issued ? [] : sandbox.book.billEntries('wechat', day.from, day.to, m.mchId);
    if (!issued && entries.length === 0) return error(400, 'NO_STATEMENT_EXIST', '账单不存在');
    const text =
      issued ??
      Buffer.from(
        kind === 'trade'
          ? writeWechatBill(entries, { merchantId: m.mchId, appId: m.appId })
          : fundflowBill(entries),
        'utf8',
      );
    const token = randomBytes(16).toString('hex');
    downloads.set(token, { text, gzip: req.query.get('tar_type') === 'GZIP' });
    return json(200, {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(text).digest('hex'),
      download_url: `${sandbox.baseUrl}/v3/billdownload/file?token=${token}`,
    });
  };

  const routes: Array<{
    method: string;
    pattern: RegExp;
    operation: Routed['operation'];
    run: (req: SandboxRequest, match: RegExpExecArray) => SandboxReply;
  }> = [
    {
      method: 'GET',
      pattern: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/,
      operation: 'query',
      run: (req, match) => {
        if (req.query.get('mchid') !== m.mchId) return error(400, 'PARAM_ERROR', 'mchid 与请求商户不符');
        const t = sandbox.book.trade('wechat', decodeURIComponent(match[1]!));
        if (t) sandbox.queried(t);
        return t ? json(200, transaction(t)) : error(404, 'ORDER_NOT_EXIST', '订单不存在');
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/,
      operation: 'close',
      run: (_req, match) => {
        const outcome = sandbox.book.close('wechat', decodeURIComponent(match[1]!));
        if (outcome === 'paid') return error(400, 'ORDERPAID', '订单已支付');
        if (outcome === 'missing') return error(404, 'ORDER_NOT_EXIST', '订单不存在');
        return { status: 204, body: '' };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/pay\/transactions\/(native|jsapi)$/,
      operation: 'prepay',
      run: (req, match) => {
        const order = payOrder(req);
        if ('status' in order) return order;
        if (match[1] === 'jsapi' && !order.openid) return error(400, 'PARAM_ERROR', 'payer.openid 缺失');
        if (typeof order.body.notify_url !== 'string') return error(400, 'PARAM_ERROR', 'notify_url 缺失');
        const existing = sandbox.book.trade('wechat', order.outTradeNo);
        if (existing && existing.state !== 'NOTPAY')
          return existing.state === 'SUCCESS'
            ? error(400, 'ORDERPAID', '该订单已支付')
            : error(400, 'ORDER_CLOSED', '订单已关闭');
        const t = sandbox.book.open('wechat', order.outTradeNo, order.total);
        if (!new Decimal(order.total).equals(t.total))
          return error(400, 'INVALID_REQUEST', '订单金额与原订单不符');
        m.notifyUrl ??= order.body.notify_url;
        const token = createHash('sha256').update(`${m.mchId}/${t.outTradeNo}`).digest('hex').slice(0, 16);
        return match[1] === 'native'
          ? json(200, { code_url: `weixin://wxpay/bizpayurl?pr=${token}` })
          : json(200, { prepay_id: `wx${token}${t.txnId.slice(-10)}` });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/pay\/transactions\/codepay$/,
      operation: 'codepay',
      run: (req) => {
        const order = payOrder(req);
        if ('status' in order) return order;
        const payer = (order.body.payer ?? {}) as Record<string, unknown>;
        if (typeof payer.auth_code !== 'string' || !/^1[0-5]\d{16}$/.test(payer.auth_code))
          return error(400, 'PARAM_ERROR', '付款码无效，请重新扫码');
        const { trade, outcome } = sandbox.codePayment('wechat', order.outTradeNo, order.total);
        if (outcome === 'declined') return error(403, 'NOTENOUGH', '用户余额不足');
        if (outcome === 'closed') return error(400, 'ORDER_CLOSED', '订单已关闭');
        if (outcome === 'paying') return error(202, 'USERPAYING', '需要用户输入支付密码');
        return json(200, { ...transaction(trade!), trade_type: 'MICROPAY' });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/reverse$/,
      operation: 'reverse',
      run: (_req, match) => {
        sandbox.book.reverse('wechat', decodeURIComponent(match[1]!));
        return { status: 204, body: '' };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/refund\/domestic\/refunds$/,
      operation: 'refund',
      run: (req) => {
        let b: Record<string, unknown>;
        try {
          b = JSON.parse(req.body) as Record<string, unknown>;
        } catch {
          return error(400, 'PARAM_ERROR', '请求体不是 JSON');
        }
        const amount = (b.amount ?? {}) as Record<string, unknown>;
        const refund = yuan(amount.refund);
        const total = yuan(amount.total);
        const outTradeNo = typeof b.out_trade_no === 'string' ? b.out_trade_no : '';
        const refundNo = typeof b.out_refund_no === 'string' ? b.out_refund_no : '';
        if (!refund || !total || !outTradeNo || !refundNo || amount.currency !== 'CNY')
          return error(400, 'PARAM_ERROR', '参数错误');
        const t = sandbox.book.trade('wechat', outTradeNo);
        if (!t) return error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
        if (!new Decimal(total).equals(t.total)) return error(400, 'PARAM_ERROR', '订单金额与原订单不符');
        const fresh = !t.refunds.has(refundNo);
        const processing = fresh ? sandbox.faults.take('wechat', 'refund', ['processing']) : undefined;
        try {
          const r = sandbox.book.refund('wechat', outTradeNo, refundNo, refund, processing !== undefined);
          if (fresh && typeof b.notify_url === 'string') refundNotifyUrls.set(refundNo, b.notify_url);
          if (processing) processingPolls.set(refundNo, processing.polls ?? 1);
          if (fresh && r.state === 'SUCCESS') notifyLater('refund', t, r);
          return json(200, refundBody(t, r));
        } catch (e) {
          if (!(e instanceof SandboxRefusal)) throw e;
          const status = e.code === 'NOT_ENOUGH' ? 403 : 400;
          return error(status, e.code === 'TRADE_NOT_PAID' ? 'INVALID_REQUEST' : e.code, e.message);
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/,
      operation: 'refund-query',
      run: (_req, match) => {
        const found = sandbox.book.findRefund('wechat', decodeURIComponent(match[1]!));
        if (!found) return error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
        const answer = json(200, refundBody(found.trade, found.refund));
        const left = processingPolls.get(found.refund.refundNo);
        if (found.refund.state === 'PROCESSING' && left !== undefined) {
          if (left <= 1) {
            processingPolls.delete(found.refund.refundNo);
            sandbox.book.completeRefund(found.refund);
            notifyLater('refund', found.trade, found.refund);
          } else processingPolls.set(found.refund.refundNo, left - 1);
        }
        return answer;
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/bill\/tradebill$/,
      operation: 'bill',
      run: (req) => bill(req, 'trade'),
    },
    {
      method: 'GET',
      pattern: /^\/v3\/bill\/fundflowbill$/,
      operation: 'bill',
      run: (req) => bill(req, 'fundflow'),
    },
    {
      method: 'GET',
      pattern: /^\/v3\/billdownload\/file$/,
      operation: 'bill',
      run: (req) => {
        const file = downloads.get(req.query.get('token') ?? '');
        if (!file) return error(404, 'RESOURCE_NOT_EXISTS', '下载链接已失效');
        return {
          status: 200,
          unsigned: true,
          headers: { 'content-type': 'application/octet-stream' },
          body: file.gzip ? gzipSync(file.text) : file.text,
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/certificates$/,
      operation: 'certificates',
      run: () =>
        json(200, {
          data: m.certificates.map((c) => {
            const { ciphertext, nonce } = encryptWechatResource(m.apiV3Key, c.pem, 'certificate');
            return {
              serial_no: c.serial,
              effective_time: shanghaiRfc3339(c.effectiveAt),
              expire_time: shanghaiRfc3339(c.expiresAt),
              encrypt_certificate: {
                algorithm: 'AEAD_AES_256_GCM',
                nonce,
                associated_data: 'certificate',
                ciphertext,
              },
            };
          }),
        }),
    },
  ];

  return {
    route(req) {
      for (const r of routes) {
        const match = r.method === req.method ? r.pattern.exec(req.path) : null;
        if (!match) continue;
        const refused = authenticate(req);
        return { operation: r.operation, ...(refused ? { refused } : {}), run: () => r.run(req, match) };
      }
      return undefined;
    },
    sign(reply, forged) {
      if (reply.unsigned) return reply;
      const body = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
      const { serial, key } = signer();
      const timestamp = String(Math.floor(sandbox.now().getTime() / 1000));
      const nonce = randomBytes(16).toString('hex');
      const signature = sign(
        'sha256',
        Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8'),
        forged ? sandbox.impostor.privateKey : key,
      ).toString('base64');
      return {
        ...reply,
        headers: {
          ...reply.headers,
          'request-id': randomUUID(),
          'wechatpay-timestamp': timestamp,
          'wechatpay-nonce': nonce,
          'wechatpay-serial': serial,
          'wechatpay-signature': signature,
        },
      };
    },
    systemError: () => error(500, 'SYSTEM_ERROR', '系统错误'),
    notification(kind, t, r) {
      const { serial, key } = signer();
      return simulateWechatNotification({
        privateKey: key,
        serial,
        apiV3Key: m.apiV3Key,
        resource:
          kind === 'payment'
            ? transaction(t)
            : { mchid: m.mchId, ...refundBody(t, r!), refund_status: r!.state, status: undefined },
        originalType: kind === 'payment' ? 'transaction' : 'refund',
        timestamp: Math.floor(sandbox.now().getTime() / 1000),
        createTime: shanghaiRfc3339(sandbox.now()),
      });
    },
  };
}

/** 资金账单: each payment in, its fee out, each refund out and its fee back, with the running balance. */
function fundflowBill(entries: readonly BillEntry[]): string {
  const eol = '\r\n';
  const lines = [WECHAT_FUNDFLOW_HEADER.join(',')];
  let balance = new Decimal(0);
  const ins = new Tally();
  const outs = new Tally();
  let n = 0;
  const row = (
    e: BillEntry,
    business: string,
    type: string,
    income: boolean,
    amount: Decimal,
    ref: string,
  ) => {
    if (amount.isZero()) return;
    balance = income ? balance.plus(amount) : balance.minus(amount);
    (income ? ins : outs).add(amount);
    n++;
    const local = shanghaiRfc3339(new Date(e.occurredAt)).slice(0, 19).replace('T', ' ');
    const cells = [
      local,
      (e.kind === 'refund' ? e.channelRefundId : e.channelTxnId) ?? '',
      `${e.occurredAt.slice(0, 10).replaceAll('-', '')}${String(n).padStart(18, '0')}`,
      business,
      type,
      income ? '收入' : '支出',
      amount.toFixed(2),
      balance.toFixed(2),
      'system',
      '',
      ref,
    ];
    lines.push(cells.map((c) => `\`${c}`).join(','));
  };
  for (const e of entries) {
    const fee = new Decimal(e.fee ?? '0').abs();
    if (e.kind === 'payment') {
      row(e, '交易', '交易', true, new Decimal(e.amount), e.merchantOrderNo ?? '');
      row(e, '交易', '扣除交易手续费', false, fee, e.merchantOrderNo ?? '');
    } else if (e.kind === 'refund') {
      row(e, '退款', '退款', false, new Decimal(e.amount), e.refundNo ?? '');
      row(e, '退款', '退还交易手续费', true, fee, e.refundNo ?? '');
    }
  }
  lines.push(WECHAT_FUNDFLOW_SUMMARY_HEADER.join(','));
  lines.push(
    [String(n), String(ins.count), ins.sum.toFixed(2), String(outs.count), outs.sum.toFixed(2)]
      .map((c) => `\`${c}`)
      .join(','),
  );
  return lines.join(eol) + eol;
}
