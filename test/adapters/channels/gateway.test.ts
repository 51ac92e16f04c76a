// The channel clients against the channel sandbox: each call and its refusals, signatures both ways (a forged
// answer is refused), platform certificate rotation, the public-key mode, timeouts, and bills whose digest and
// format are checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alipayClient, wechatClient } from '../../../src/adapters/channels/credentials.ts';
import type { AlipayClient } from '../../../src/adapters/channels/alipay/client.ts';
import type { WechatPayClient } from '../../../src/adapters/channels/wechat/client.ts';
import { parseStatement } from '../../../src/adapters/statements/index.ts';
import { bufferSource } from '../../../src/adapters/statements/source.ts';
import { ChannelCallError, type ChannelGateway } from '../../../src/domain/channel/gateway.ts';
import { ChannelSandbox } from '../../../src/simulation/channels/sandbox.ts';

let sandbox: ChannelSandbox;
let wechat: WechatPayClient;
let alipay: AlipayClient;
/** Short enough that a held answer fails the call; the sandbox holds it until it closes, so speed never matters. */
const TIMEOUT_MS = 1_500;

beforeAll(async () => {
  sandbox = new ChannelSandbox();
  await sandbox.start();
  const c = sandbox.credentials();
  wechat = wechatClient(c.wechat, { timeoutMs: TIMEOUT_MS });
  alipay = alipayClient(c.alipay, { timeoutMs: TIMEOUT_MS });
});
afterAll(async () => {
  await sandbox?.close();
});

async function refusal(p: Promise<unknown>): Promise<ChannelCallError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof ChannelCallError) return error;
    throw error;
  }
  throw new Error('expected a ChannelCallError');
}

const clients = () =>
  [
    ['wechat', wechat],
    ['alipay', alipay],
  ] as Array<['wechat' | 'alipay', ChannelGateway]>;

describe.each(['wechat', 'alipay'] as const)('%s client', (channel) => {
  const client = () => clients().find(([c]) => c === channel)![1];
  const no = (s: string) => `${channel}-${s}`;

  it('queries a paid order, an unpaid one and one the channel never saw', async () => {
    await sandbox.pay(channel, no('Q1'), '12.50', new Date('2026-11-30T02:00:00Z'));
    sandbox.book.open(channel, no('Q2'), '8.00');
    const paid = await client().queryPayment(no('Q1'));
    expect(paid.found && paid.notice).toMatchObject({
      kind: 'payment',
      status: 'succeeded',
      amount: '12.50',
      merchantOrderNo: no('Q1'),
      channelTxnId: sandbox.book.trade(channel, no('Q1'))!.txnId,
      occurredAt: new Date('2026-11-30T02:00:00Z'),
    });
    const unpaid = await client().queryPayment(no('Q2'));
    expect(unpaid.found && unpaid.notice.status).toBe('pending');
    expect(await client().queryPayment(no('NOPE'))).toEqual({ found: false });
  });

  it('closes an unpaid order, and says so when the patient paid meanwhile', async () => {
    sandbox.book.open(channel, no('C1'), '5.00');
    expect(await client().closeOrder(no('C1'))).toBe('closed');
    expect(sandbox.book.trade(channel, no('C1'))!.state).toBe('CLOSED');
    await sandbox.pay(channel, no('C2'), '5.00');
    expect(await client().closeOrder(no('C2'))).toBe('already-paid');
    expect(await client().closeOrder(no('C3-never-opened'))).toBe('closed');
  });

  it('refunds, answers the same refund again for the same number, and refuses more than was paid', async () => {
    await sandbox.pay(channel, no('R1'), '30.00');
    const request = {
      merchantOrderNo: no('R1'),
      refundNo: no('RF1'),
      amount: '10.00',
      total: '30.00',
      reason: '退号',
    };
    const first = await client().refund(request);
    expect(first).toMatchObject({ kind: 'refund', status: 'succeeded', refundNo: no('RF1') });
    const again = await client().refund(request);
    expect(again.status).toBe('succeeded');
    expect(sandbox.book.refunded(sandbox.book.trade(channel, no('R1'))!).toFixed(2)).toBe('10.00');
    const queried = await client().queryRefund(no('R1'), no('RF1'));
    expect(queried.found && queried.notice).toMatchObject({
      status: 'succeeded',
      amount: '10.00',
      refundNo: no('RF1'),
    });
    const over = await refusal(client().refund({ ...request, refundNo: no('RF2'), amount: '25.00' }));
    expect(over).toMatchObject({ code: 'CHANNEL_REJECTED', retryable: false });
    expect(await client().queryRefund(no('R1'), no('RF-unknown'))).toEqual({ found: false });
  });

  it('maps a system error to CHANNEL_UNAVAILABLE and retries a query, never a refund', async () => {
    await sandbox.pay(channel, no('F1'), '3.00');
    sandbox.fault({ kind: 'fail', channel, operation: 'query' });
    const q = await client().queryPayment(no('F1')); // the retry succeeds
    expect(q.found).toBe(true);
    sandbox.fault({ kind: 'fail', channel, operation: 'refund' });
    const e = await refusal(
      client().refund({
        merchantOrderNo: no('F1'),
        refundNo: no('FR1'),
        amount: '1.00',
        total: '3.00',
        reason: 'x',
      }),
    );
    expect(e).toMatchObject({ code: 'CHANNEL_UNAVAILABLE', outcomeUnknown: true });
    expect(sandbox.book.trade(channel, no('F1'))!.refunds.size).toBe(0);
  });

  it('refuses a forged answer (signed with a key that is not the channel’s)', async () => {
    await sandbox.pay(channel, no('G1'), '3.00');
    sandbox.fault({ kind: 'forge', channel, operation: 'refund' });
    const e = await refusal(
      client().refund({
        merchantOrderNo: no('G1'),
        refundNo: no('GR1'),
        amount: '1.00',
        total: '3.00',
        reason: 'x',
      }),
    );
    expect(e.code).toBe('CHANNEL_BAD_SIGNATURE');
    expect(e.outcomeUnknown).toBe(true);
  });

  it('times out a refund whose answer never comes, although the channel carried it out', async () => {
    await sandbox.pay(channel, no('T1'), '9.00');
    sandbox.fault({ kind: 'timeout', channel, operation: 'refund' });
    const e = await refusal(
      client().refund({
        merchantOrderNo: no('T1'),
        refundNo: no('TR1'),
        amount: '9.00',
        total: '9.00',
        reason: 'x',
      }),
    );
    expect(e).toMatchObject({ code: 'CHANNEL_TIMEOUT', outcomeUnknown: true });
    const q = await client().queryRefund(no('T1'), no('TR1'));
    expect(q.found && q.notice.status).toBe('succeeded');
  });

  it('downloads a day’s trade bill that parses in the channel’s own format', async () => {
    await sandbox.pay(channel, no('B1'), '20.00', new Date('2026-11-28T03:00:00Z'));
    await sandbox.pay(channel, no('B2'), '15.00', new Date('2026-11-28T05:00:00Z'));
    const bill = await client().downloadBill({ date: '2026-11-28', kind: 'trade' });
    const lines = [];
    for await (const batch of parseStatement(bufferSource(bill.fileName, bill.bytes), { format: channel }))
      lines.push(...batch);
    expect(lines.map((l) => [l.kind, l.merchantOrderNo, l.amount])).toEqual([
      ['payment', no('B1'), '20.00'],
      ['payment', no('B2'), '15.00'],
    ]);
    const missing = await refusal(client().downloadBill({ date: '2026-01-01', kind: 'trade' }));
    expect(missing.code).toBe('CHANNEL_BILL_NOT_READY');
  });
});

