// The device gateway against a fresh PostgreSQL database: every model listening on a free port, one
// registered device per model, the order decider behind the port.
import { Writable } from 'node:stream';
import { DEVICE_MODELS } from '../../../src/adapters/devices/models.ts';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../../src/adapters/log.ts';
import { generateMasterKey, parseMasterKeys } from '../../../src/adapters/secrets/keyring.ts';
import { UseCaseDevicePort, type RunningDevices, startDevices } from '../../../src/bus/devices/index.ts';
import type { GatewayLimits } from '../../../src/bus/devices/tcp.ts';
import type { RecordedEvent } from '../../../src/domain/event-store.ts';
import { UPCASTERS } from '../../../src/domain/events.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';
import { DeviceRegistry } from '../../../src/app/devices.ts';
import { SqlDeviceStore } from '../../../src/adapters/devices/registry-store.ts';
import { ExchangeBook } from '../../../src/adapters/devices/exchanges.ts';
import { keyringSealer } from '../../../src/adapters/secrets/sealer.ts';
import { DeviceStatusBook } from '../../../src/adapters/devices/status.ts';

export const HOSPITAL = 'H001';
export const MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export interface DevicesHarness {
  db: TestDatabase;
  store: SqlEventStore;
  running: RunningDevices;
  logs: string[];
  /** Per model: the registered device and its key. */
  devices: Record<string, { deviceId: string; key: Buffer }>;
  address(model: string): { host: string; port: number };
  orderEvents(orderId: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

export async function startDevicesHarness(
  label: string,
  options: { limits?: Partial<GatewayLimits>; mqtt?: boolean } = {},
): Promise<DevicesHarness> {
  const db = await createPostgresDatabase(label);
  const store = new SqlEventStore(db.database, { upcasters: UPCASTERS });
  const keyring = parseMasterKeys(generateMasterKey());
  const logs: string[] = [];
  const logger = createLogger({
    name: 'devices-test',
    level: 'info',
    destination: new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const running = await startDevices({
    registry: new DeviceRegistry(new SqlDeviceStore(db.database.db), keyringSealer(keyring)),
    exchanges: new ExchangeBook(db.database.db),
    status: new DeviceStatusBook(db.database.db),
    port: new UseCaseDevicePort({ store, db: db.database.db, now: () => new Date(), logger }),
    logger,
    listeners: Object.keys(DEVICE_MODELS).map((model) => ({ model, host: '127.0.0.1', port: 0 })),
    // a group of its own: another test run's gateway on the same broker must not take these messages
    ...(options.mqtt ? { mqttUrl: MQTT_URL, mqttShareGroup: `test-${process.pid}-${Date.now()}` } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const devices: DevicesHarness['devices'] = {};
  let n = 0;
  for (const model of Object.keys(DEVICE_MODELS)) {
    const deviceId = `K${++n}-${model.slice(0, 6)}`;
    const { key } = await running.registry.register({
      deviceId,
      hospitalId: HOSPITAL,
      model,
      channel: 'kiosk',
    });
    devices[model] = { deviceId, key: Buffer.from(key, 'hex') };
  }
  return {
    db,
    store,
    running,
    logs,
    devices,
    address: (model) => running.addresses[model]!,
    async orderEvents(orderId) {
      return (await store.readStream(`${HOSPITAL}/order/${orderId}`)).events;
    },
    async close() {
      await running.close();
      await store.close();
      await db.dispose();
    },
  };
}
