// argon2id password hashes through @node-rs/argon2 (argon2id is its default algorithm; the option is left out
// because `Algorithm` is a const enum that is empty at run time under tsx).
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../../domain/staff/index.ts';

export interface Argon2Cost {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). */
export const DEFAULT_ARGON2_COST: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export class Argon2Hasher implements PasswordHasher {
  constructor(private readonly cost: Argon2Cost = DEFAULT_ARGON2_COST) {}

  hash(password: string): Promise<string> {
    return hash(password, this.cost);
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password);
    } catch {
      return false; // a malformed stored hash never signs anyone in
    }
  }
}
