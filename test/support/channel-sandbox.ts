// The channel sandbox as the use-case tests meet it: WeChat Pay and Alipay clients of it, and a receiver of its
// WeChat callbacks that verifies each one and hands the notice on, as the bus's callback route would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alipayClient, wechatClient } from '../../src/adapters/channels/credentials.ts';
import { toChannelNotice } from '../../src/adapters/channels/notification.ts';
import { verifyWechatNotification, wechatPlatformKeys } from '../../src/adapters/channels/wechat/index.ts';
import type { ChannelGateway } from '../../src/domain/channel/gateway.ts';
import type { ChannelNotice } from '../../src/domain/channel/notice.ts';
import { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';

export interface SandboxedChannels {
  sandbox: ChannelSandbox;
  gateways: Record<string, ChannelGateway>;
  /** Where the receiver takes WeChat's callbacks. */
  notifyUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the receiver, then the sandbox. A verified callback goes to `onNotice` (answered 204, or 409 when it
 * throws); one that does not verify is answered 401. With `notifyFromStart` the sandbox and the WeChat client
 * know the receiver at once; otherwise a test sets `sandbox.wechat.notifyUrl` when it wants callbacks.
 */
export async function startSandboxedChannels(o: {
  onNotice: (notice: ChannelNotice, wechatMchId: string) => Promise<unknown>;
  notifyFromStart?: boolean;
}): Promise<SandboxedChannels> {
  let verify:
    | ((headers: Record<string, unknown>, body: Buffer) => ReturnType<typeof verifyWechatNotification>)
    | undefined;
  let mchId = '';
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', async () => {
      const v = verify?.(req.headers, Buffer.concat(chunks));
      if (!v?.ok) return void res.writeHead(401).end();
      try {
        await o.onNotice(toChannelNotice(v.notification), mchId);
        res.writeHead(204).end();
      } catch {
        res.writeHead(409).end();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  const sandbox = new ChannelSandbox(o.notifyFromStart ? { wechat: { notifyUrl } } : {});
  await sandbox.start();
  const c = sandbox.credentials();
  const platformKeys = wechatPlatformKeys(c.wechat.platformKeys);
  mchId = c.wechat.mchId;
  verify = (headers, body) =>
    verifyWechatNotification(
      { headers: headers as never, body },
      { mchId: c.wechat.mchId, apiV3Key: c.wechat.apiV3Key, platformKeys },
      Date.now(),
    );
  return {
    sandbox,
    gateways: {
      wechat: wechatClient(
        { ...c.wechat },
        { timeoutMs: 1_500, ...(o.notifyFromStart ? { paymentNotifyUrl: notifyUrl } : {}) },
      ),
      alipay: alipayClient(c.alipay, { timeoutMs: 1_500 }),
    },
    notifyUrl,
    close: async () => {
      await sandbox.close();
      await new Promise((r) => receiver.close(r));
    },
  };
}
