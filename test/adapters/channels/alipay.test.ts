import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AlipayNotifyConfig,
  alipayCallbackReply,
  alipaySignContent,
  simulateAlipayNotification,
  verifyAlipayNotification,
} from '../../../src/adapters/channels/alipay/index.ts';

const APP_ID = '2021004123456789';
let alipay: { privateKey: KeyObject; publicKey: KeyObject };
let impostor: { privateKey: KeyObject; publicKey: KeyObject };
let config: AlipayNotifyConfig;

beforeAll(() => {
  alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  impostor = generateKeyPairSync('rsa', { modulusLength: 2048 });
  config = {
    appId: APP_ID,
    alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sellerId: '2088101106499364',
  };
});

function paid(over: Record<string, string> = {}): Record<string, string> {
  const p: Record<string, string> = {
    gmt_create: '2025-01-15 09:58:20',
    charset: 'utf-8',
    seller_email: 'hospital@example.com',
    subject: '门诊缴费',
    buyer_id: '2088102122524333',
    invoice_amount: '12.50',
    notify_id: '2025011500222095831080261437263719',
    fund_bill_list: '[{"amount":"12.50","fundChannel":"ALIPAYACCOUNT"}]',
    notify_type: 'trade_status_sync',
    trade_status: 'TRADE_SUCCESS',
    receipt_amount: '12.50',
    app_id: APP_ID,
    buyer_pay_amount: '12.50',
    notify_time: '2025-01-15 09:58:32',
    point_amount: '0.00',
    total_amount: '12.50',
    seller_id: '2088101106499364',
    trade_no: '2025011522001424331412345678',
    auth_app_id: APP_ID,
    gmt_payment: '2025-01-15 09:58:31',
    out_trade_no: 'H001-20250115-000124',
    version: '1.0',
    ...over,
  };
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return p;
}

function notify(params: Record<string, string>, key = alipay.privateKey) {
  return simulateAlipayNotification(params, key).body;
}

