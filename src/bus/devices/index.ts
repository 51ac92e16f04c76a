// The device gateway assembled: registry, answer journal, status, the service, TCP listeners per model and
// (optionally) the MQTT bridge. `ledger devices serve` and the tests start it through here.
import type { Logger } from 'pino';
import { deviceModel } from '../../adapters/devices/models.ts';
import type { ExchangeBook } from '../../adapters/devices/exchanges.ts';
import { DeviceMqttBridge } from './mqtt.ts';
import type { DeviceCommandPort } from './port.ts';
import type { DeviceRegistry } from '../../app/devices.ts';
import { DeviceService } from './service.ts';
import type { DeviceStatusBook } from '../../adapters/devices/status.ts';
import { DeviceGateway, type GatewayLimits } from './tcp.ts';

export type { DeviceCommandPort } from './port.ts';
export { UseCaseDevicePort } from './handler-port.ts';
export { DeviceStatusBook, type DeviceStatus, ONLINE_WINDOW_MS } from '../../adapters/devices/status.ts';

export interface DevicesConfig {
  /** The registered devices and their keys, the answer journal and the status book, each on its store. */
  registry: DeviceRegistry;
  exchanges: ExchangeBook;
  status: DeviceStatusBook;
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
  const { registry, status } = config;
  const service = new DeviceService({
    registry,
    exchanges: config.exchanges,
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
