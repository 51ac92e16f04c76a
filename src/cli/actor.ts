// PROVISIONAL: who the `ledger` finance commands act as. This version trusts its flags (or LEDGER_USER,
// LEDGER_HOSPITAL, LEDGER_ROLE): there are no staff accounts or sessions yet. It is replaced by the version
// that reads a signed-in session (`ledger login`) and checks the account; callers keep this signature.
import { STAFF_ROLES } from '../bus/principal.ts';
import type { CliIo } from './main.ts';

export interface CliActor {
  /** The id recorded on events (`<role>:<username>`, as the HTTP edge records a staff token's user). */
  userId: string;
  username: string;
  hospitalId: string;
  role: string;
}

/** Thrown when the acting user cannot be told: the command exits with the usage code. */
export class CliActorError extends Error {
  readonly code = 'ACTOR_REQUIRED';
}

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export async function resolveCliActor(
  options: { user?: string; hospital?: string; role?: string },
  io: CliIo,
): Promise<CliActor> {
  const username = options.user ?? io.env.LEDGER_USER;
  const hospitalId = options.hospital ?? io.env.LEDGER_HOSPITAL;
  const role = options.role ?? io.env.LEDGER_ROLE;
  if (!username || !NAME.test(username))
    throw new CliActorError('name the acting user: --user NAME (or LEDGER_USER)');
  if (!hospitalId || !NAME.test(hospitalId))
    throw new CliActorError('name the hospital: --hospital ID (or LEDGER_HOSPITAL)');
  if (!role || !(STAFF_ROLES as readonly string[]).includes(role))
    throw new CliActorError(`name the role: --role ${STAFF_ROLES.join('|')} (or LEDGER_ROLE)`);
  return { userId: `${role}:${username}`, username, hospitalId, role };
}
