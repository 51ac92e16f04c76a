import { createCipheriv, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  simulateWechatNotification,
  verifyWechatNotification,
  type WechatPayNotifyConfig,
  wechatCallbackReply,
  wechatPlatformKeys,
} from '../../../src/adapters/channels/wechat/index.ts';

const MCH_ID = '1900000109';
const API_V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb'; // 32 ASCII chars, as WeChat issues them
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const NOW_S = 1_736_906_400; // 2025-01-15T02:00:00Z = 10:00 +08:00
const NOW = NOW_S * 1000;

let platform: { privateKey: KeyObject; publicKey: KeyObject };
let impostor: { privateKey: KeyObject; publicKey: KeyObject };
let config: WechatPayNotifyConfig;

beforeAll(() => {
  platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  impostor = generateKeyPairSync('rsa', { modulusLength: 2048 });
  config = {
    mchId: MCH_ID,
    apiV3Key: API_V3_KEY,
    platformKeys: wechatPlatformKeys([
      { serial: SERIAL, pem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ]),
  };
});

function transaction(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: MCH_ID,
    appid: 'wxd678efh567hg6787',
    out_trade_no: 'H001-20250115-000123',
    transaction_id: '4200002345202501151234567890',
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'CMC',
    attach: 'visit=V998',
    success_time: '2025-01-15T09:58:31+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 1250, payer_total: 1250, currency: 'CNY', payer_currency: 'CNY' },
    ...over,
  };
}

function refund(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: MCH_ID,
    out_trade_no: 'H001-20250115-000123',
    transaction_id: '4200002345202501151234567890',
    out_refund_no: 'R-H001-000045',
    refund_id: '50000000382019052709732678859',
    refund_status: 'SUCCESS',
    success_time: '2025-01-15T10:01:02+08:00',
    user_received_account: '招商银行信用卡0403',
    amount: { total: 1250, refund: 500, payer_total: 1250, payer_refund: 500 },
    ...over,
  };
}

function notify(
  resource: Record<string, unknown>,
  over: Partial<Parameters<typeof simulateWechatNotification>[0]> = {},
) {
  return simulateWechatNotification({
    privateKey: platform.privateKey,
    serial: SERIAL,
    apiV3Key: API_V3_KEY,
    resource,
    originalType: 'transaction',
    timestamp: NOW_S,
    ...over,
  });
}

/** Re-signs an altered body with the genuine key: isolates checks that come after the signature. */
function resign(n: { headers: Record<string, string>; body: string }, body: string) {
  const ts = n.headers['wechatpay-timestamp']!;
  const nonce = n.headers['wechatpay-nonce']!;
  const signature = sign('sha256', Buffer.from(`${ts}\n${nonce}\n${body}\n`), platform.privateKey).toString(
    'base64',
  );
  return { headers: { ...n.headers, 'wechatpay-signature': signature }, body };
}

