// Device fleet status for administrators: every registered kiosk / POS of the hospital, online or not.
import { Type } from 'typebox';
import { StringOrNull } from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

const DeviceStatusSchema = Type.Object({
  deviceId: Type.String(),
  model: Type.String(),
  channel: Type.String(),
  disabled: Type.Boolean(),
  online: Type.Boolean(),
  connections: Type.Integer(),
  lastHeartbeatAt: StringOrNull,
  lastSeenAt: StringOrNull,
  lastTransport: StringOrNull,
  deviceState: StringOrNull,
  softwareVersion: StringOrNull,
});

export function deviceRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['admin']);
  api.get(
    '/v1/admin/devices',
    'admin',
    'Kiosks and POS terminals: online (open connection or a recent heartbeat), last heartbeat, state',
    { 200: Type.Object({ devices: Type.Array(DeviceStatusSchema) }) },
    async (c) => ({ devices: await ctx.deps.devices.list(c.hospitalId) }),
  );
}
