// The device registry (devices.devices, migration 0030): each kiosk or POS has its own MAC key, generated
// here, shown once, stored sealed under the master key (bound to the device id, as bus-client secrets are).
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { DEVICE_KEY_BYTES } from '../../adapters/devices/mac.ts';
import { deviceModel } from '../../adapters/devices/models.ts';
import { MAX_DEVICES_LISTED } from '../../adapters/devices/status.ts';

export { MAX_DEVICES_LISTED };
import { Channel, HospitalId } from '../../domain/ids.ts';
import { type MasterKeyring, openSecret, sealSecret } from '../../adapters/secrets/keyring.ts';

/** How long a looked-up device (and its opened key) is trusted before it is read again. */
export const DEVICE_CACHE_TTL_MS = 2_000;
export const DEVICE_CACHE_MAX_ENTRIES = 10_000;
// no '/', '+' or '#': a device id is a segment of its MQTT topics
const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,16}$/;

export interface Device {
  deviceId: string;
  hospitalId: HospitalId;
  model: string;
  channel: Channel;
  disabled: boolean;
}

interface Row {
  device_id: string;
  hospital_id: string;
  model: string;
  channel: string;
  sealed_key: string;
  disabled: boolean;
}

export function deviceKeyContext(deviceId: string): string {
  return `device:${deviceId}`;
}

export class DeviceExistsError extends Error {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} already exists`);
    this.name = 'DeviceExistsError';
  }
}

export class DeviceRegistry {
  readonly #cache = new Map<string, { entry: { device: Device; key: Buffer } | undefined; until: number }>();

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the devices schema is addressed with raw SQL
    private readonly db: Kysely<any>,
    private readonly keyring: MasterKeyring,
    private readonly now: () => number = Date.now,
  ) {}

  /** The device and its MAC key, or undefined when not registered. */
  async lookup(deviceId: string): Promise<{ device: Device; key: Buffer } | undefined> {
    const t = this.now();
    const hit = this.#cache.get(deviceId);
    if (hit && hit.until > t) return hit.entry;
    const { rows } = await sql<Row>`SELECT * FROM devices.devices WHERE device_id = ${deviceId}`.execute(
      this.db,
    );
    const row = rows[0];
    const entry = row
      ? {
          device: fromRow(row),
          key: Buffer.from(openSecret(this.keyring, row.sealed_key, deviceKeyContext(row.device_id)), 'hex'),
        }
      : undefined;
    if (this.#cache.size >= DEVICE_CACHE_MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(deviceId, { entry, until: t + DEVICE_CACHE_TTL_MS });
    return entry;
  }

  /** Registers a device and answers its key (hex): the only time it exists outside the device. */
  async register(input: { deviceId: string; hospitalId: string; model: string; channel: string }): Promise<{
    device: Device;
    key: string;
  }> {
    if (!DEVICE_ID.test(input.deviceId)) throw new RangeError(`device id must match ${DEVICE_ID}`);
    deviceModel(input.model);
    HospitalId(input.hospitalId);
    Channel(input.channel);
    const key = randomBytes(DEVICE_KEY_BYTES).toString('hex');
    const sealed = sealSecret(this.keyring, key, deviceKeyContext(input.deviceId));
    const { rows } =
      await sql<Row>`INSERT INTO devices.devices (device_id, hospital_id, model, channel, sealed_key)
      VALUES (${input.deviceId}, ${input.hospitalId}, ${input.model}, ${input.channel}, ${sealed})
      ON CONFLICT (device_id) DO NOTHING RETURNING *`.execute(this.db);
    if (!rows[0]) throw new DeviceExistsError(input.deviceId);
    this.#cache.delete(input.deviceId);
    return { device: fromRow(rows[0]), key };
  }

  async setDisabled(deviceId: string, disabled: boolean): Promise<Device | undefined> {
    const { rows } = await sql<Row>`UPDATE devices.devices SET disabled = ${disabled}, updated_at = now()
      WHERE device_id = ${deviceId} RETURNING *`.execute(this.db);
    this.#cache.delete(deviceId);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(hospitalId: string): Promise<Device[]> {
    const { rows } = await sql<Row>`SELECT * FROM devices.devices WHERE hospital_id = ${hospitalId}
      ORDER BY device_id LIMIT ${MAX_DEVICES_LISTED}`.execute(this.db);
    return rows.map(fromRow);
  }
}

function fromRow(r: Row): Device {
  return {
    deviceId: r.device_id,
    hospitalId: r.hospital_id as HospitalId,
    model: r.model,
    channel: r.channel as Channel,
    disabled: r.disabled,
  };
}