describe('Alipay asynchronous notifications', () => {
  it('builds the sign content from sorted, decoded, non-empty params without sign and sign_type', () => {
    const params = [
      { key: 'total_amount', raw: Buffer.from('1.00') },
      { key: 'sign', raw: Buffer.from('xyz') },
      { key: 'app_id', raw: Buffer.from('1') },
      { key: 'sign_type', raw: Buffer.from('RSA2') },
      { key: 'body', raw: Buffer.from('') },
      { key: 'subject', raw: Buffer.from('a&b=c 挂号') },
    ];
    expect(alipaySignContent(params).toString('utf8')).toBe('app_id=1&subject=a&b=c 挂号&total_amount=1.00');
  });

  it('accepts a genuine payment notification and maps it', () => {
    const result = verifyAlipayNotification(notify(paid()), config);
    expect(result).toMatchObject({
      ok: true,
      notification: {
        channel: 'alipay',
        kind: 'payment',
        status: 'succeeded',
        channelStatus: 'TRADE_SUCCESS',
        merchantOrderNo: 'H001-20250115-000124',
        channelTxnId: '2025011522001424331412345678',
        amount: '12.50',
        payerAmount: '12.50',
        occurredAt: new Date('2025-01-15T01:58:31Z'),
        notificationId: '2025011500222095831080261437263719',
      },
    });
    if (result.ok) expect(result.notification.raw).not.toHaveProperty('sign');
  });

  it('normalizes amounts to two decimals', () => {
    const r = verifyAlipayNotification(
      notify(paid({ total_amount: '12.5', buyer_pay_amount: '12' })),
      config,
    );
    expect(r).toMatchObject({ ok: true, notification: { amount: '12.50', payerAmount: '12.00' } });
    expect(verifyAlipayNotification(notify(paid({ total_amount: '12.345' })), config)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
    expect(verifyAlipayNotification(notify(paid({ total_amount: '1e3' })), config)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
  });

  it('refuses a tampered amount', () => {
    const body = notify(paid()).replace('total_amount=12.50', 'total_amount=0.01');
    expect(body).toContain('total_amount=0.01');
    expect(verifyAlipayNotification(body, config)).toMatchObject({
      ok: false,
      code: 'CALLBACK_BAD_SIGNATURE',
    });
  });

  it('refuses a genuine notification for another app_id or seller', () => {
    expect(verifyAlipayNotification(notify(paid({ app_id: '2021000000000001' })), config)).toMatchObject({
      code: 'CALLBACK_WRONG_APP',
    });
    expect(verifyAlipayNotification(notify(paid({ seller_id: '2088000000000001' })), config)).toMatchObject({
      code: 'CALLBACK_WRONG_APP',
    });
  });

  it('refuses a notification signed with another key, or unsigned', () => {
    expect(verifyAlipayNotification(notify(paid(), impostor.privateKey), config)).toMatchObject({
      code: 'CALLBACK_BAD_SIGNATURE',
    });
    expect(verifyAlipayNotification(new URLSearchParams(paid()).toString(), config)).toMatchObject({
      code: 'CALLBACK_BAD_SIGNATURE',
    });
  });

  it('excludes sign_type from the signed content, accepts its absence and refuses RSA (SHA1)', () => {
    const p = paid();
    // Signed as Alipay does, then sent with and without sign_type: both verify.
    const { params } = simulateAlipayNotification(p, alipay.privateKey);
    expect(verifyAlipayNotification(new URLSearchParams(params).toString(), config).ok).toBe(true);
    const { sign_type: _t, ...withoutType } = params;
    expect(verifyAlipayNotification(new URLSearchParams(withoutType).toString(), config).ok).toBe(true);
    // A signer that wrongly included sign_type produces a signature we must not accept.
    const wrongContent = Object.keys({ ...p, sign_type: 'RSA2' })
      .sort()
      .map((k) => `${k}=${k === 'sign_type' ? 'RSA2' : p[k]}`)
      .join('&');
    const wrongSign = sign('sha256', Buffer.from(wrongContent), alipay.privateKey).toString('base64');
    const body = new URLSearchParams({ ...p, sign: wrongSign, sign_type: 'RSA2' }).toString();
    expect(verifyAlipayNotification(body, config)).toMatchObject({ code: 'CALLBACK_BAD_SIGNATURE' });
    expect(
      verifyAlipayNotification(new URLSearchParams({ ...params, sign_type: 'RSA' }).toString(), config),
    ).toMatchObject({ code: 'CALLBACK_BAD_SIGNATURE' });
  });

  it('leaves empty values out of the signed content', () => {
    const { params } = simulateAlipayNotification({ ...paid(), body: '' }, alipay.privateKey);
    const body = new URLSearchParams(params).toString();
    expect(body).toContain('body=&');
    expect(verifyAlipayNotification(body, config).ok).toBe(true);
  });

  it('verifies over decoded values containing &, =, +, %, spaces and Chinese', () => {
    const subject = '门诊缴费&检查=2项 +100% 张*';
    const passback = 'visit=V998&dept=心内科';
    const body = notify(paid({ subject, passback_params: passback }));
    const r = verifyAlipayNotification(body, config);
    expect(r).toMatchObject({ ok: true, notification: { attach: passback, raw: { subject } } });
  });

  it('verifies a GBK notification over its GBK bytes', () => {
    const p = paid({ charset: 'gbk', subject: '住院预交金' });
    const content = Object.keys(p)
      .sort()
      .map((k) => `${k}=${p[k]}`)
      .join('&');
    const signature = sign('sha256', iconv.encode(content, 'gbk'), alipay.privateKey).toString('base64');
    const enc = (s: string) =>
      [...iconv.encode(s, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const body = Object.entries({ ...p, sign: signature, sign_type: 'RSA2' })
      .map(([k, v]) => `${k}=${enc(v)}`)
      .join('&');
    expect(verifyAlipayNotification(body, config)).toMatchObject({
      ok: true,
      notification: { raw: { subject: '住院预交金' } },
    });
  });

  it('maps a partial refund (still TRADE_SUCCESS) with the cumulative refunded amount', () => {
    const r = verifyAlipayNotification(
      notify(
        paid({ refund_fee: '5.00', gmt_refund: '2025-01-15 10:01:02.320', out_biz_no: 'R-H001-000046' }),
      ),
      config,
    );
    expect(r).toMatchObject({
      ok: true,
      notification: {
        kind: 'refund',
        status: 'succeeded',
        channelStatus: 'TRADE_SUCCESS',
        merchantOrderNo: 'H001-20250115-000124',
        channelTxnId: '2025011522001424331412345678',
        refundNo: 'R-H001-000046',
        amount: '5.00',
        amountBasis: 'cumulative-refunds',
        occurredAt: new Date('2025-01-15T02:01:02.320Z'),
      },
    });
  });

  it('tells a full refund (TRADE_CLOSED with refund fields) from a timeout close', () => {
    const full = verifyAlipayNotification(
      notify(
        paid({
          trade_status: 'TRADE_CLOSED',
          refund_fee: '12.50',
          gmt_refund: '2025-01-15 10:05:00.000',
          gmt_close: '2025-01-15 10:05:00',
          out_biz_no: 'R-H001-000047',
        }),
      ),
      config,
    );
    expect(full).toMatchObject({ ok: true, notification: { kind: 'refund', amount: '12.50' } });
    const closed = verifyAlipayNotification(
      notify(paid({ trade_status: 'TRADE_CLOSED', gmt_payment: '', gmt_close: '2025-01-15 10:30:00' })),
      config,
    );
    expect(closed).toMatchObject({
      ok: true,
      notification: { kind: 'payment', status: 'closed', occurredAt: new Date('2025-01-15T02:30:00Z') },
    });
    const waiting = verifyAlipayNotification(
      notify(paid({ trade_status: 'WAIT_BUYER_PAY', gmt_payment: '' })),
      config,
    );
    expect(waiting).toMatchObject({ ok: true, notification: { status: 'pending' } });
    const finished = verifyAlipayNotification(notify(paid({ trade_status: 'TRADE_FINISHED' })), config);
    expect(finished).toMatchObject({ ok: true, notification: { status: 'succeeded', kind: 'payment' } });
  });

  it('refuses malformed bodies: repeated keys, bad escapes, unknown status, missing ids', () => {
    const good = notify(paid());
    expect(verifyAlipayNotification(`${good}&total_amount=0.01`, config)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
    expect(verifyAlipayNotification(`${good}&x=%ZZ`, config)).toMatchObject({ code: 'CALLBACK_MALFORMED' });
    expect(verifyAlipayNotification('', config)).toMatchObject({ code: 'CALLBACK_MALFORMED' });
    expect(verifyAlipayNotification(notify(paid({ trade_status: 'TRADE_WHATEVER' })), config)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
    expect(verifyAlipayNotification(notify(paid({ trade_no: '' })), config)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
    expect(verifyAlipayNotification(notify(paid({ charset: 'big5' })), config)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
  });

  it('answers the plain text "success" only when accepted', () => {
    expect(alipayCallbackReply(verifyAlipayNotification(notify(paid()), config))).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'success',
    });
    const forged = verifyAlipayNotification(notify(paid(), impostor.privateKey), config);
    expect(alipayCallbackReply(forged)).toMatchObject({ status: 401, body: 'failure' });
  });
});
