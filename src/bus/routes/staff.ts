// Staff sign-in and sessions (/v1/auth) and staff user administration (/v1/admin/users, administrators of the
// caller's hospital). Routes translate and call the staff use cases (src/app/staff); every account change
// records who, when and from which address.
import type { FastifyRequest } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import {
  changeStaffRole,
  createStaffUser,
  disableStaffUser,
  enableStaffUser,
  listStaffUsers,
  resetStaffPassword,
  revokeAllSessions,
} from '../../app/staff/accounts.ts';
import type { CommandContext } from '../../app/execute.ts';
import { authenticateSession, signOut } from '../../app/staff/sessions.ts';
import { pick } from '../../domain/pick.ts';
import { checkUsername, refuseStaff, type StaffAccount } from '../../domain/staff/index.ts';
import { ApiError } from '../errors.ts';
import { signInRoute } from '../staff-auth.ts';
import { errorResponses, ReasonBody } from '../schemas.ts';
import { type App, type RequestContext, requestContext, type ServerContext } from '../server.ts';
import {
  CreateUserBody,
  MeAnswer,
  PasswordBody,
  Revoked,
  RoleBody,
  SessionAnswer,
  UserParams,
  Users,
  UserView,
} from '../staff-schemas.ts';
import { routes } from '../route.ts';

