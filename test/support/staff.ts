// Staff users for tests: create an account through the use case (recorded like any other) and sign it in over
// HTTP, answering the bearer token. Works with any app built by buildServer on the same database and store.
import type { Database } from '../../src/adapters/db/database.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { createStaffUser } from '../../src/app/staff/accounts.ts';
import { type StaffPorts, staffPortsOf } from '../../src/app/staff/ports.ts';
import type { App } from '../../src/bus/server.ts';
import type { EventStore } from '../../src/domain/event-store.ts';
import type { HospitalId } from '../../src/domain/ids.ts';
import type { StaffRole } from '../../src/domain/staff/index.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface StaffTarget {
  app: App;
  database: Database;
  store: EventStore;
  /** The server's clock (default: now). */
  now?: () => Date;
}

export interface TestStaffUser {
  hospitalId: string;
  username: string;
  password: string;
  role: StaffRole;
  token: string;
  /** `{ authorization: 'Bearer …' }` */
  headers: { authorization: string };
}

export function testStaffPorts(target: Omit<StaffTarget, 'app'>): StaffPorts {
  return staffPortsOf(
    {
      store: target.store,
      db: target.database.db,
      now: target.now ?? (() => new Date()),
      logger: createLogger({ name: 'staff-test', level: 'silent' }),
    },
    target.database,
  );
}

/** Signs a user in over HTTP; answers the status and body of POST /v1/auth/sessions. */
export async function signInOverHttp(
  app: App,
  input: { hospitalId: string; username: string; password: string },
): Promise<{ status: number; body: Record<string, unknown> & { token?: string } }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/sessions',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(input),
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

/** Creates a staff user (if it does not exist yet) and signs in: the bearer token of a fresh session. */
export async function staffUser(
  target: StaffTarget,
  user: { username: string; role: StaffRole; hospitalId?: string; password?: string; displayName?: string },
): Promise<TestStaffUser> {
  const hospitalId = user.hospitalId ?? 'H001';
  const password = user.password ?? TEST_PASSWORD;
  await createStaffUser(
    testStaffPorts(target),
    {
      hospitalId: hospitalId as HospitalId,
      username: user.username,
      displayName: user.displayName ?? user.username,
      role: user.role,
      password,
    },
    { actor: { kind: 'system', id: 'test' } },
  );
  const signed = await signInOverHttp(target.app, { hospitalId, username: user.username, password });
  if (signed.status !== 201 || typeof signed.body.token !== 'string')
    throw new Error(`sign-in of ${user.username} failed: ${signed.status} ${JSON.stringify(signed.body)}`);
  return {
    hospitalId,
    username: user.username,
    password,
    role: user.role,
    token: signed.body.token,
    headers: { authorization: `Bearer ${signed.body.token}` },
  };
}
