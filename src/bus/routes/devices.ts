// Device fleet status for administrators: every registered kiosk / POS of the hospital, online or not.
import { Type } from 'typebox';
import { type App, requestContext, type ServerContext } from '../server.ts';
import { route } from '../route.ts';

const DeviceStatusSchema = Type.Object({
  deviceId: Type.String(),
  model: Type.String(),
  channel: Type.String(),
  disabled: Type.Boolean(),
  online: Type.Boolean(),
  connections: Type.Integer(),
  lastHeartbeatAt: Type.Union([Type.String(), Type.Null()]),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
  lastTransport: Type.Union([Type.String(), Type.Null()]),
  deviceState: Type.Union([Type.String(), Type.Null()]),
  softwareVersion: Type.Union([Type.String(), Type.Null()]),
});

export function deviceRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/v1/admin/devices',
    route(
      'admin',
      ['admin'],
      'Kiosks and POS terminals: online (open connection or a recent heartbeat), last heartbeat, state',
      { 200: Type.Object({ devices: Type.Array(DeviceStatusSchema) }) },
    ),
    async (req) => ({ devices: await ctx.deps.devices.list(requestContext(req).hospitalId) }),
  );
}
