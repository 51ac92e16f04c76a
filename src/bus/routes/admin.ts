// Administration: channels (event-sourced settings, through the generic path) and bus clients (credentials).
import { Type } from 'typebox';
import {
  type BusinessType,
  type ChannelCommand,
  type ChannelSettingsChange,
  channelDecider,
  refuse,
} from '../../domain/channel/index.ts';
import { DEFAULT_TIME_ZONE } from '../../domain/business-date.ts';
import { Channel } from '../../domain/ids.ts';
import { channelHistory } from '../../app/channels.ts';
import { ClientExistsError } from '../../app/clients.ts';
import { execute, patientKey } from '../dispatch.ts';
import { ApiError } from '../errors.ts';
import {
  ChangeChannelBody,
  ChannelParams,
  ClientParams,
  ReasonBody,
  RegisterChannelBody,
  RegisterClientBody,
} from '../schemas.ts';
import { routes } from '../route.ts';
import type { App, ServerContext, RequestContext } from '../server.ts';

const Any = Type.Object({}, { additionalProperties: true });

export function adminRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['admin']);
  const { deps } = ctx;

  const channelAnswer = async (hospitalId: string, channelId: string) => {
    const { state, version } = await deps.channels.load(hospitalId as never, channelId);
    if (!state.exists) throw refuse('CHANNEL_NOT_FOUND', { channelId });
    deps.channels.put(hospitalId, channelId, state);
    return {
      channelId,
      enabled: state.enabled,
      settings: { ...state.settings, blacklist: state.settings.blacklist.length },
      version,
    };
  };

  const runChannel = async (c: RequestContext, command: ChannelCommand) => {
    await execute(deps, c.principal, channelDecider, command, c.exec());
    return channelAnswer(c.hospitalId, command.channelId);
  };

  api.post(
    '/v1/admin/channels',
    'admin',
    'Register an access channel with its settings (business types, opening hours, blacklist, rate limit, priority)',
    { body: RegisterChannelBody, 201: Any },
    async (c, req) => {
      const b = req.body;
      return runChannel(c, {
        type: 'RegisterChannel',
        hospitalId: c.hospitalId,
        channelId: Channel(b.channelId),
        settings: {
          name: b.name,
          businessTypes: b.businessTypes as BusinessType[],
          openingHours: b.openingHours ?? [],
          timeZone: b.timeZone ?? DEFAULT_TIME_ZONE,
          rateLimit: b.rateLimit,
          priority: b.priority ?? 0,
          blacklist: (b.blacklist ?? []).map((id) => patientKey(c.hospitalId, id)),
        },
        at: deps.now(),
        actor: c.actor,
      });
    },
  );

  api.patch(
    '/v1/admin/channels/:channelId',
    'admin',
    'Change channel settings (each change is an event with its reason)',
    {
      params: ChannelParams,
      body: ChangeChannelBody,
      200: Any,
    },
    async (c, req) => {
      const { reason, blacklistAdd, blacklistRemove, businessTypes, ...rest } = req.body;
      const change: ChannelSettingsChange = { ...rest };
      if (businessTypes) change.businessTypes = businessTypes as BusinessType[];
      if (blacklistAdd) change.blacklistAdd = blacklistAdd.map((id) => patientKey(c.hospitalId, id));
      if (blacklistRemove) change.blacklistRemove = blacklistRemove.map((id) => patientKey(c.hospitalId, id));
      return runChannel(c, {
        type: 'ChangeChannelSettings',
        hospitalId: c.hospitalId,
        channelId: Channel(req.params.channelId),
        change,
        reason,
        at: deps.now(),
        actor: c.actor,
      });
    },
  );

  for (const action of ['disable', 'enable'] as const)
    api.post(
      `/v1/admin/channels/:channelId/${action}`,
      'admin',
      action === 'disable'
        ? 'Disable a channel: its commands are refused with CHANNEL_DISABLED'
        : 'Enable a channel again',
      { params: ChannelParams, body: ReasonBody, 200: Any },
      async (c, req) => {
        return runChannel(c, {
          type: action === 'disable' ? 'DisableChannel' : 'EnableChannel',
          hospitalId: c.hospitalId,
          channelId: Channel(req.params.channelId),
          reason: req.body.reason,
          at: deps.now(),
          actor: c.actor,
        });
      },
    );

  api.get(
    '/v1/admin/channels/:channelId',
    'read',
    'A channel: current settings and the history of changes (who, when, why)',
    {
      params: ChannelParams,
      200: Any,
    },
    async (c, req) => {
      const answer = await channelAnswer(c.hospitalId, req.params.channelId);
      return { ...answer, history: await channelHistory(deps.store, c.hospitalId, req.params.channelId) };
    },
  );

  api.post(
    '/v1/admin/clients',
    'admin',
    'Register a bus client; the answer carries its secret, shown this once and stored only sealed',
    { body: RegisterClientBody, 201: Any },
    async (c, req) => {
      try {
        const { client, secret } = await ctx.options.clients.register({
          clientId: req.body.clientId,
          hospitalId: c.hospitalId,
          kind: req.body.kind,
          channelId: req.body.channelId ?? null,
          ...(req.body.grants ? { grants: req.body.grants } : {}),
        });
        req.log.info({ clientId: client.clientId, by: c.principal.id }, 'bus client registered');
        return {
          clientId: client.clientId,
          kind: client.kind,
          channelId: client.channelId,
          grants: client.grants,
          secret,
        };
      } catch (error) {
        if (error instanceof ClientExistsError)
          throw new ApiError('VALIDATION_FAILED', { field: 'body.clientId', reason: 'already registered' });
        throw error;
      }
    },
  );

  for (const action of ['disable', 'enable'] as const)
    api.post(
      `/v1/admin/clients/:clientId/${action}`,
      'admin',
      action === 'disable' ? 'Disable a bus client (AUTH_CLIENT_DISABLED)' : 'Enable a bus client',
      { params: ClientParams, 200: Any },
      async (c, req) => {
        const client = await ctx.options.clients.setDisabled(
          req.params.clientId,
          c.hospitalId,
          action === 'disable',
        );
        if (!client) throw new ApiError('AUTH_UNKNOWN_CLIENT', { clientId: req.params.clientId });
        req.log.info({ clientId: client.clientId, action, by: c.principal.id }, 'bus client changed');
        return { clientId: client.clientId, disabled: client.disabled };
      },
    );
}
