// Staff bearer tokens that are sessions (`lsk_…`) resolve here to the same Principal every route reads: the
// session's user with the role the account has now. An ended session is refused with why it ended.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { StaffPorts } from '../app/staff/ports.ts';
import { authenticateSession, type SignedIn, signIn, TOKEN_PATTERN } from '../app/staff/sessions.ts';
import { ApiError } from './errors.ts';
import type { Principal } from './principal.ts';
import { route } from './route.ts';
import type { App } from './server.ts';
import { SignInBody } from './staff-schemas.ts';

/** The principal of a session token; undefined when the token is not a session token at all. */
export async function staffPrincipal(staff: StaffPorts, token: string): Promise<Principal | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const check = await authenticateSession(staff, token);
  if (!check.ok)
    throw new ApiError(check.reason === 'unknown' ? 'AUTH_BAD_TOKEN' : 'AUTH_SESSION_ENDED', {
      ...(check.reason !== 'unknown' ? { reason: check.reason } : {}),
    });
  const s = check.session;
  return {
    kind: 'staff',
    role: s.role,
    id: s.username,
    hospitalId: s.hospitalId,
    username: s.username,
    displayName: s.displayName,
    sessionId: s.sessionId,
  };
}

/**
 * Sign-in as both the bearer-token and the workbench routes take it: the body's account and password, from the
 * request's address. Any failure is the one answer AUTH_SIGN_IN_FAILED (it never says why).
 */
export async function signInFrom(
  staff: StaffPorts,
  body: { hospitalId: string; username: string; password: string },
  address: string,
): Promise<SignedIn> {
  const outcome = await signIn(staff, { ...body, address });
  if (!outcome.ok) throw new ApiError('AUTH_SIGN_IN_FAILED');
  return outcome;
}

/**
 * A public sign-in route (POST `path`, body SignInBody, 201): the staff user signs in from the request's address
 * and `answer` hands the new session to the client its way (a bearer token, or cookies).
 */
export function signInRoute<A extends TSchema>(
  app: App,
  staff: StaffPorts,
  path: string,
  text: { summary: string; description: string },
  answerSchema: A,
  answer: (outcome: SignedIn, req: FastifyRequest, reply: FastifyReply) => Static<A>,
): void {
  app.post(
    path,
    route(undefined, ['staff'], text.summary, {
      description: text.description,
      security: [],
      body: SignInBody,
      201: answerSchema,
    }),
    async (req, reply) => {
      const outcome = await signInFrom(staff, req.body, req.ip);
      return reply.code(201).send(answer(outcome, req, reply));
    },
  );
}
