// `ledger devices …`: the kiosk / MIS-POS gateway and its registry.
//   serve [--host H] [--listen MODEL=PORT,…] [--mqtt URL]   TCP listeners per model (+ MQTT bridge) until SIGINT
//   register --device ID --hospital H --model M --channel C   registers a device; prints its MAC key once
//   status --hospital H                                       one JSON line per device: online, last heartbeat…
//   models                                                    the device models and their framing
// Environment: DATABASE_URL | LEDGER_DATA_DIR, LEDGER_MASTER_KEY (seals device keys), DEVICES_MQTT_URL.
import { argsOrExit, commandArgs, strings } from './args.ts';
import { DEVICE_MODELS } from '../adapters/devices/models.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { createLogger } from '../adapters/log.ts';
import { cliMasterKeyring } from './master-key.ts';
import { UseCaseDevicePort, startDevices } from '../bus/devices/index.ts';
import { DeviceStatusBook } from '../adapters/devices/status.ts';
import { UPCASTERS } from '../domain/events.ts';
import type { CliIo } from './main.ts';
import { DeviceRegistry } from '../app/devices.ts';
import { SqlDeviceStore } from '../adapters/devices/registry-store.ts';
import { ExchangeBook } from '../adapters/devices/exchanges.ts';
import { keyringSealer } from '../adapters/secrets/sealer.ts';

const EX_USAGE = 64;
export const DEFAULT_DEVICE_LISTENERS = 'kiosk-pipe=9101,kiosk-fixed=9102,kiosk-xml=9103,mispos-8583=9104';
const USAGE = `usage: ledger devices serve [--host H] [--listen MODEL=PORT,…] [--mqtt URL]
       ledger devices register --device ID --hospital H --model MODEL --channel CHANNEL
       ledger devices status --hospital H
       ledger devices models`;

class UsageError extends Error {}

function parseListeners(text: string, host: string) {
  return text.split(',').map((pair) => {
    const [model, port] = pair.split('=');
    if (!model || !DEVICE_MODELS[model] || !/^\d{1,5}$/.test(port ?? '') || Number(port) > 65535)
      throw new UsageError(`--listen: "${pair}" is not MODEL=PORT with a known model`);
    return { model, host, port: Number(port) };
  });
}

export async function devicesCommand(
  argv: string[],
  io: CliIo,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const parsed = argsOrExit(io, USAGE, {
    parse: () => parse(argv),
    help: (p) => p.values.help,
    check: (p) => {
      if (!['serve', 'register', 'status', 'models'].includes(p.positionals[0] ?? ''))
        throw new UsageError('which devices command?');
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const sub = positionals[0]!;
  if (sub === 'models') {
    for (const m of Object.values(DEVICE_MODELS)) io.stdout.write(`${JSON.stringify(m)}\n`);
    return 0;
  }
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
    return v;
  };
  let listeners: ReturnType<typeof parseListeners> = [];
  try {
    if (sub === 'register') for (const n of ['device', 'hospital', 'model', 'channel'] as const) need(n);
    if (sub === 'status') need('hospital');
    if (sub === 'serve')
      listeners = parseListeners(values.listen ?? DEFAULT_DEVICE_LISTENERS, values.host ?? '127.0.0.1');
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return EX_USAGE;
  }

  const keyring = cliMasterKeyring(io.env);
  const ledger = await openLedger(configFromEnv(io.env), { migrate: true, upcasters: UPCASTERS });
  try {
    if (sub === 'register') {
      const { device, key } = await new DeviceRegistry(
        new SqlDeviceStore(ledger.database.db),
        keyringSealer(keyring),
      ).register({
        deviceId: need('device'),
        hospitalId: need('hospital'),
        model: need('model'),
        channel: need('channel'),
      });
      io.stdout.write(`${JSON.stringify({ ...device, key })}\n`);
      io.stderr.write('the key is shown only now: configure it on the device\n');
      return 0;
    }
    if (sub === 'status') {
      for (const s of await new DeviceStatusBook(ledger.database.db).list(need('hospital')))
        io.stdout.write(`${JSON.stringify(s)}\n`);
      return 0;
    }
    const logger = createLogger({ name: 'devices', destination: io.stderr });
    const mqttUrl = values.mqtt ?? io.env.DEVICES_MQTT_URL;
    const running = await startDevices({
      registry: new DeviceRegistry(new SqlDeviceStore(ledger.database.db), keyringSealer(keyring)),
      exchanges: new ExchangeBook(ledger.database.db),
      status: new DeviceStatusBook(ledger.database.db),
      // Payments recorded here are followed up (deposit credit, HIS writeback) by the reactions of `ledger serve`.
      port: new UseCaseDevicePort({
        store: ledger.store,
        db: ledger.database.db,
        now: () => new Date(),
        logger,
      }),
      logger,
      listeners,
      ...(mqttUrl ? { mqttUrl } : {}),
    });
    for (const [model, a] of Object.entries(running.addresses))
      io.stdout.write(`devices: ${model} on ${a.host}:${a.port}\n`);
    io.stdout.write(`devices: MQTT ${mqttUrl ?? 'not configured'}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      options.signal?.addEventListener('abort', stop, { once: true });
    });
    await running.close();
    return 0;
  } finally {
    await ledger.close();
  }
}

function parse(argv: string[]) {
  return commandArgs(argv, {
    ...strings('host', 'listen', 'mqtt', 'device', 'hospital', 'model', 'channel'),
  });
}