describe('wechat specifics', () => {
  it('refuses a request the sandbox cannot verify (our signature with another key)', async () => {
    const c = sandbox.credentials();
    const other = new ChannelSandbox();
    const foreign = wechatClient({
      ...c.wechat,
      merchantPrivateKey: other.credentials().wechat.merchantPrivateKey,
    });
    const e = await refusal(foreign.queryPayment('X'));
    expect(e).toMatchObject({ code: 'CHANNEL_MISCONFIGURED', channelCode: 'SIGN_ERROR' });
  });

  it('follows a platform certificate rotation by downloading the new certificate', async () => {
    await sandbox.pay('wechat', 'wechat-ROT', '1.00');
    const before = wechat.platformSerials();
    const cert = sandbox.rotatePlatformCertificate();
    const q = await wechat.queryPayment('wechat-ROT');
    expect(q.found).toBe(true);
    expect(wechat.platformSerials()).toEqual([...before, cert.serial]);
  });

  it('works in WeChat Pay public-key mode', async () => {
    const pk = new ChannelSandbox({ wechatPublicKeyMode: true });
    await pk.start();
    try {
      const client = wechatClient(pk.credentials().wechat);
      await pk.pay('wechat', 'PK1', '2.00');
      const q = await client.queryPayment('PK1');
      expect(q.found && q.notice.amount).toBe('2.00');
    } finally {
      await pk.close();
    }
  });

  it('downloads the fund-flow bill with its digest checked', async () => {
    const bill = await wechat.downloadBill({ date: '2026-11-28', kind: 'fundflow' });
    const lines = [];
    for await (const batch of parseStatement(bufferSource(bill.fileName, bill.bytes), {
      format: 'wechat-fundflow',
    }))
      lines.push(...batch);
    expect(lines.filter((l) => l.kind === 'payment').length).toBe(2);
  });
});
