// `ledger users …`, `ledger login`, `ledger logout`: staff accounts from the command line, through the same use
// cases as the HTTP API. Passwords are typed at a prompt or piped in (--password-stdin), never in argv.
import { parseArgs } from 'node:util';
import { strings } from './args.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import type { CommandContext } from '../app/execute.ts';
import * as accounts from '../app/staff/accounts.ts';
import type { StaffPorts } from '../app/staff/ports.ts';
import { authenticateSession, signIn, signOut } from '../app/staff/sessions.ts';
import { UPCASTERS } from '../domain/events.ts';
import type { HospitalId } from '../domain/ids.ts';
import { Refusal } from '../domain/rejection.ts';
import { checkUsername, isStaffRole, STAFF_ROLES, type StaffAccount } from '../domain/staff/index.ts';
import { ACTOR_OPTIONS, CliAuthError, cliStaffPorts, EX_NOPERM, resolveCliActor } from './actor.ts';
import {
  cliAddress,
  forgetSession,
  SESSION_ENV,
  SESSION_FILE_ENV,
  SecretReader,
  savedToken,
  saveSession,
  sessionFilePath,
  UsageError,
} from './credentials.ts';
import type { CliIo } from './main.ts';

export const EX_USAGE = 64;
/** A refusal of the data (an invalid name or password, a taken username, an unknown user). */
export const EX_DATAERR = 65;

const EXIT_CODES = `Exit codes: 0 done; 1 unexpected failure (database unreachable…); 64 usage (unknown option,
missing argument, no terminal for a prompt); 65 refused (invalid or taken username, short password, unknown
user, self lock-out); 77 not permitted (sign-in failed, session ended, not an administrator of the hospital).`;

const ACTING = `Acting user: the session of \`ledger login\` (or ${SESSION_ENV}), or --user NAME --hospital H with
its password at a prompt (with --password-stdin: the first line of stdin, before any new password).`;

const HELP: Record<string, string> = {
  users: `ledger users <add|list|show|disable|enable|set-password|set-role|revoke-sessions> [options]

Staff accounts of a hospital (finance clerks, supervisors, auditors, administrators). Every change is an event
recording who did it, when and from where (cli:<os user>@<host>). Only administrators of the hospital may run
these; the first administrator of a hospital is created by \`ledger users add --role administrator\` while the
hospital has none.

  add --username U --role R [--display-name N] [--password-stdin]   create a user (password typed or piped)
  list [--json]                                                      the hospital's users
  show U [--json]                                                    one user and their active sessions
  disable U --reason TEXT                                            refuse sign-in; revoke every session
  enable U --reason TEXT                                             allow sign-in again
  set-password U [--password-stdin]                                  new password; revokes the user's sessions
  set-role U --role R                                                takes effect on the user's next request
  revoke-sessions U [--reason TEXT]                                  end every session of the user

Roles: ${STAFF_ROLES.join(', ')}.
Common options: --hospital H (or LEDGER_HOSPITAL; default: the acting session's hospital), --user NAME.
${ACTING}

${EXIT_CODES}`,
  login: `ledger login --hospital H --username U [--password-stdin]

Signs in and keeps the session token in ${'$'}XDG_CONFIG_HOME/ledger/session.json (~/.config/ledger/session.json;
${SESSION_FILE_ENV} overrides), readable only by you (mode 0600). Later commands act as this user until the
session expires (idle or absolute limit) or \`ledger logout\`. Prints the token with --print-token (for
${SESSION_ENV}) instead of saving it.

${EXIT_CODES}`,
  logout: `ledger logout

Ends the saved session (also on the server side: the token stops working) and removes the session file.

${EXIT_CODES}`,
};

const SUBCOMMAND_OPTIONS = {
  add: {
    ...ACTOR_OPTIONS,
    ...strings('username', 'role', 'display-name'),
  },
  list: ACTOR_OPTIONS,
  show: ACTOR_OPTIONS,
  disable: { ...ACTOR_OPTIONS, reason: { type: 'string' } },
  enable: { ...ACTOR_OPTIONS, reason: { type: 'string' } },
  'set-password': ACTOR_OPTIONS,
  'set-role': { ...ACTOR_OPTIONS, role: { type: 'string' } },
  'revoke-sessions': { ...ACTOR_OPTIONS, reason: { type: 'string' } },
} as const;

type Sub = keyof typeof SUBCOMMAND_OPTIONS;
const isSub = (s: string | undefined): s is Sub => s !== undefined && s in SUBCOMMAND_OPTIONS;

