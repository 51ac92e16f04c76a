// JSON Schemas of the staff routes (sign-in, sessions, user administration, staff actions).
import { Type } from 'typebox';
import { StringOrNull } from './schemas.ts';
import { MAX_ACTIONS_PAGE } from '../app/staff/actions.ts';
import { STAFF_LIMITS, STAFF_ROLES } from '../domain/staff/index.ts';

export const Username = Type.String({
  pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
  description: 'Lower-case letters, digits and ._- (1..64)',
});
export const Password = Type.String({
  minLength: 1,
  maxLength: STAFF_LIMITS.password.max,
  description: 'The password',
});
export const Role = Type.Union(
  STAFF_ROLES.map((r) => Type.Literal(r)),
  { description: 'finance-clerk | finance-supervisor | auditor | administrator' },
);
export const HospitalIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Hospital id' });
export const Instant = Type.String({ format: 'date-time', description: 'ISO-8601 instant' });

export const SignInBody = Type.Object(
  {
    hospitalId: HospitalIdSchema,
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Password,
  },
  { additionalProperties: false },
);
export const UserView = Type.Object({
  hospitalId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  disabled: Type.Boolean(),
  failures: Type.Integer({ description: 'Consecutive failed sign-ins' }),
  lockedUntil: StringOrNull,
  lastSignInAt: StringOrNull,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const SessionAnswer = Type.Object({
  token: Type.String({ description: 'Bearer token: send as Authorization: Bearer <token>. Shown once.' }),
  tokenType: Type.Literal('Bearer'),
  sessionId: Type.String(),
  expiresAt: Type.String({ description: 'Absolute expiry' }),
  idleTimeoutSeconds: Type.Integer({ description: 'The session ends after this long unused' }),
  user: Type.Object({
    hospitalId: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    role: Type.String(),
  }),
});
export const MeAnswer = Type.Object({
  hospitalId: Type.String(),
  username: Type.String(),
  displayName: StringOrNull,
  role: Type.String(),
  session: Type.Union([
    Type.Object({
      sessionId: Type.String(),
      address: Type.String(),
      createdAt: Type.String(),
      expiresAt: Type.String(),
      idleExpiresAt: Type.String(),
    }),
    Type.Null(),
  ]),
});
export const CreateUserBody = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    role: Role,
    password: Password,
  },
  { additionalProperties: false },
);
export const UserParams = Type.Object({ username: Username });
export const RoleBody = Type.Object({ role: Role }, { additionalProperties: false });
export const PasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export const Users = Type.Object({ users: Type.Array(UserView) });
export const Revoked = Type.Object({ revokedSessionIds: Type.Array(Type.String()) });
export const ActionsQuery = Type.Object(
  {
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Actor id (username)' })),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,19}$', description: 'nextCursor of the page before' }),
    ),
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `Rows, 1..${MAX_ACTIONS_PAGE}` }),
    ),
  },
  { additionalProperties: false },
);
export const ActionsAnswer = Type.Object({
  actions: Type.Array(
    Type.Object({
      position: Type.String(),
      streamId: Type.String(),
      type: Type.String(),
      user: Type.String(),
      address: StringOrNull,
      correlationId: StringOrNull,
      occurredAt: Type.String(),
      recordedAt: Type.String(),
      data: Type.Object({}, { additionalProperties: true }),
    }),
  ),
  nextCursor: StringOrNull,
});
