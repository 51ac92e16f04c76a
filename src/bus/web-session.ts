// The workbench's sign-in: the same staff sessions as the bearer tokens (src/app/staff/sessions.ts), carried
// in a cookie the page's scripts cannot read (HttpOnly; SameSite=Strict; Secure when the request came over
// HTTPS). Cross-site request forgery is refused twice over: the browser never sends a SameSite=Strict cookie
// from another site, and every unsafe method must repeat the session's CSRF token in a header. That token is
// derived from the session token (an HMAC of it under a fixed label), handed to the page at sign-in and kept in
// a second, readable cookie so a reload finds it. A forger can neither read it nor compute it without the
// session token, which never leaves the HttpOnly cookie; and every bus process derives the same token, so pages
// keep working behind a load balancer and across restarts. The label keeps it apart from the session's own
// SHA-256 the database stores.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { StringOrNull } from './schemas.ts';
import { authenticateSession, signOut, TOKEN_PATTERN } from '../app/staff/sessions.ts';
import { pick } from '../domain/pick.ts';
import type { StaffPorts } from '../app/staff/ports.ts';
import { ApiError } from './errors.ts';
import type { Principal } from './principal.ts';
import { type App, requestContext, type ServerContext } from './server.ts';
import { signInRoute, staffPrincipal } from './staff-auth.ts';
import { route } from './route.ts';

export const SESSION_COOKIE = 'ledger_session';
export const CSRF_COOKIE = 'ledger_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The label CSRF tokens are derived under: the same in every process (see above). */
const csrfKey = Buffer.from('hospital-ledger/web-csrf/1', 'utf8');

export function csrfTokenOf(sessionToken: string, key: Buffer = csrfKey): string {
  return createHmac('sha256', key).update(`csrf:${sessionToken}`, 'utf8').digest('base64url');
}

/** Cookies of a request header: name → value (first one wins, like browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

function cookie(
  name: string,
  value: string,
  o: { httpOnly: boolean; secure: boolean; maxAgeSeconds: number },
): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`,
    'SameSite=Strict',
    ...(o.httpOnly ? ['HttpOnly'] : []),
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The session token of the request's cookie, if it carries one that looks like a session token. */
export function cookieToken(req: FastifyRequest): string | undefined {
  const v = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  return v !== undefined && TOKEN_PATTERN.test(v) ? v : undefined;
}

/**
 * The principal of a request signed in by cookie; undefined without a session cookie. An unsafe method must
 * carry the session's CSRF token in `X-CSRF-Token`, or it is refused before anything else is read.
 */
export async function cookiePrincipal(
  staff: StaffPorts,
  req: FastifyRequest,
): Promise<Principal | undefined> {
  const token = cookieToken(req);
  if (token === undefined) return undefined;
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameToken(sent, csrfTokenOf(token))) throw new ApiError('AUTH_CSRF');
  }
  return staffPrincipal(staff, token);
}

function setSessionCookies(reply: FastifyReply, req: FastifyRequest, token: string, maxAgeSeconds: number) {
  const secure = isHttps(req);
  reply.header('set-cookie', [
    cookie(SESSION_COOKIE, token, { httpOnly: true, secure, maxAgeSeconds }),
    cookie(CSRF_COOKIE, csrfTokenOf(token), { httpOnly: false, secure, maxAgeSeconds }),
  ]);
}

function clearCookies(reply: FastifyReply, req: FastifyRequest) {
  const secure = isHttps(req);
  reply.header('set-cookie', [
    cookie(SESSION_COOKIE, '', { httpOnly: true, secure, maxAgeSeconds: 0 }),
    cookie(CSRF_COOKIE, '', { httpOnly: false, secure, maxAgeSeconds: 0 }),
  ]);
}

const WebUser = Type.Object({
  hospitalId: Type.String(),
  username: Type.String(),
  displayName: StringOrNull,
  role: Type.String(),
  expiresAt: Type.String(),
  idleExpiresAt: Type.String(),
  csrfToken: Type.String(),
});

/** POST/GET/DELETE /v1/auth/web-session: sign in with a cookie, who the cookie is, sign out. */
export function webSessionRoutes(app: App, ctx: ServerContext): void {
  const { staff } = ctx;
  const tags = ['staff'];

  signInRoute(
    app,
    staff,
    '/v1/auth/web-session',
    {
      summary: 'Sign in for the workbench: the session travels in an HttpOnly, SameSite=Strict cookie',
      description:
        'Same accounts, lock-out and expiry as POST /v1/auth/sessions. The answer carries the CSRF token every unsafe request of the page must send in X-CSRF-Token (also set in the readable ledger_csrf cookie).',
    },
    WebUser,
    (outcome, req, reply) => {
      const now = staff.now().getTime();
      setSessionCookies(reply, req, outcome.token, (outcome.expiresAt.getTime() - now) / 1000);
      return {
        hospitalId: outcome.hospitalId,
        username: outcome.username,
        displayName: outcome.displayName,
        role: outcome.role,
        expiresAt: outcome.expiresAt.toISOString(),
        idleExpiresAt: new Date(Math.min(now + outcome.idleMs, outcome.expiresAt.getTime())).toISOString(),
        csrfToken: csrfTokenOf(outcome.token),
      };
    },
  );

  app.get(
    '/v1/auth/web-session',
    route(
      undefined,
      tags,
      'Who the workbench cookie signs in as (401 when it is missing or the session ended)',
      {
        security: [],
        200: WebUser,
      },
    ),
    async (req, reply) => {
      const token = cookieToken(req);
      if (token === undefined) throw new ApiError('AUTH_MISSING');
      const check = await authenticateSession(staff, token);
      if (!check.ok) {
        clearCookies(reply, req);
        throw new ApiError(check.reason === 'unknown' ? 'AUTH_BAD_TOKEN' : 'AUTH_SESSION_ENDED');
      }
      const s = check.session;
      return {
        ...pick(s, 'hospitalId', 'username', 'displayName', 'role'),
        expiresAt: s.expiresAt.toISOString(),
        idleExpiresAt: s.idleExpiresAt.toISOString(),
        csrfToken: csrfTokenOf(token),
      };
    },
  );

  app.delete(
    '/v1/auth/web-session',
    route('staff', tags, 'Sign out of the workbench: the session ends and the cookies are cleared', {
      204: Type.Null(),
    }),
    async (req, reply) => {
      const c = requestContext(req);
      const token = cookieToken(req);
      if (token !== undefined) await signOut(staff, token, { actor: c.actor, ...c.exec() });
      clearCookies(reply, req);
      return reply.code(204).send(null);
    },
  );
}