function userView(a: StaffAccount) {
  return {
    ...pick(a, 'hospitalId', 'username', 'displayName', 'role', 'disabled', 'failures'),
    lockedUntil: a.lockedUntil?.toISOString() ?? null,
    lastSignInAt: a.lastSignInAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

function bearerOf(req: FastifyRequest): string {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : '';
}

export function staffRoutes(app: App, ctx: ServerContext): void {
  const { staff } = ctx;
  const tags = ['staff'];
  const api = routes(app, tags);

  /** The acting administrator and the account they act on, always in the administrator's own hospital. */
  const acting = (c: RequestContext, username: string) => {
    const context: CommandContext = { actor: c.actor, ...c.exec() };
    return { hospitalId: c.hospitalId, username: checkUsername(username), context };
  };
  const existing = async (hospitalId: string, username: string) => {
    const a = await staff.directory.account(hospitalId, username);
    if (!a) throw refuseStaff('STAFF_USER_NOT_FOUND', { username });
    return a;
  };

  signInRoute(
    app,
    staff,
    '/v1/auth/sessions',
    {
      summary: 'Sign in: a staff user of a hospital gets a bearer token that expires (idle and absolute)',
      description:
        'Every attempt on an existing account is recorded (signed in, failed, locked out) with the client address. After repeated failures the account is locked for a while. The answer to a failure never says why.',
    },
    SessionAnswer,
    (outcome) => ({
      token: outcome.token,
      tokenType: 'Bearer' as const,
      sessionId: outcome.sessionId,
      expiresAt: outcome.expiresAt.toISOString(),
      idleTimeoutSeconds: Math.floor(outcome.idleMs / 1000),
      user: {
        hospitalId: outcome.hospitalId,
        username: outcome.username,
        displayName: outcome.displayName,
        role: outcome.role,
      },
    }),
  );

  api.delete(
    '/v1/auth/sessions/current',
    'staff',
    'Sign out: the session of this bearer token ends now',
    { 204: Type.Null() },
    async (c, req, reply) => {
      if (c.principal.kind !== 'staff' || !c.principal.sessionId) throw new ApiError('AUTH_NOT_A_SESSION');
      await signOut(staff, bearerOf(req), { actor: c.actor, ...c.exec() });
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/auth/me',
    'staff',
    'Who this bearer token signs in as: user, role now, hospital and the session',
    {
      200: MeAnswer,
    },
    async (c, req) => {
      const { principal } = c;
      if (principal.kind !== 'staff') throw new ApiError('AUTH_NOT_A_SESSION');
      const check = principal.sessionId ? await authenticateSession(staff, bearerOf(req)) : undefined;
      const s = check?.ok ? check.session : undefined;
      return {
        hospitalId: principal.hospitalId,
        username: principal.username ?? principal.id,
        displayName: principal.displayName ?? null,
        role: principal.role,
        session: s
          ? {
              sessionId: s.sessionId,
              address: s.address,
              createdAt: s.createdAt.toISOString(),
              expiresAt: s.expiresAt.toISOString(),
              idleExpiresAt: s.idleExpiresAt.toISOString(),
            }
          : null,
      };
    },
  );

  api.get(
    '/v1/admin/users',
    'admin',
    "The staff users of the administrator's hospital",
    { 200: Users },
    async (c) => {
      return { users: (await listStaffUsers(staff, c.hospitalId)).map(userView) };
    },
  );

  api.get(
    '/v1/admin/users/:username',
    'admin',
    'One staff user and their active sessions',
    {
      params: UserParams,
      200: Type.Object({
        ...UserView.properties,
        sessions: Type.Array(
          Type.Object({
            sessionId: Type.String(),
            address: Type.String(),
            createdAt: Type.String(),
            lastSeenAt: Type.String(),
            expiresAt: Type.String(),
          }),
        ),
      }),
    },
    async (c, req) => {
      const { hospitalId, username } = acting(c, req.params.username);
      const a = await existing(hospitalId, username);
      const sessions = await staff.directory.activeSessions(hospitalId, username, staff.now());
      return {
        ...userView(a),
        sessions: sessions.map((s) => ({
          sessionId: s.sessionId,
          address: s.address,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
        })),
      };
    },
  );

  api.post(
    '/v1/admin/users',
    'admin',
    "Create a staff user in the administrator's hospital (password hashed with argon2id)",
    { body: CreateUserBody, 201: UserView },
    async (c, req) => {
      const b = req.body;
      const { hospitalId, username, context } = acting(c, b.username);
      const a = await createStaffUser(
        staff,
        { hospitalId, username, displayName: b.displayName, role: b.role, password: b.password },
        context,
      );
      return userView(a);
    },
  );

  /** An administrator's change to one existing user of their hospital; answers the account as it is after. */
  const userChange = <B extends TSchema>(
    method: 'post' | 'put',
    action: string,
    summary: string,
    body: B,
    change: (
      ports: typeof staff,
      input: Omit<ReturnType<typeof acting>, 'context'> & Static<B>,
      c: CommandContext,
    ) => Promise<StaffAccount>,
  ) =>
    app[method](
      `/v1/admin/users/:username/${action}`,
      {
        config: { access: 'admin' },
        schema: { tags, summary, params: UserParams, body, response: { ...errorResponses, 200: UserView } },
      },
      async (req) => {
        const { hospitalId, username, context } = acting(
          requestContext(req),
          (req.params as { username: string }).username,
        );
        await existing(hospitalId, username);
        return userView(await change(staff, { hospitalId, username, ...(req.body as Static<B>) }, context));
      },
    );

  userChange(
    'put',
    'role',
    'Set a user’s role; it applies to their sessions at once',
    RoleBody,
    changeStaffRole,
  );
  userChange(
    'post',
    'disable',
    'Disable a user: sign-in refused, every session revoked',
    ReasonBody,
    disableStaffUser,
  );
  userChange(
    'post',
    'enable',
    'Enable a disabled user again (clears a lock-out)',
    ReasonBody,
    enableStaffUser,
  );
  userChange(
    'put',
    'password',
    'Reset a user’s password: clears a lock-out and revokes every session of the user',
    PasswordBody,
    resetStaffPassword,
  );

  api.delete(
    '/v1/admin/users/:username/sessions',
    'admin',
    'Revoke every session of a user (they sign in again)',
    {
      params: UserParams,
      200: Revoked,
    },
    async (c, req) => {
      const { hospitalId, username, context } = acting(c, req.params.username);
      await existing(hospitalId, username);
      const ids = await revokeAllSessions(
        staff,
        { hospitalId, username, reason: 'revoked by an administrator' },
        context,
      );
      return { revokedSessionIds: ids };
    },
  );
}
