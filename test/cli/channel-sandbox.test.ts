// `ledger channel-sandbox`: starts on loopback, writes credentials a client can use as they are, takes faults
// from the command line and payments from its control API, and refuses a malformed --fault.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { wechatClient } from '../../src/adapters/channels/credentials.ts';
import { channelSandboxCommand, parseFault } from '../../src/cli/channel-sandbox.ts';
import type { WechatCredentials } from '../../src/domain/channel/merchants.ts';

const dir = mkdtempSync(join(tmpdir(), 'channel-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger channel-sandbox', () => {
  it('serves with the credentials it wrote, and takes payments and faults', async () => {
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (b: Buffer) => {
      printed += b.toString();
    });
    const abort = new AbortController();
    const file = join(dir, 'credentials.json');
    const done = channelSandboxCommand(
      ['--port', '0', '--credentials', file, '--fault', 'fail:wechat:close:1'],
      { stdout, stderr: new PassThrough(), env: {} },
      { signal: abort.signal },
    );
    try {
      while (!/listening on (\S+)/.test(printed)) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (\S+)/.exec(printed)![1]!;
      const bodies = JSON.parse(readFileSync(file, 'utf8')) as Array<{
        channel: string;
        wechat?: WechatCredentials;
      }>;
      const wechat = wechatClient(bodies.find((b) => b.channel === 'wechat')!.wechat!);
      const paid = await fetch(`${url}/sandbox/pay`, {
        method: 'POST',
        body: JSON.stringify({ channel: 'wechat', outTradeNo: 'CLI1', amount: '6.00' }),
      });
      expect(paid.status).toBe(200);
      const q = await wechat.queryPayment('CLI1');
      expect(q.found && q.notice.amount).toBe('6.00');
      await expect(wechat.closeOrder('CLI1')).rejects.toMatchObject({ code: 'CHANNEL_UNAVAILABLE' });
      expect(await wechat.closeOrder('CLI1')).toBe('already-paid');
    } finally {
      abort.abort();
      expect(await done).toBe(0);
    }
  });

  it('reads fault specs and refuses malformed ones', () => {
    expect(parseFault('timeout:wechat:refund:2')).toEqual({
      kind: 'timeout',
      channel: 'wechat',
      operation: 'refund',
      times: 2,
    });
    expect(parseFault('fail')).toEqual({ kind: 'fail', times: 1 });
    expect(() => parseFault('explode')).toThrow(/kind must be one of/);
    expect(() => parseFault('fail:paypal')).toThrow(/channel/);
    expect(() => parseFault('fail:wechat:refund:0')).toThrow(/times/);
  });
});