/** Runs a command body, mapping its failures to exit codes with one line on stderr. */
async function guarded(io: CliIo, name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`ledger ${name}: ${error.message}\n(ledger ${name.split(' ')[0]} --help)\n`);
      return EX_USAGE;
    }
    if (error instanceof CliAuthError) {
      io.stderr.write(`ledger ${name}: ${error.message}\n`);
      return EX_NOPERM;
    }
    if (error instanceof Refusal) {
      const details = Object.entries(error.details)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('; ');
      io.stderr.write(
        `ledger ${name}: ${error.code}: ${error.messageIn('en')}${details ? ` (${details})` : ''}\n`,
      );
      return EX_DATAERR;
    }
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error instanceof TypeError) {
      io.stderr.write(`ledger ${name}: ${(error as Error).message}\n`);
      return EX_USAGE;
    }
    throw error;
  }
}

async function withStaff<T>(
  io: CliIo,
  run: (staff: StaffPorts, ledger: Parameters<typeof cliStaffPorts>[0]) => Promise<T>,
) {
  const ledger = await openLedger(configFromEnv(io.env), { migrate: true, upcasters: UPCASTERS });
  try {
    return await run(cliStaffPorts(ledger, io), ledger);
  } finally {
    await ledger.close();
  }
}

function when(d: Date | null): string {
  return d ? d.toISOString().replace('.000Z', 'Z') : '-';
}

function stateOf(a: StaffAccount, now: Date): string {
  if (a.disabled) return 'disabled';
  if (a.lockedUntil && a.lockedUntil > now) return `locked until ${when(a.lockedUntil)}`;
  return 'active';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function accountJson(a: StaffAccount) {
  return {
    ...a,
    lockedUntil: a.lockedUntil?.toISOString() ?? null,
    lastSignInAt: a.lastSignInAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

export async function usersCommand(argv: string[], io: CliIo): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`${HELP.users}\n`);
    return sub === undefined ? EX_USAGE : 0;
  }
  if (!isSub(sub)) {
    io.stderr.write(`ledger users: unknown subcommand "${sub}"\n\n${HELP.users}\n`);
    return EX_USAGE;
  }
  return guarded(io, `users ${sub}`, async () => {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: SUBCOMMAND_OPTIONS[sub],
      allowPositionals: true,
      strict: true,
    });
    const v = values as Record<string, string | boolean | undefined>;
    if (v.help) {
      io.stdout.write(`${HELP.users}\n`);
      return 0;
    }
    const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
    const fromStdin = v['password-stdin'] === true;
    const reader = new SecretReader(io);
    const target =
      sub === 'list'
        ? ''
        : sub === 'add'
          ? need(str('username'), '--username')
          : need(positionals[0], 'USERNAME');
    if (sub === 'add' || sub === 'set-role') {
      const role = need(str('role'), '--role');
      if (!isStaffRole(role)) throw new UsageError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
    }
    if (sub === 'disable' || sub === 'enable') need(str('reason'), '--reason');
    if (sub !== 'list') checkUsername(target.toLowerCase());

    return withStaff(io, async (staff, ledger) => {
      const now = staff.now();
      // Who acts: an administrator of the hospital, or nobody yet when this creates the hospital's first one.
      let hospitalId = str('hospital') ?? io.env.LEDGER_HOSPITAL;
      let context: CommandContext;
      const bootstrap =
        sub === 'add' &&
        str('role') === 'administrator' &&
        str('user') === undefined &&
        hospitalId !== undefined &&
        !(await accounts.listStaffUsers(staff, hospitalId)).some(
          (a) => a.role === 'administrator' && !a.disabled,
        );
      if (bootstrap) {
        context = { actor: { kind: 'system', id: 'cli-bootstrap' }, metadata: { address: cliAddress() } };
      } else {
        const actor = await resolveCliActor(
          ledger,
          { user: str('user'), hospital: hospitalId, 'password-stdin': fromStdin },
          io,
          { staff, reader },
        );
        if (actor.role !== 'administrator')
          throw new CliAuthError(`${actor.username} is ${actor.role}: only an administrator manages users`);
        hospitalId = actor.hospitalId;
        context = actor.context;
      }
      const h = need(hospitalId, '--hospital') as HospitalId;
      const username = target.toLowerCase();
      const exists = async () => {
        const a = await staff.directory.account(h, username);
        if (!a) throw new UsageError(`no user ${username} in hospital ${h}`);
        return a;
      };
      switch (sub) {
        case 'add': {
          const password = await reader.secret(`password for ${username}`, fromStdin);
          if (!fromStdin && (await reader.prompt('the same password again')) !== password)
            throw new UsageError('the two passwords differ');
          const a = await accounts.createStaffUser(
            staff,
            {
              hospitalId: h,
              username,
              displayName: str('display-name') ?? username,
              role: str('role') as StaffAccount['role'],
              password,
            },
            context,
          );
          io.stdout.write(
            v.json ? `${JSON.stringify(accountJson(a))}\n` : `created ${a.username} (${a.role}) in ${h}\n`,
          );
          return 0;
        }
        case 'list': {
          const users = await accounts.listStaffUsers(staff, h);
          if (v.json) {
            for (const a of users) io.stdout.write(`${JSON.stringify(accountJson(a))}\n`);
            return 0;
          }
          io.stdout.write(
            table([
              ['USERNAME', 'ROLE', 'STATE', 'LAST SIGN-IN', 'NAME'],
              ...users.map((a) => [a.username, a.role, stateOf(a, now), when(a.lastSignInAt), a.displayName]),
            ]),
          );
          return 0;
        }
        case 'show': {
          const a = await exists();
          const sessions = await staff.directory.activeSessions(h, username, now);
          if (v.json) {
            io.stdout.write(`${JSON.stringify({ ...accountJson(a), sessions })}\n`);
            return 0;
          }
          io.stdout.write(
            `${a.username} (${a.displayName}) ${a.role}, ${stateOf(a, now)}; last sign-in ${when(a.lastSignInAt)}\n`,
          );
          for (const s of sessions)
            io.stdout.write(
              `  session ${s.sessionId} from ${s.address}, since ${when(s.createdAt)}, ends by ${when(s.expiresAt)}\n`,
            );
          return 0;
        }
        case 'disable':
          await exists();
          await accounts.disableStaffUser(
            staff,
            { hospitalId: h, username, reason: str('reason')! },
            context,
          );
          io.stdout.write(`disabled ${username}; their sessions are revoked\n`);
          return 0;
        case 'enable':
          await exists();
          await accounts.enableStaffUser(staff, { hospitalId: h, username, reason: str('reason')! }, context);
          io.stdout.write(`enabled ${username}\n`);
          return 0;
        case 'set-password': {
          await exists();
          const password = await reader.secret(`new password for ${username}`, fromStdin);
          if (!fromStdin && (await reader.prompt('the same password again')) !== password)
            throw new UsageError('the two passwords differ');
          await accounts.resetStaffPassword(staff, { hospitalId: h, username, password }, context);
          io.stdout.write(`password of ${username} set; their sessions are revoked\n`);
          return 0;
        }
        case 'set-role': {
          await exists();
          const a = await accounts.changeStaffRole(
            staff,
            { hospitalId: h, username, role: str('role') as StaffAccount['role'] },
            context,
          );
          io.stdout.write(`${username} is now ${a.role}\n`);
          return 0;
        }
        case 'revoke-sessions': {
          await exists();
          const ids = await accounts.revokeAllSessions(
            staff,
            { hospitalId: h, username, reason: str('reason') ?? 'revoked by an administrator' },
            context,
          );
          io.stdout.write(`${ids.length} session(s) of ${username} revoked\n`);
          return 0;
        }
      }
    });
  });
}

