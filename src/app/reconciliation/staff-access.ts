// Which staff roles may do what in reconciliation, for every edge (HTTP gates its routes with it, the CLI
// checks its acting user against it): read (auditors included), work (clerks and supervisors: import,
// reconcile, assign, comment, propose, accept, close, reopen), check (supervisors: approve or reject a
// money-moving resolution proposed by someone else). Administrators manage; they read but do not work the books.
import { refuse } from '../../domain/reconciliation/refusals.ts';

export const FINANCE_PERMISSIONS = {
  read: ['finance-clerk', 'finance-supervisor', 'auditor', 'administrator'],
  work: ['finance-clerk', 'finance-supervisor'],
  check: ['finance-supervisor'],
} as const satisfies Record<string, readonly string[]>;

export type FinancePermission = keyof typeof FINANCE_PERMISSIONS;

export function staffMay(role: string, permission: FinancePermission): boolean {
  return (FINANCE_PERMISSIONS[permission] as readonly string[]).includes(role);
}

/** STAFF_ROLE_FORBIDDEN unless the role has the permission. */
export function assertStaffMay(role: string, permission: FinancePermission): void {
  if (!staffMay(role, permission)) throw refuse('STAFF_ROLE_FORBIDDEN', { role, needs: permission });
}
