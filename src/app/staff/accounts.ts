// Staff account use cases: create, change role, disable, enable, reset password, list. Each runs the account's
// command through the one command path, then writes the account's new state to the directory (kept only if
// newer), so the per-request session check sees a role change or a disabling at once.
import { loadStream } from '../load.ts';
import type { HospitalId } from '../../domain/ids.ts';
import {
  checkPassword,
  type StaffAccount,
  type StaffCommand,
  type StaffRole,
  type StaffUserState,
  staffUserDecider,
  staffUserStreamId,
} from '../../domain/staff/index.ts';
import { type CommandContext, execute } from '../execute.ts';
import type { StaffPorts } from './ports.ts';

/** A user's current state, read from the stream (always current). */
export async function loadStaffUser(
  ports: Pick<StaffPorts, 'store'>,
  hospitalId: string,
  username: string,
): Promise<{ state: StaffUserState; version: number }> {
  const { state, version } = await loadStream(
    ports.store,
    staffUserStreamId(hospitalId, username),
    staffUserDecider,
  );
  return { state, version };
}

export function accountOf(
  hospitalId: string,
  state: StaffUserState,
  version: number,
  at: Date,
): StaffAccount {
  return {
    hospitalId,
    username: state.username,
    displayName: state.displayName,
    role: state.role,
    disabled: state.disabled,
    failures: state.failures,
    lockedUntil: state.lockedUntil === null ? null : new Date(state.lockedUntil),
    lastSignInAt: null,
    createdAt: at,
    updatedAt: at,
    version,
  };
}

/** Runs one account command and brings the directory's copy up to the stream's version. */
export async function runStaffCommand(ports: StaffPorts, command: StaffCommand, ctx: CommandContext) {
  const result = await execute(ports, staffUserDecider, command, ctx);
  if (result.state.exists)
    await ports.directory.saveAccount(
      accountOf(command.hospitalId, result.state, result.version, command.at),
    );
  return result;
}

interface AccountCommandBase {
  hospitalId: HospitalId;
  username: string;
}

/** Ends every session of a user and records which ones ended. */
export async function revokeAllSessions(
  ports: StaffPorts,
  input: AccountCommandBase & { reason: string },
  ctx: CommandContext,
): Promise<string[]> {
  const at = ports.now();
  const ids = await ports.directory.revokeUserSessions(input.hospitalId, input.username, at, input.reason);
  await runStaffCommand(
    ports,
    { type: 'RevokeStaffSessions', ...input, sessionIds: ids, at, actor: ctx.actor },
    ctx,
  );
  return ids;
}

export async function createStaffUser(
  ports: StaffPorts,
  input: AccountCommandBase & { displayName: string; role: StaffRole; password: string },
  ctx: CommandContext,
): Promise<StaffAccount> {
  checkPassword(input.password);
  const hash = await ports.hasher.hash(input.password);
  const at = ports.now();
  const { hospitalId, username } = input;
  const result = await runStaffCommand(
    ports,
    {
      type: 'CreateStaffUser',
      hospitalId,
      username,
      displayName: input.displayName,
      role: input.role,
      at,
      actor: ctx.actor,
    },
    ctx,
  );
  // A retried creation sets the password only if the first one stopped before it did: a repeat never resets it.
  if (result.events.length > 0 || (await ports.directory.passwordHash(hospitalId, username)) === undefined)
    await ports.directory.setPasswordHash(hospitalId, username, hash, at);
  return (await ports.directory.account(hospitalId, username))!;
}

/** An account change that is its command alone (then `after`, when given), answered with the account as it stands. */
function accountChange<T extends 'ChangeStaffRole' | 'DisableStaffUser' | 'EnableStaffUser'>(
  type: T,
  after?: (ports: StaffPorts, input: AccountCommandBase, ctx: CommandContext) => Promise<unknown>,
) {
  type Fields = Omit<Extract<StaffCommand, { type: T }>, keyof AccountCommandBase | 'type' | 'at' | 'actor'>;
  return async (
    ports: StaffPorts,
    input: AccountCommandBase & Fields,
    ctx: CommandContext,
  ): Promise<StaffAccount> => {
    await runStaffCommand(
      ports,
      { type, ...input, at: ports.now(), actor: ctx.actor } as Extract<StaffCommand, { type: T }>,
      ctx,
    );
    await after?.(ports, input, ctx);
    return (await ports.directory.account(input.hospitalId, input.username))!;
  };
}

export const changeStaffRole = accountChange('ChangeStaffRole');

/** Disables a user: the account refuses sign-in and every request at once; its sessions are revoked. */
export const disableStaffUser = accountChange('DisableStaffUser', (ports, input, ctx) =>
  revokeAllSessions(ports, { ...input, reason: 'user disabled' }, ctx),
);

export const enableStaffUser = accountChange('EnableStaffUser');

/** Sets a new password (clears a lock-out) and ends the user's sessions: whoever held one signs in again. */
export async function resetStaffPassword(
  ports: StaffPorts,
  input: AccountCommandBase & { password: string },
  ctx: CommandContext,
): Promise<StaffAccount> {
  checkPassword(input.password);
  const hash = await ports.hasher.hash(input.password);
  const { hospitalId, username } = input;
  const at = ports.now();
  await runStaffCommand(
    ports,
    { type: 'ChangeStaffPassword', hospitalId, username, at, actor: ctx.actor },
    ctx,
  );
  await ports.directory.setPasswordHash(hospitalId, username, hash, at);
  await revokeAllSessions(ports, { hospitalId, username, reason: 'password reset' }, ctx);
  return (await ports.directory.account(hospitalId, username))!;
}

export function listStaffUsers(
  ports: Pick<StaffPorts, 'directory'>,
  hospitalId: string,
  options: { includeDisabled?: boolean } = {},
): Promise<StaffAccount[]> {
  return ports.directory.accounts({ hospitalId, ...options });
}