export async function loginCommand(argv: string[], io: CliIo): Promise<number> {
  return guarded(io, 'login', async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        hospital: { type: 'string' },
        username: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        'print-token': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      io.stdout.write(`${HELP.login}\n`);
      return 0;
    }
    const hospitalId = need(values.hospital ?? io.env.LEDGER_HOSPITAL, '--hospital');
    const username = need(values.username, '--username');
    const password = await new SecretReader(io).secret(
      `password of ${username}`,
      values['password-stdin'] === true,
    );
    return withStaff(io, async (staff) => {
      const outcome = await signIn(staff, { hospitalId, username, password, address: cliAddress() });
      if (!outcome.ok)
        throw new CliAuthError(
          'sign-in failed: wrong username or password, or the account is locked or disabled',
        );
      const expiresAt = outcome.expiresAt.toISOString();
      if (values['print-token']) {
        io.stdout.write(`${outcome.token}\n`);
        return 0;
      }
      const path = await saveSession(io.env, {
        token: outcome.token,
        hospitalId,
        username: outcome.username,
        expiresAt,
      });
      io.stdout.write(
        `signed in as ${outcome.username} (${outcome.role}) at ${hospitalId}; session saved in ${path}, ends by ${expiresAt} (or after ${outcome.idleMs / 60_000} min unused)\n`,
      );
      return 0;
    });
  });
}

export async function logoutCommand(argv: string[], io: CliIo): Promise<number> {
  return guarded(io, 'logout', async () => {
    const { values } = parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      io.stdout.write(`${HELP.logout}\n`);
      return 0;
    }
    const token = await savedToken(io.env);
    if (!token) {
      io.stdout.write('not signed in\n');
      return 0;
    }
    await withStaff(io, async (staff) => {
      const check = await authenticateSession(staff, token);
      const actor = check.ok ? check.session.username : 'unknown';
      await signOut(staff, token, {
        actor: { kind: 'staff', id: actor },
        metadata: { address: cliAddress() },
      });
    });
    if (!io.env[SESSION_ENV]) await forgetSession(io.env);
    io.stdout.write(`signed out${io.env[SESSION_ENV] ? '' : ` (removed ${sessionFilePath(io.env)})`}\n`);
    return 0;
  });
}
