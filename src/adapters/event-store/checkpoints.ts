import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

/** Where a store keeps named subscription checkpoints (SubscribeOptions.checkpoint). */
export interface CheckpointStore {
  load(name: string): Promise<bigint | undefined>;
  store(name: string, position: bigint): Promise<void>;
}

/** The checkpoints table of the ledger database (PostgreSQL or PGlite). */
export function sqlCheckpoints(database: Database): CheckpointStore {
  return {
    async load(name) {
      const { rows } = await sql<{
        position: string;
      }>`SELECT position::text FROM checkpoints WHERE name = ${name}`.execute(database.db);
      return rows[0] ? BigInt(rows[0].position) : undefined;
    },
    async store(name, position) {
      await sql`
        INSERT INTO checkpoints (name, position) VALUES (${name}, ${position.toString()}::bigint)
        ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`.execute(
        database.db,
      );
    },
  };
}
