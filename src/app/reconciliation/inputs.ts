// What a run feeds the matcher: the platform movements of the window (typed read model query, keyset pages) and
// the imported statements' lines (their events, batch by batch). Reading only: the rules are the domain's.
import { type EventStore, type ReadStreamResult, streamId } from '../../domain/event-store.ts';
import type { StatementImportStarted } from '../../domain/reconciliation/events.ts';
import type { Matcher } from '../../domain/reconciliation/matching.ts';
import { isColumnBatch } from '../../domain/reconciliation/line-columns.ts';
import {
  columnRows,
  type HeldStatement,
  type LineRows,
  objectRows,
} from '../../domain/reconciliation/line-rows.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import type { DayWindow } from '../../domain/reconciliation/window.ts';
import type { AnyDb } from '../../projections/projection.ts';
import { movementColumns, PLATFORM_PAGE } from '../../projections/reconciliation/movements.ts';
import type { StatementRow } from '../../projections/reconciliation/queries.ts';
import { decoderOf, type ReconciliationPorts, type StatementBatchDecoder } from './ports.ts';

/** Statement line events read per store call while matching (each ≤ 1 MiB; the next is read meanwhile). */
export const LINE_EVENTS_PAGE = 2;

/** Indexes the window's platform movements in the matcher, a page of columns at a time (the next is read meanwhile). */
export async function indexPlatform(
  db: AnyDb,
  q: { hospitalId: string; channel: string; window: DayWindow },
  m: Matcher,
): Promise<number> {
  const page = (after: string) => movementColumns(db, { ...q, after });
  let pending = page('');
  let n = 0;
  for (;;) {
    const c = await pending;
    const full = c.count === PLATFORM_PAGE;
    if (full) pending = page(c.last!);
    for (let i = 0; i < c.count; i++) {
      const kind = c.kind[i]!;
      const ref = c.movementId?.[i] ?? null;
      const refundNo = c.refundNo?.[i] ?? null;
      const txn = c.channelTxnId?.[i] ?? null;
      if (kind === 'settlement') {
        // The query leaves out only the ids a payment's or refund's key gives: a settlement's is always there.
        m.addSettlement({ ref: ref!, amount: c.amount[i]!, party: 'platform' });
        continue;
      }
      m.addMovement(
        {
          kind,
          merchantOrderNo: c.merchantOrderNo[i]!,
          refundNo: refundNo ?? undefined,
          channelTxnId: txn ?? undefined,
          channelRefundId: c.channelRefundId?.[i] ?? undefined,
          amount: c.amount[i]!,
          ...(ref !== null ? { ref } : {}),
          surplus: c.surplus[i]!,
          hisStatus: c.hisStatus?.[i] ?? null,
        },
        c.core[i] ? 'core' : 'edge',
        c.atMs[i]!,
      );
      n++;
    }
    if (!full) return n;
  }
}

/**
 * The line batches of an imported statement as stored, each with its StatementImportStarted; the next page of
 * events is read while the current one is matched.
 */
async function* lineBatches(
  store: EventStore,
  hospitalId: string,
  statementId: string,
): AsyncGenerator<{ head: StatementImportStarted['data']; data: Record<string, unknown> }> {
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
        else if (e.type === 'StatementLinesImported' && head) yield { head, data: e.data };
      }
    }
  } finally {
    await next?.catch(() => {});
  }
}

/** The lines of an imported statement, batch by batch, whichever encoding they were stored in. */
export async function* statementLines(
  store: EventStore,
  decodeLines: StatementBatchDecoder,
  hospitalId: string,
  statementId: string,
): AsyncGenerator<{ head: StatementImportStarted['data']; lines: StatementLine[] }> {
  for await (const { head, data } of lineBatches(store, hospitalId, statementId))
    yield { head, lines: decodeLines(data, head) };
}

/**
 * The lines of an imported statement as the matcher reads them, batch by batch: from memory when this job has
 * just imported it (`held`, the same file by its SHA-256), else read back from its events; a columnar batch is
 * read in place (no line objects) unless the ports bring their own decoder.
 */
export async function* statementRows(
  ports: ReconciliationPorts,
  hospitalId: string,
  s: StatementRow,
  held: readonly HeldStatement[] = [],
): AsyncGenerator<LineRows> {
  const mine = held.find((h) => h.statementId === s.statement_id && h.sha256 === s.sha256);
  if (mine) {
    for (const b of mine.batches) yield columnRows(b, mine.party);
    return;
  }
  const decode = decoderOf(ports);
  for await (const { head, data } of lineBatches(ports.store, hospitalId, s.statement_id))
    yield !ports.decodeLines && isColumnBatch(data)
      ? columnRows(data, head.party)
      : objectRows(decode(data, head));
}
