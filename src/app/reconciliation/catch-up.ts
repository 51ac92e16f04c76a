// Catch-up of the read models reconciliation reads, on demand before reading them: the caller need not run
// projection runners (a live runner beside it is fine: each read model's checkpoint is compare-and-set).
import type { BusinessDateOptions } from '../../domain/business-date.ts';
import { applyBatch, createProjectionSchema, readCheckpoint } from '../../projections/checkpoint.ts';
import { readPagesTo } from '../../projections/pages.ts';
import type { Projection } from '../../projections/projection.ts';
import { hisSyncProjection } from '../../projections/read-models/his-sync.ts';
import {
  reconMovementsProjection,
  reconStatementsProjection,
} from '../../projections/reconciliation/movements.ts';
import { reconciliationProjection } from '../../projections/reconciliation/read-models.ts';
import { liveSchema } from '../../projections/runner.ts';
import type { ReconciliationPorts } from './ports.ts';

/** Events read per page when catching read models up (only the types they handle: never the line batches). */
export const CATCH_UP_PAGE = 2_000;

/** Read models reconciliation reads, in the order they are caught up. */
export function reconciliationReadModels(dateOptions: BusinessDateOptions = {}): Projection[] {
  return [
    reconMovementsProjection(dateOptions),
    reconStatementsProjection,
    hisSyncProjection,
    reconciliationProjection,
  ];
}

/**
 * Brings the given read models up to the store's head in one pass over the events (read once for all of them).
 * Each projection keeps its own CAS checkpoint, so a live runner may run too.
 */
export async function catchUp(
  ports: Pick<ReconciliationPorts, 'store' | 'db' | 'dateOptions'>,
  projections: readonly Projection[] = reconciliationReadModels(ports.dateOptions),
  onProgress?: (events: number) => void,
): Promise<void> {
  const { db, store } = ports;
  const schemas = projections.map((p) => liveSchema(p));
  const positions: bigint[] = [];
  for (const [i, p] of projections.entries()) {
    const at = await readCheckpoint(db, schemas[i]!);
    if (at === undefined) await createProjectionSchema(db, p, schemas[i]!);
    positions.push(at ?? 0n);
  }
  const head = await store.headPosition();
  // Only the event types the read models handle are read (gap-safe, `scannedTo` says how far it looked): the
  // statement line batches, most of the bytes in the store, are never read here.
  const types = [...new Set(projections.flatMap((p) => [...p.handles]))];
  // biome-ignore lint/complexity/useMathMinMax: positions are bigints (Math.min takes numbers)
  const lowest = () => positions.reduce((a, b) => (a < b ? a : b));
  let seen = 0;
  await readPagesTo(
    (after) => store.readAllPage({ after, maxCount: CATCH_UP_PAGE, types }),
    lowest(),
    head,
    async (events, upTo) => {
      for (const [i, p] of projections.entries()) {
        if (positions[i]! >= upTo) continue;
        const slice = events.filter((e) => e.position > positions[i]!);
        if (await applyBatch(db, p, schemas[i]!, slice, positions[i]!, upTo)) positions[i] = upTo;
        // Another runner moved it: continue from where it is now.
        else positions[i] = (await readCheckpoint(db, schemas[i]!)) ?? 0n;
      }
      seen += events.length;
      onProgress?.(seen);
      return lowest();
    },
  );
}
