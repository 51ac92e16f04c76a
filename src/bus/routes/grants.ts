// Changing what a bus client may read (grants.ts): administrators only, recorded in the log with who did it.
import { Type } from 'typebox';
import { ApiError } from '../errors.ts';
import { ClientParams, ReadGrantsSchema } from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

export function grantRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['admin']);
  api.put(
    '/v1/admin/clients/:clientId/grants',
    'admin',
    "Set a bus client's read grants: read own (orders and deposits it took part in) or hospital; patient ids masked or full",
    {
      params: ClientParams,
      body: ReadGrantsSchema,
      200: Type.Object({ clientId: Type.String(), grants: ReadGrantsSchema }),
    },
    async (c, req) => {
      const client = await ctx.options.clients.setGrants(req.params.clientId, c.hospitalId, req.body);
      if (!client) throw new ApiError('AUTH_UNKNOWN_CLIENT', { clientId: req.params.clientId });
      req.log.info(
        { clientId: client.clientId, grants: client.grants, by: c.principal.id },
        'bus client grants changed',
      );
      return { clientId: client.clientId, grants: client.grants };
    },
  );
}
