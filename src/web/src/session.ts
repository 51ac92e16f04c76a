import { createContext, useContext } from 'react';

export interface User {
  hospitalId: string;
  username: string;
  displayName: string | null;
  role: string;
  expiresAt: string;
  idleExpiresAt: string;
  csrfToken: string;
}

export const UserContext = createContext<User | null>(null);

export function useUser(): User {
  const u = useContext(UserContext);
  if (!u) throw new Error('not signed in');
  return u;
}

export const may = {
  work: (u: User) => u.role === 'finance-clerk' || u.role === 'finance-supervisor',
  check: (u: User) => u.role === 'finance-supervisor',
  admin: (u: User) => u.role === 'administrator',
  audit: (u: User) => u.role === 'auditor' || u.role === 'administrator',
  configure: (u: User) => u.role !== 'auditor',
};

/** Today in the hospitals' zone (Asia/Shanghai), yyyy-MM-dd. */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

export function addDays(date: string, n: number): string {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() + n * 86_400_000).toISOString().slice(0, 10);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(d);
}
