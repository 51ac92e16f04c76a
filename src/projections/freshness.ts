import { readCheckpointRow } from './checkpoint.ts';
import type { ReadDb } from './database.ts';

export interface Freshness {
  /** Last event position the read model applied. */
  position: bigint;
  /** Events in the store it has not applied yet. */
  lag: bigint;
  /** Code version that built the read model (undefined before its schema exists). */
  version: number | undefined;
}

/** How far a read model (by its schema) has applied the store, whose head the caller read once. */
export async function readModelFreshness(db: ReadDb, schema: string, head: bigint): Promise<Freshness> {
  const checkpoint = await readCheckpointRow(db, schema);
  const position = checkpoint?.position ?? 0n;
  return { position, lag: head > position ? head - position : 0n, version: checkpoint?.version };
}
