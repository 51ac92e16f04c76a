// The device gateway assembled: registry, answer journal, status, the service, TCP listeners per model and
// (optionally) the MQTT bridge. `ledger devices serve` and the tests start it through here.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { deviceModel } from '../../adapters/devices/models.ts';
import type { MasterKeyring } from '../../adapters/secrets/keyring.ts';
import { ExchangeBook } from '../../adapters/devices/exchanges.ts';
import { DeviceMqttBridge } from './mqtt.ts';
import type { DeviceCommandPort } from './port.ts';
import { DeviceRegistry } from './registry.ts';
import { DeviceService } from './service.ts';
import { DeviceStatusBook } from '../../adapters/devices/status.ts';
import { DeviceGateway, type GatewayLimits } from './tcp.ts';

export type { DeviceCommandPort } from './port.ts';
export { UseCaseDevicePort } from './handler-port.ts';
export { DeviceRegistry } from './registry.ts';
export { DeviceStatusBook, type DeviceStatus, ONLINE_WINDOW_MS } from '../../adapters/devices/status.ts';

export interface DevicesConfig {
  // biome-ignore lint/suspicious/noExplicitAny: the devices schema is addressed with raw SQL
  db: Kysely<any>;
  keyring: MasterKeyring;
  port: DeviceCommandPort;
  logger: Logger;
  /** One TCP listener per model: `{ model: 'kiosk-pipe', host, port }` (port 0: any free port). */
  listeners: readonly { model: string; host: string; port: number }[];
  mqttUrl?: string;
  /** Gateway instances sharing this MQTT group split the devices' messages between them. */
  mqttShareGroup?: string;
  limits?: Partial<GatewayLimits>;
  now?: () => Date;
}

export interface RunningDevices {
  registry: DeviceRegistry;
  status: DeviceStatusBook;
  gateway: DeviceGateway;
  mqtt: DeviceMqttBridge | undefined;
  /** Address of each model's listener. */
  addresses: Record<string, { host: string; port: number }>;
  close(): Promise<void>;
}

export async function startDevices(config: DevicesConfig): Promise<RunningDevices> {
  const registry = new DeviceRegistry(config.db, config.keyring);
  const status = new DeviceStatusBook(config.db, config.now);
  const service = new DeviceService({
    registry,
    exchanges: new ExchangeBook(config.db),
    status,
    port: config.port,
    logger: config.logger,
    ...(config.now ? { now: config.now } : {}),
  });
  const gateway = new DeviceGateway(service, status, config.logger, config.limits);
  const addresses: Record<string, { host: string; port: number }> = {};
  try {
    for (const l of config.listeners)
      addresses[l.model] = await gateway.listen(deviceModel(l.model), { host: l.host, port: l.port });
  } catch (error) {
    await gateway.close();
    throw error;
  }
  const mqtt = config.mqttUrl
    ? await DeviceMqttBridge.start({
        url: config.mqttUrl,
        service,
        logger: config.logger,
        ...(config.mqttShareGroup !== undefined ? { shareGroup: config.mqttShareGroup } : {}),
      })
    : undefined;
  return {
    registry,
    status,
    gateway,
    mqtt,
    addresses,
    async close() {
      await gateway.close();
      await mqtt?.close();
    },
  };
}
