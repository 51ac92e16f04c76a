// Staff bearer tokens that are sessions (`lsk_…`) resolve here to the same Principal every route reads: the
// session's user with the role the account has now. An ended session is refused with why it ended.
import type { StaffPorts } from '../app/staff/ports.ts';
import { authenticateSession, TOKEN_PATTERN } from '../app/staff/sessions.ts';
import { ApiError } from './errors.ts';
import type { Principal } from './principal.ts';

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
