// bench/devices: device messages per second — each codec's encode+decode of a mixed message set, then end to
// end: TCP round trips through the gateway (frame, MAC, (device, serial) journal, order decider, append) to a
// fresh PostgreSQL database, with several kiosks on long connections at once.
//
//   npm run bench:devices
//   npm run bench:devices -- --codec-messages 20000 --orders 400 --kiosks 8
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import pg from 'pg';
import { openDatabase } from '../src/adapters/db/database.ts';
import { migrateToLatest } from '../src/adapters/db/migrate.ts';
import { SqlEventStore } from '../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../src/adapters/log.ts';
import { generateMasterKey, parseMasterKeys } from '../src/adapters/secrets/keyring.ts';
import { startDevices, UseCaseDevicePort } from '../src/bus/devices/index.ts';
import { UPCASTERS } from '../src/domain/events.ts';
import { anyMessage, CODECS, SEED } from '../test/adapters/devices/arbitraries.ts';
import { DEVICE_MODELS } from '../src/adapters/devices/models.ts';
import type { DeviceMessage } from '../src/adapters/devices/specs/index.ts';
import { build, DeviceConnection, requestOnce } from '../test/support/device-client.ts';
import { DeviceRegistry } from '../src/app/devices.ts';
import { SqlDeviceStore } from '../src/adapters/devices/registry-store.ts';
import { ExchangeBook } from '../src/adapters/devices/exchanges.ts';
import { keyringSealer } from '../src/adapters/secrets/sealer.ts';
import { DeviceStatusBook } from '../src/adapters/devices/status.ts';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { values } = parseArgs({
  options: {
    'codec-messages': { type: 'string', default: '20000' },
    orders: { type: 'string', default: '300' },
    kiosks: { type: 'string', default: '8' },
  },
});
const CODEC_MESSAGES = Number(values['codec-messages']);
const ORDERS = Number(values.orders);
const KIOSKS = Number(values.kiosks);

const rows: string[] = ['| what | messages | seconds | messages/s |', '|---|---:|---:|---:|'];
const row = (what: string, n: number, ms: number) =>
  rows.push(
    `| ${what} | ${n.toLocaleString()} | ${(ms / 1000).toFixed(2)} | ${Math.round((n / ms) * 1000).toLocaleString()} |`,
  );

// ---- codecs: encode + decode of the same seeded message mix ----
const messages = fc.sample(anyMessage, { seed: SEED, numRuns: CODEC_MESSAGES });
for (const [name, codec] of CODECS) {
  for (const m of messages.slice(0, 200)) codec.decode(codec.encode(m)); // warm-up
  const started = performance.now();
  for (const m of messages) codec.decode(codec.encode(m));
  row(`codec ${name} (encode + decode)`, messages.length, performance.now() - started);
}

// ---- end to end: kiosks create and pay orders over TCP ----
const name = `bench_devices_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const database = await openDatabase({ url: url.toString(), poolSize: 10 });
try {
  await migrateToLatest(database.db);
  const store = new SqlEventStore(database, { upcasters: UPCASTERS });
  const models = ['kiosk-pipe', 'kiosk-fixed', 'kiosk-xml', 'mispos-8583'];
  const running = await startDevices({
    registry: new DeviceRegistry(
      new SqlDeviceStore(database.db),
      keyringSealer(parseMasterKeys(generateMasterKey())),
    ),
    exchanges: new ExchangeBook(database.db),
    status: new DeviceStatusBook(database.db),
    port: new UseCaseDevicePort({
      store,
      db: database.db,
      now: () => new Date(),
      logger: createLogger({ level: 'silent' }),
    }),
    logger: createLogger({ level: 'error' }),
    listeners: models.map((model) => ({ model, host: '127.0.0.1', port: 0 })),
  });
  for (const model of models) {
    const short = DEVICE_MODELS[model]!.connection === 'short';
    const kiosks = await Promise.all(
      Array.from({ length: KIOSKS }, async (_, k) => {
        const deviceId = `B${k}-${model.slice(-4)}`;
        const { key } = await running.registry.register({
          deviceId,
          hospitalId: 'H001',
          model,
          channel: 'kiosk',
        });
        const address = running.addresses[model]!;
        const conn = short ? undefined : await DeviceConnection.open(model, address);
        // a short-connection kiosk opens a connection for every request
        const send = (m: DeviceMessage, k: Buffer) =>
          conn ? conn.request(m, k) : requestOnce(model, address, m, k);
        return { deviceId, key: Buffer.from(key, 'hex'), conn, send };
      }),
    );
    const perKiosk = Math.ceil(ORDERS / KIOSKS);
    const started = performance.now();
    await Promise.all(
      kiosks.map(async ({ deviceId, key, send }) => {
        for (let i = 0; i < perKiosk; i++) {
          const orderId = `${deviceId}-${i}`.replace(/[^A-Za-z0-9_.:-]/g, '');
          const c = await send(
            build.createOutpatient(deviceId, `${orderId}c`, { orderId, patientId: 'P1', cents: 2500 }),
            key,
          );
          const p = await send(
            build.payment(deviceId, `${orderId}p`, { orderId, cents: 2500, txn: `T${orderId}` }),
            key,
          );
          if (c.fields.resultCode !== 'OK' || p.fields.resultCode !== 'OK')
            throw new Error(`${orderId}: ${c.fields.resultCode} / ${p.fields.resultCode}`);
        }
      }),
    );
    row(
      `TCP ${model} (${short ? 'short' : 'long'} connections), ${KIOSKS} kiosks, create + pay → PostgreSQL`,
      perKiosk * KIOSKS * 2,
      performance.now() - started,
    );
    for (const k of kiosks) k.conn?.close();
  }
  await running.close();
  await store.close();
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

console.log(`\n## Device messages (${new Date().toISOString().slice(0, 10)}, Node ${process.version})\n`);
console.log(rows.join('\n'));
