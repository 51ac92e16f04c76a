// What a run feeds the matcher: the platform movements of the window (typed read model query, keyset pages) and
// the imported statements' lines (their events, batch by batch). Reading only: the rules are the domain's.
import { type EventStore, type ReadStreamResult, streamId } from '../../domain/event-store.ts';
import type { StatementImportStarted } from '../../domain/reconciliation/events.ts';
import type { Matcher } from '../../domain/reconciliation/matching.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import type { DayWindow } from '../../domain/reconciliation/window.ts';
import type { AnyDb } from '../../projections/projection.ts';
import {
  PLATFORM_PAGE,
  type PlatformMovementRow,
  platformMovementsPage,
} from '../../projections/reconciliation/queries.ts';
import type { StatementBatchDecoder } from './ports.ts';

/** Statement line events read per store call while matching (each ≤ 1 MiB; the next is read meanwhile). */
export const LINE_EVENTS_PAGE = 2;

/**
 * A movement's id. The query leaves out the ids a movement's key gives (a million payments' `pay:<txn id>`
 * need not cross the wire, nor be built as strings twice); the matcher keeps no id it can derive either.
 */
function movementIdOf(r: PlatformMovementRow): string {
  if (r.movement_id !== null) return r.movement_id;
  return r.kind === 'payment' ? `pay:${r.channel_txn_id}` : `refund:${r.refund_no}`;
}

/** Indexes the window's platform movements in the matcher; the next page is read while one is indexed. */
export async function indexPlatform(
  db: AnyDb,
  q: { hospitalId: string; channel: string; window: DayWindow },
  m: Matcher,
): Promise<number> {
  const page = (after: string) => platformMovementsPage(db, { ...q, after });
  let pending = page('');
  let n = 0;
  for (;;) {
    const rows = await pending;
    const full = rows.length === PLATFORM_PAGE;
    if (full) pending = page(movementIdOf(rows.at(-1)!));
    for (const r of rows) {
      if (r.kind === 'settlement') {
        m.addSettlement({ ref: movementIdOf(r), amount: r.amount, party: 'platform' });
        continue;
      }
      m.addMovement(
        {
          kind: r.kind,
          merchantOrderNo: r.merchant_order_no,
          refundNo: r.refund_no ?? undefined,
          channelTxnId: r.channel_txn_id ?? undefined,
          channelRefundId: r.channel_refund_id ?? undefined,
          amount: r.amount,
          ...(r.movement_id !== null ? { ref: r.movement_id } : {}),
          surplus: r.surplus,
          hisStatus: r.his_status,
        },
        r.core ? 'core' : 'edge',
        r.at_ms,
      );
      n++;
    }
    if (!full) return n;
  }
}

/**
 * The lines of an imported statement, batch by batch, whichever encoding they were stored in; the next page of
 * events is read while the current one is matched.
 */
export async function* statementLines(
  store: EventStore,
  decodeLines: StatementBatchDecoder,
  hospitalId: string,
  statementId: string,
): AsyncGenerator<{ head: StatementImportStarted['data']; lines: StatementLine[] }> {
  const stream = streamId(hospitalId, 'statement', statementId);
  let head: StatementImportStarted['data'] | undefined;
  const read = (from: number) => store.readStream(stream, { fromVersion: from, maxCount: LINE_EVENTS_PAGE });
  let next: Promise<ReadStreamResult> | undefined = read(1);
  try {
    while (next) {
      const r: ReadStreamResult = await next;
      next = r.events.length === LINE_EVENTS_PAGE ? read(r.events.at(-1)!.streamVersion + 1) : undefined;
      for (const e of r.events) {
        if (e.type === 'StatementImportStarted') head = e.data as unknown as StatementImportStarted['data'];
        else if (e.type === 'StatementLinesImported' && head)
          yield { head, lines: decodeLines(e.data, head) };
      }
    }
  } finally {
    await next?.catch(() => {});
  }
}