describe('WeChat Pay v3 notifications', () => {
  it('accepts a notification built by hand to the documented protocol', () => {
    // Independent of the simulator: AES-256-GCM with the APIv3 key, SHA256-RSA over ts\nnonce\nbody\n.
    const iv = 'fdasflkja484';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(API_V3_KEY), Buffer.from(iv));
    cipher.setAAD(Buffer.from('transaction'));
    const ct = Buffer.concat([
      cipher.update(JSON.stringify(transaction())),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const body = JSON.stringify({
      id: 'EV-2018022511223320873',
      create_time: '2025-01-15T09:58:32+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: ct.toString('base64'),
        associated_data: 'transaction',
        nonce: iv,
      },
    });
    const ts = String(NOW_S);
    const nonce = '5K8264ILTKCH16CQ2502SI8ZNMTM67VS';
    const signature = sign('sha256', Buffer.from(`${ts}\n${nonce}\n${body}\n`), platform.privateKey).toString(
      'base64',
    );
    const result = verifyWechatNotification(
      {
        headers: {
          'Wechatpay-Timestamp': ts,
          'Wechatpay-Nonce': nonce,
          'Wechatpay-Signature': signature,
          'Wechatpay-Serial': SERIAL,
        },
        body: Buffer.from(body),
      },
      config,
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      notification: {
        channel: 'wechat',
        kind: 'payment',
        status: 'succeeded',
        channelStatus: 'SUCCESS',
        merchantOrderNo: 'H001-20250115-000123',
        channelTxnId: '4200002345202501151234567890',
        amount: '12.50',
        payerAmount: '12.50',
        occurredAt: new Date('2025-01-15T01:58:31Z'),
        notificationId: 'EV-2018022511223320873',
        attach: 'visit=V998',
        raw: transaction(),
      },
    });
  });

  it('maps a refund notification with the refund amount converted from fen exactly', () => {
    const result = verifyWechatNotification(notify(refund(), { originalType: 'refund' }), config, NOW);
    expect(result).toMatchObject({
      ok: true,
      notification: {
        kind: 'refund',
        status: 'succeeded',
        merchantOrderNo: 'H001-20250115-000123',
        channelTxnId: '4200002345202501151234567890',
        refundNo: 'R-H001-000045',
        channelRefundId: '50000000382019052709732678859',
        amount: '5.00',
        amountBasis: 'this-refund',
        occurredAt: new Date('2025-01-15T02:01:02Z'),
      },
    });
    for (const [state, status] of [
      ['CLOSED', 'closed'],
      ['ABNORMAL', 'abnormal'],
    ] as const) {
      const r = verifyWechatNotification(
        notify(refund({ refund_status: state, success_time: undefined }), {
          originalType: 'refund',
          eventType: `REFUND.${state}`,
        }),
        config,
        NOW,
      );
      expect(r).toMatchObject({
        ok: true,
        notification: { status, occurredAt: new Date('2025-01-15T02:00:00Z') },
      });
    }
  });

  it.each([
    [1, '0.01'],
    [10, '0.10'],
    [100, '1.00'],
    [0, '0.00'],
    [123456789012, '1234567890.12'],
  ])('converts %i fen to "%s" without floating point', (fen, yuan) => {
    const r = verifyWechatNotification(notify(transaction({ amount: { total: fen } })), config, NOW);
    expect(r).toMatchObject({ ok: true, notification: { amount: yuan } });
  });

  it.each([[12.5], [-1], ['1250'], [Number.MAX_SAFE_INTEGER + 2]])(
    'refuses amount.total %s as malformed',
    (total) => {
      const r = verifyWechatNotification(notify(transaction({ amount: { total } })), config, NOW);
      expect(r).toMatchObject({ ok: false, code: 'CALLBACK_MALFORMED' });
    },
  );

  it('refuses a tampered body', () => {
    const n = notify(transaction());
    const body = n.body.replace('"summary":"支付成功"', '"summary":"支付成功 "');
    expect(verifyWechatNotification({ ...n, body }, config, NOW)).toMatchObject({
      ok: false,
      code: 'CALLBACK_BAD_SIGNATURE',
    });
  });

  it('refuses tampered headers (timestamp, nonce) because they are signed too', () => {
    const n = notify(transaction());
    const h = n.headers;
    expect(
      verifyWechatNotification(
        { ...n, headers: { ...h, 'wechatpay-timestamp': String(NOW_S + 1) } },
        config,
        NOW,
      ),
    ).toMatchObject({ code: 'CALLBACK_BAD_SIGNATURE' });
    expect(
      verifyWechatNotification({ ...n, headers: { ...h, 'wechatpay-nonce': 'other' } }, config, NOW),
    ).toMatchObject({ code: 'CALLBACK_BAD_SIGNATURE' });
  });

  it('refuses an unknown serial', () => {
    const n = notify(transaction(), { serial: 'PUB_KEY_ID_0114232134912410000000000000' });
    expect(verifyWechatNotification(n, config, NOW)).toMatchObject({ code: 'CALLBACK_UNKNOWN_SERIAL' });
  });

  it('refuses a notification signed with another key under a known serial', () => {
    const n = notify(transaction(), { privateKey: impostor.privateKey });
    expect(verifyWechatNotification(n, config, NOW)).toMatchObject({ code: 'CALLBACK_BAD_SIGNATURE' });
  });

  it("refuses WeChat's signature probe", () => {
    const n = notify(transaction());
    const probe = { ...n.headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/9Kd8F7' };
    expect(verifyWechatNotification({ ...n, headers: probe }, config, NOW)).toMatchObject({
      code: 'CALLBACK_BAD_SIGNATURE',
    });
  });

  it('refuses a resource whose GCM tag was altered, even when the envelope is properly signed', () => {
    const n = notify(transaction());
    const envelope = JSON.parse(n.body);
    const ct = Buffer.from(envelope.resource.ciphertext, 'base64');
    ct[ct.length - 1] = ct[ct.length - 1]! ^ 0x01;
    envelope.resource.ciphertext = ct.toString('base64');
    expect(verifyWechatNotification(resign(n, JSON.stringify(envelope)), config, NOW)).toMatchObject({
      code: 'CALLBACK_DECRYPT_FAILED',
    });
    envelope.resource.associated_data = 'refund';
    expect(verifyWechatNotification(resign(n, JSON.stringify(envelope)), config, NOW)).toMatchObject({
      code: 'CALLBACK_DECRYPT_FAILED',
    });
  });

  it('refuses a resource encrypted with another APIv3 key', () => {
    const n = notify(transaction(), { apiV3Key: 'Zb8ruziWazQj3sTfV7e2Gk1BJZ1edc7a' });
    expect(verifyWechatNotification(n, config, NOW)).toMatchObject({ code: 'CALLBACK_DECRYPT_FAILED' });
  });

  it('refuses timestamps more than five minutes away, either way', () => {
    expect(
      verifyWechatNotification(notify(transaction(), { timestamp: NOW_S - 301 }), config, NOW),
    ).toMatchObject({
      code: 'CALLBACK_STALE',
    });
    expect(
      verifyWechatNotification(notify(transaction(), { timestamp: NOW_S + 301 }), config, NOW),
    ).toMatchObject({
      code: 'CALLBACK_STALE',
    });
    expect(verifyWechatNotification(notify(transaction(), { timestamp: NOW_S - 299 }), config, NOW).ok).toBe(
      true,
    );
  });

  it.each(['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial'])(
    'refuses a notification without %s',
    (name) => {
      const n = notify(transaction());
      const headers = { ...n.headers };
      delete headers[name];
      expect(verifyWechatNotification({ ...n, headers }, config, NOW)).toMatchObject({
        code: 'CALLBACK_MALFORMED',
      });
    },
  );

  it('refuses an unsupported signature type and an empty or oversized body', () => {
    const n = notify(transaction());
    expect(
      verifyWechatNotification(
        { ...n, headers: { ...n.headers, 'wechatpay-signature-type': 'WECHATPAY2-SM2-WITH-SM3' } },
        config,
        NOW,
      ),
    ).toMatchObject({ code: 'CALLBACK_BAD_SIGNATURE' });
    expect(verifyWechatNotification({ ...n, body: '' }, config, NOW)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
    expect(verifyWechatNotification({ ...n, body: 'x'.repeat(70_000) }, config, NOW)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
  });

  it('refuses a genuine notification for another merchant', () => {
    expect(verifyWechatNotification(notify(transaction({ mchid: '1230000109' })), config, NOW)).toMatchObject(
      {
        code: 'CALLBACK_WRONG_APP',
      },
    );
    const strict = { ...config, appIds: ['wx0000000000000001'] };
    expect(verifyWechatNotification(notify(transaction()), strict, NOW)).toMatchObject({
      code: 'CALLBACK_WRONG_APP',
    });
  });

  it('refuses signed but malformed content: unknown state, missing ids, non-CNY, bad success_time', () => {
    for (const over of [
      { trade_state: 'WHATEVER' },
      { transaction_id: undefined },
      { out_trade_no: '' },
      { amount: { total: 100, currency: 'USD' } },
      { success_time: '2025-01-15 09:58:31' },
    ]) {
      expect(verifyWechatNotification(notify(transaction(over)), config, NOW)).toMatchObject({
        ok: false,
        code: 'CALLBACK_MALFORMED',
      });
    }
    const n = notify(transaction());
    expect(verifyWechatNotification(resign(n, '{"id":"x"}'), config, NOW)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
    expect(verifyWechatNotification(resign(n, 'not json'), config, NOW)).toMatchObject({
      code: 'CALLBACK_MALFORMED',
    });
  });

  it('names the amount or time a payment or refund callback got wrong', () => {
    const cases: [Record<string, unknown>, 'transaction' | 'refund', string][] = [
      [{ amount: { total: 12.5 } }, 'transaction', 'amount.total is not an integer of fen'],
      [
        { amount: { total: 1250, payer_total: '1250' } },
        'transaction',
        'amount.payer_total is not an integer of fen',
      ],
      [{ amount: { refund: 500, currency: 'HKD' } }, 'refund', 'only CNY is accepted'],
      [{ amount: { refund: '500' } }, 'refund', 'amount.refund is not an integer of fen'],
      [
        { amount: { refund: 500, payer_refund: 5.5 } },
        'refund',
        'amount.payer_refund is not an integer of fen',
      ],
      [{ success_time: 'yesterday' }, 'refund', 'success_time is not RFC 3339'],
    ];
    for (const [over, kind, message] of cases) {
      const body = kind === 'refund' ? refund(over) : transaction(over);
      const n = kind === 'refund' ? notify(body, { originalType: 'refund' }) : notify(body);
      expect(verifyWechatNotification(n, config, NOW)).toEqual({
        ok: false,
        code: 'CALLBACK_MALFORMED',
        message,
      });
    }
    const ok = verifyWechatNotification(
      notify(refund({ amount: { refund: 500 } }), { originalType: 'refund' }),
      config,
      NOW,
    );
    expect(ok).toMatchObject({ ok: true, notification: { amount: '5.00' } });
    expect(ok.ok && ok.notification.payerAmount).toBeUndefined();
  });

  it('maps the non-success trade states', () => {
    for (const [state, status] of [
      ['REFUND', 'refunded'],
      ['NOTPAY', 'pending'],
      ['CLOSED', 'closed'],
      ['PAYERROR', 'failed'],
    ] as const) {
      const r = verifyWechatNotification(
        notify(transaction({ trade_state: state, success_time: undefined })),
        config,
        NOW,
      );
      expect(r).toMatchObject({ ok: true, notification: { status, channelStatus: state } });
    }
  });

  it('answers 204 when accepted and 4xx {code:FAIL} when refused', () => {
    expect(wechatCallbackReply(verifyWechatNotification(notify(transaction()), config, NOW))).toEqual({
      status: 204,
    });
    const forged = notify(transaction(), { privateKey: impostor.privateKey });
    expect(wechatCallbackReply(verifyWechatNotification(forged, config, NOW))).toEqual({
      status: 401,
      body: { code: 'FAIL', message: 'CALLBACK_BAD_SIGNATURE' },
    });
  });
});

describe('WeChat platform certificates', () => {
  it('selects the key by the certificate serial and rejects a mismatched declaration', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'wxcert-'));
    try {
      const keyFile = join(dir, 'key.pem');
      writeFileSync(keyFile, platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      const pem = execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-key',
          keyFile,
          '-subj',
          '/CN=Tenpay.com Root CA',
          '-days',
          '1',
          '-set_serial',
          '0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
        ],
        { encoding: 'utf8' },
      );
      const keys = wechatPlatformKeys([{ pem }]);
      expect([...keys.keys()]).toEqual([SERIAL]);
      const n = notify(transaction());
      expect(verifyWechatNotification(n, { ...config, platformKeys: keys }, NOW).ok).toBe(true);
      expect(() => wechatPlatformKeys([{ serial: 'ABC', pem }])).toThrow(/does not match/);

      // A serial whose first byte is below 0x10 prints with a leading zero (0122…); declared without it, it is
      // the same certificate, found under either form.
      const low = execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-key',
          keyFile,
          '-subj',
          '/CN=Tenpay.com Root CA',
          '-days',
          '1',
          '-set_serial',
          '0x0122CD6DC4E4F1319783902878E6750E875EFB53',
        ],
        { encoding: 'utf8' },
      );
      const declared = wechatPlatformKeys([{ serial: '122cd6dc4e4f1319783902878e6750e875efb53', pem: low }]);
      expect(declared.get('122CD6DC4E4F1319783902878E6750E875EFB53')).toBeDefined();
      expect(declared.get('0122CD6DC4E4F1319783902878E6750E875EFB53')).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
