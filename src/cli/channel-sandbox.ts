// `ledger channel-sandbox`: the WeChat Pay / Alipay sandbox on loopback until SIGINT/SIGTERM. Writes the
// credentials the platform needs (the bodies of PUT /v1/admin/merchants) to --credentials, so a demo can configure
// a hospital's merchants against it, and takes faults from --fault (repeatable) or its control API.
//
//   --port (7080) --host (127.0.0.1) --credentials <file> --public-key-mode
//   --fault kind[:channel[:operation[:times]]]   e.g. timeout:wechat:refund:1, processing:alipay:refund, fail
//   --wechat-notify-url / --alipay-notify-url    where the sandbox sends callbacks
import { writeFileSync } from 'node:fs';
import { strings } from './args.ts';
import { parseArgs } from 'node:util';
import {
  SANDBOX_FAULTS,
  SANDBOX_OPERATIONS,
  type SandboxFault,
  type SandboxFaultKind,
  type SandboxOperation,
} from '../simulation/channels/faults.ts';
import { ChannelSandbox } from '../simulation/channels/sandbox.ts';
import type { CliIo } from './main.ts';

export const CHANNEL_SANDBOX_DEFAULT_PORT = 7080;

export function parseFault(spec: string): SandboxFault {
  const [kind, channel, operation, times] = spec.split(':');
  if (!SANDBOX_FAULTS.includes(kind as SandboxFaultKind))
    throw new RangeError(`fault ${spec}: kind must be one of ${SANDBOX_FAULTS.join(', ')}`);
  if (channel && channel !== 'wechat' && channel !== 'alipay' && channel !== '*')
    throw new RangeError(`fault ${spec}: channel must be wechat, alipay or *`);
  if (operation && operation !== '*' && !SANDBOX_OPERATIONS.includes(operation as SandboxOperation))
    throw new RangeError(`fault ${spec}: operation must be one of ${SANDBOX_OPERATIONS.join(', ')}`);
  const n = times === undefined ? 1 : times === '*' ? Number.MAX_SAFE_INTEGER : Number(times);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`fault ${spec}: times must be a positive integer or *`);
  return {
    kind: kind as SandboxFaultKind,
    ...(channel && channel !== '*' ? { channel: channel as 'wechat' | 'alipay' } : {}),
    ...(operation && operation !== '*' ? { operation: operation as SandboxOperation } : {}),
    times: n,
  };
}

export async function channelSandboxCommand(
  argv: string[],
  io: CliIo,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...strings('port', 'host', 'credentials'),
      'public-key-mode': { type: 'boolean' },
      fault: { type: 'string', multiple: true },
      'wechat-notify-url': { type: 'string' },
      'alipay-notify-url': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port ?? CHANNEL_SANDBOX_DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`invalid --port ${values.port}`);
  const faults = (values.fault ?? []).map(parseFault);
  const sandbox = new ChannelSandbox({
    port,
    host: values.host ?? '127.0.0.1',
    ...(values['public-key-mode'] ? { wechatPublicKeyMode: true } : {}),
    ...(values['wechat-notify-url'] ? { wechat: { notifyUrl: values['wechat-notify-url'] } } : {}),
    ...(values['alipay-notify-url'] ? { alipay: { notifyUrl: values['alipay-notify-url'] } } : {}),
  });
  for (const f of faults) sandbox.fault(f);
  const url = await sandbox.start();
  const c = sandbox.credentials();
  if (values.credentials) {
    const bodies = [
      { channel: 'wechat', primary: true, wechat: c.wechat },
      { channel: 'alipay', primary: true, alipay: c.alipay },
    ];
    writeFileSync(values.credentials, `${JSON.stringify(bodies, null, 2)}\n`, { mode: 0o600 });
  }
  io.stdout.write(
    `channel sandbox listening on ${url} (WeChat Pay v3: ${url}/v3/…, Alipay: ${c.alipay.gateway}, control: ${url}/sandbox/…)\n` +
      `WeChat mchid ${c.wechat.mchId} (${c.wechat.platformMode}), Alipay app_id ${c.alipay.appId}` +
      `${values.credentials ? `; credentials written to ${values.credentials}` : ''}; faults: ${faults.length}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await sandbox.close();
  return 0;
}
