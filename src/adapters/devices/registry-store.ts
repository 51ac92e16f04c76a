// The device registry in table devices.devices (migration 0030).
import { type Kysely, sql } from 'kysely';
import { type Device, type DeviceStore, MAX_DEVICES_LISTED } from '../../domain/devices/device.ts';
import type { Channel, HospitalId } from '../../domain/ids.ts';

interface Row {
  device_id: string;
  hospital_id: string;
  model: string;
  channel: string;
  sealed_key: string;
  disabled: boolean;
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

export class SqlDeviceStore implements DeviceStore {
  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the devices schema is addressed with raw SQL
    private readonly db: Kysely<any>,
  ) {}

  async get(deviceId: string): Promise<{ device: Device; sealedKey: string } | undefined> {
    const { rows } = await sql<Row>`SELECT * FROM devices.devices WHERE device_id = ${deviceId}`.execute(
      this.db,
    );
    const row = rows[0];
    return row && { device: fromRow(row), sealedKey: row.sealed_key };
  }

  async insert(d: Omit<Device, 'disabled'>, sealedKey: string): Promise<Device | undefined> {
    const { rows } =
      await sql<Row>`INSERT INTO devices.devices (device_id, hospital_id, model, channel, sealed_key)
      VALUES (${d.deviceId}, ${d.hospitalId}, ${d.model}, ${d.channel}, ${sealedKey})
      ON CONFLICT (device_id) DO NOTHING RETURNING *`.execute(this.db);
    return rows[0] && fromRow(rows[0]);
  }

  async setDisabled(deviceId: string, disabled: boolean): Promise<Device | undefined> {
    const { rows } = await sql<Row>`UPDATE devices.devices SET disabled = ${disabled}, updated_at = now()
      WHERE device_id = ${deviceId} RETURNING *`.execute(this.db);
    return rows[0] && fromRow(rows[0]);
  }

  async list(hospitalId: string): Promise<Device[]> {
    const { rows } = await sql<Row>`SELECT * FROM devices.devices WHERE hospital_id = ${hospitalId}
      ORDER BY device_id LIMIT ${MAX_DEVICES_LISTED}`.execute(this.db);
    return rows.map(fromRow);
  }
}
