// The staff user a CLI command acts as: `--user NAME --hospital H` (password typed at a prompt, or the first
// line of stdin with --password-stdin), else the session saved by `ledger login` (or LEDGER_SESSION). Every
// command that changes something records this user as the actor and `cli:<os user>@<host>` as the address.
import type { Database } from '../adapters/db/database.ts';
import { createLogger } from '../adapters/log.ts';
import type { CommandContext } from '../app/execute.ts';
import { type StaffPorts, signInPolicyFromEnv, staffPortsOf } from '../app/staff/ports.ts';
import { authenticateSession, signIn, signOut } from '../app/staff/sessions.ts';
import type { Actor } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import type { StaffRole } from '../domain/staff/index.ts';
import { cliAddress, SecretReader, SESSION_ENV, savedToken } from './credentials.ts';
import type { CliIo } from './main.ts';

/** Exit code of a CLI command refused for who runs it (sign-in failed, session ended, role not allowed). */
export const EX_NOPERM = 77;

/** The options that name the acting user (or leave it to the saved session), with --json and -h/--help. */
export const ACTOR_OPTIONS = {
  user: { type: 'string' },
  hospital: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class CliAuthError extends Error {
  readonly exitCode = EX_NOPERM;
}

export interface CliActor {
  /** The staff user's id (their username): what events record as the actor. */
  userId: string;
  username: string;
  displayName: string;
  hospitalId: string;
  role: StaffRole;
  /** `cli:<os user>@<host>`. */
  address: string;
  /** The session acted under. */
  sessionId: string;
  /** The actor for commands, and the context carrying who and from where. */
  actor: Actor;
  context: CommandContext;
}

export interface CliActorFlags {
  user?: string | undefined;
  hospital?: string | undefined;
  'password-stdin'?: boolean | undefined;
}

/** The staff ports the CLI runs on (the same use cases as the bus, the wall clock, the policy from env). */
export function cliStaffPorts(ledger: { database: Database; store: EventStore }, io: CliIo): StaffPorts {
  return staffPortsOf(
    {
      store: ledger.store,
      db: ledger.database.db,
      now: () => new Date(),
      logger: createLogger({ name: 'cli', destination: io.stderr, level: 'warn' }),
    },
    ledger.database,
    { policy: signInPolicyFromEnv(io.env) },
  );
}

function actorOf(
  s: { username: string; displayName: string; hospitalId: string; role: StaffRole; sessionId: string },
  address: string,
): CliActor {
  const actor: Actor = { kind: 'staff', id: s.username };
  return {
    userId: s.username,
    username: s.username,
    displayName: s.displayName,
    hospitalId: s.hospitalId,
    role: s.role,
    address,
    sessionId: s.sessionId,
    actor,
    context: { actor, metadata: { address } },
  };
}

/**
 * Who runs this command. With `--user`, signs in (recorded like any sign-in, lock-out included) and signs out
 * again at once: the command acts under that short session. Without, the saved session must still be valid.
 */
export async function resolveCliActor(
  ledger: { database: Database; store: EventStore },
  flags: CliActorFlags,
  io: CliIo,
  options: { staff?: StaffPorts; reader?: SecretReader } = {},
): Promise<CliActor> {
  const staff = options.staff ?? cliStaffPorts(ledger, io);
  const address = cliAddress();
  const hospital = flags.hospital ?? io.env.LEDGER_HOSPITAL;
  if (flags.user) {
    if (!hospital) throw new CliAuthError('--user needs --hospital (or LEDGER_HOSPITAL)');
    const reader = options.reader ?? new SecretReader(io);
    const password = await reader.secret(`password of ${flags.user}`, flags['password-stdin'] === true);
    const outcome = await signIn(staff, { hospitalId: hospital, username: flags.user, password, address });
    if (!outcome.ok)
      throw new CliAuthError(
        'sign-in failed: wrong username or password, or the account is locked or disabled',
      );
    await signOut(staff, outcome.token, {
      actor: { kind: 'staff', id: outcome.username },
      metadata: { address },
    });
    return actorOf(outcome, address);
  }
  const token = await savedToken(io.env);
  if (!token)
    throw new CliAuthError(`not signed in: run \`ledger login\`, set ${SESSION_ENV}, or pass --user`);
  const check = await authenticateSession(staff, token);
  if (!check.ok)
    throw new CliAuthError(
      check.reason === 'unknown'
        ? 'the saved session is not known: run `ledger login` again'
        : `the saved session has ended (${check.reason}): run \`ledger login\` again`,
    );
  const s = check.session;
  if (hospital && hospital !== s.hospitalId)
    throw new CliAuthError(`the saved session is for hospital ${s.hospitalId}, not ${hospital}`);
  return actorOf(s, address);
}
