// Where devices' heartbeats and connections are kept (devices.status, migration 0030), so every gateway
// instance and the admin API see the same picture; whether that makes a device online is the domain's rule
// (domain/devices/online.ts).
import { type Kysely, sql } from 'kysely';
import { MAX_DEVICES_LISTED } from '../../domain/devices/device.ts';
import { isOnline, ONLINE_WINDOW_MS } from '../../domain/devices/online.ts';

export { MAX_DEVICES_LISTED, ONLINE_WINDOW_MS };

export type Transport = 'tcp' | 'mqtt';

export interface DeviceStatus {
  deviceId: string;
  model: string;
  channel: string;
  disabled: boolean;
  online: boolean;
  /** Open TCP connections to this gateway instance. */
  connections: number;
  lastHeartbeatAt: string | null;
  lastSeenAt: string | null;
  lastTransport: Transport | null;
  deviceState: string | null;
  softwareVersion: string | null;
}

interface Row {
  device_id: string;
  model: string;
  channel: string;
  disabled: boolean;
  last_heartbeat_at: Date | null;
  last_seen_at: Date | null;
  last_transport: Transport | null;
  device_state: string | null;
  software_version: string | null;
}

/** The fleet's status as the admin API reads it. */
export interface DeviceFleet {
  list(hospitalId: string): Promise<DeviceStatus[]>;
}

export class DeviceStatusBook implements DeviceFleet {
  readonly #connections = new Map<string, number>();

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the devices schema is addressed with raw SQL
    private readonly db: Kysely<any>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async heartbeat(
    hospitalId: string,
    deviceId: string,
    transport: Transport,
    report: { deviceState: string; softwareVersion: string },
  ): Promise<void> {
    const at = this.now();
    await sql`INSERT INTO devices.status AS s (device_id, hospital_id, last_heartbeat_at, last_seen_at, last_transport, device_state, software_version)
      VALUES (${deviceId}, ${hospitalId}, ${at}, ${at}, ${transport}, ${report.deviceState}, ${report.softwareVersion || null})
      ON CONFLICT (device_id) DO UPDATE SET last_heartbeat_at = ${at}, last_seen_at = ${at},
        last_transport = ${transport}, device_state = ${report.deviceState},
        software_version = ${report.softwareVersion || null}`.execute(this.db);
  }

  /** A TCP connection carried a verified message of this device; counted until `disconnected`. */
  async connected(hospitalId: string, deviceId: string): Promise<void> {
    this.#connections.set(deviceId, (this.#connections.get(deviceId) ?? 0) + 1);
    const at = this.now();
    await sql`INSERT INTO devices.status AS s (device_id, hospital_id, last_seen_at, last_transport)
      VALUES (${deviceId}, ${hospitalId}, ${at}, 'tcp')
      ON CONFLICT (device_id) DO UPDATE SET last_seen_at = ${at}, last_transport = 'tcp'`.execute(this.db);
  }

  disconnected(deviceId: string): void {
    const n = (this.#connections.get(deviceId) ?? 0) - 1;
    if (n > 0) this.#connections.set(deviceId, n);
    else this.#connections.delete(deviceId);
  }

  /** Every registered device of the hospital with its online state: what the admin API shows. */
  async list(hospitalId: string): Promise<DeviceStatus[]> {
    const { rows } = await sql<Row>`SELECT d.device_id, d.model, d.channel, d.disabled, s.last_heartbeat_at,
        s.last_seen_at, s.last_transport, s.device_state, s.software_version
      FROM devices.devices d LEFT JOIN devices.status s ON s.device_id = d.device_id
      WHERE d.hospital_id = ${hospitalId} ORDER BY d.device_id LIMIT ${MAX_DEVICES_LISTED}`.execute(this.db);
    const now = this.now();
    return rows.map((r) => {
      const connections = this.#connections.get(r.device_id) ?? 0;
      const beat = r.last_heartbeat_at ? new Date(r.last_heartbeat_at) : null;
      return {
        deviceId: r.device_id,
        model: r.model,
        channel: r.channel,
        disabled: r.disabled,
        online: isOnline({ disabled: r.disabled, connections, lastHeartbeatAt: beat }, now),
        connections,
        lastHeartbeatAt: beat?.toISOString() ?? null,
        lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at).toISOString() : null,
        lastTransport: r.last_transport,
        deviceState: r.device_state,
        softwareVersion: r.software_version,
      };
    });
  }
}
