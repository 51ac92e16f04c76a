// Builds a report the way an as-of projection is built: the events of the types it handles, in position
// order, up to a position (the head, or the last one recorded at an as-of instant: the store's positionAt),
// folded by the report's pure definition. The same position always yields the same sheets.
import type { EventStore } from '../domain/event-store.ts';
import { BUILD_BATCH } from '../projections/build.ts';
import { type BuiltReport, MAX_REPORT_ROWS, type ReportDefinition, type ReportParams } from './types.ts';

/** How soon a build looks again when it waits on an append in flight (a hole below the target). */
const HOLE_RETRY_MS = 5;

export interface ReportBuildProgress {
  phase: 'reading';
  position: bigint;
  target: bigint;
  /** Events of the hospital folded so far. */
  events: number;
}

export interface BuildReportOptions {
  store: EventStore;
  definition: ReportDefinition;
  params: ReportParams;
  /** Last position to include; default: the store's head when the build starts. */
  toPosition?: bigint;
  asOf?: Date | null;
  /** The generation time written on the cover (the clock is the caller's). */
  generatedAt: Date;
  batchSize?: number;
  onProgress?: (p: ReportBuildProgress) => void;
}

export class ReportTooLargeError extends Error {
  constructor(
    readonly sheet: string,
    readonly rows: number,
  ) {
    super(`sheet ${sheet} would hold ${rows} rows (at most ${MAX_REPORT_ROWS}): narrow the date range`);
    this.name = 'ReportTooLargeError';
  }
}

export async function buildReport(o: BuildReportOptions): Promise<BuiltReport> {
  const { definition: def, params, store } = o;
  const target = o.toPosition ?? (await store.headPosition());
  const types = [...def.handles];
  let state = def.initial(params);
  let position = 0n;
  let events = 0;
  while (position < target) {
    const page = await store.readAllPage({ after: position, maxCount: o.batchSize ?? BUILD_BATCH, types });
    // biome-ignore lint/complexity/useMathMinMax: positions are bigints
    const upTo = page.scannedTo < target ? page.scannedTo : target;
    if (upTo <= position) {
      if (!page.blocked) break;
      await new Promise((r) => setTimeout(r, HOLE_RETRY_MS));
      continue;
    }
    for (const e of page.events) {
      if (e.position > upTo) break;
      if (e.hospitalId !== params.hospitalId) continue;
      state = def.evolve(state, e, params);
      events++;
    }
    position = upTo;
    o.onProgress?.({ phase: 'reading', position, target, events });
  }
  const sheets = def.sheets(state, params);
  for (const s of sheets)
    if (s.rows.length > MAX_REPORT_ROWS) throw new ReportTooLargeError(s.id, s.rows.length);
  return {
    name: def.name,
    title: def.title,
    params,
    position: target,
    asOf: o.asOf ?? null,
    generatedAt: o.generatedAt,
    events,
    sheets,
  };
}
