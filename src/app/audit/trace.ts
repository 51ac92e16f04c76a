import type { Database } from '../../adapters/db/database.ts';
import {
  type FoundStatementLine,
  findDiscrepanciesMentioning,
  findEventsMentioning,
  findStatementLines,
  MAX_TRACE_EVENTS,
} from '../../adapters/event-store/audit-read.ts';
import { type EventStore, parseStreamId, type RecordedEvent } from '../../domain/event-store.ts';
import { type PostingEvent, postingsFor } from '../../domain/ledger/postings.ts';

// `ledger audit trace ID`: one order, payment, refund, statement line or discrepancy, end to end. The journal
// entries are computed from the events with the posting rules, not read from a read model, so the trace shows
// what the facts imply even when a projection is behind or wrong.

/** Streams read whole: an order's, a discrepancy's and an audit export's story is its stream. */
const WHOLE_STREAM_CATEGORIES = new Set(['order', 'discrepancy', 'audit-export']);
/** A statement line reference as findings carry it: the statement id's first 12 hex digits and the line number. */
const LINE_REF = /^[0-9a-f]{12}:[1-9][0-9]*$/;

export interface TracedEvent {
  position: bigint;
  streamId: string;
  streamVersion: number;
  type: string;
  occurredAt: Date;
  recordedAt: Date;
  actor: string | null;
  channel: string | null;
  device: string | null;
  correlationId: string | null;
  causationId: string | null;
  data: RecordedEvent['data'];
  /** The balanced entry the posting rules give this event; null when it moves no money. */
  journal: { memo: string; lines: { account: string; side: string; amount: string }[] } | null;
  /** Set when the posting rules refuse the event (an invariant it breaks). */
  journalError?: string;
}

export interface TracedDiscrepancy {
  discrepancyId: string;
  streamId: string;
  type: string | null;
  subject: string | null;
  amount: string | null;
  /** The type of the discrepancy's latest event (raised, resolved, …). */
  lastEvent: string;
}

export interface Trace {
  query: string;
  events: TracedEvent[];
  discrepancies: TracedDiscrepancy[];
  statementLines: FoundStatementLine[];
}

/** Ids a discrepancy's subject names: `dup:X`, `fee:X`, `txn:X`, `his:<kind>:X`, `X:txn`, `line:sha:n`. */
function idsInSubject(subject: string): string[] {
  const parts = subject.split(':');
  if (parts[0] === 'line' && parts.length === 3) return [`${parts[1]}:${parts[2]}`];
  if (parts[0] === 'his' && (parts[1] === 'payment' || parts[1] === 'refund')) return parts.slice(2);
  if (['dup', 'fee', 'txn', 'his', 'settlement'].includes(parts[0]!)) return parts.slice(1);
  return parts;
}

function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export async function traceId(
  database: Database,
  store: EventStore,
  query: string,
  hospitalId?: string,
): Promise<Trace> {
  const ids = new Set<string>();
  const lineRefs = new Set<string>();
  (LINE_REF.test(query) ? lineRefs : ids).add(query);

  // What the query names, then what that names in turn (a line's keys, a discrepancy's subject): two rounds.
  const streams = new Set<string>();
  const single = new Set<bigint>();
  for (let round = 0; round < 2; round++) {
    for (const l of await findStatementLines(database, [...ids], [...lineRefs], hospitalId))
      for (const k of ['merchantOrderNo', 'refundNo', 'channelTxnId', 'channelRefundId'])
        if (typeof l.line[k] === 'string') ids.add(l.line[k] as string);
    const hits = await findEventsMentioning(database, [...ids], hospitalId);
    for (const h of hits) {
      if (WHOLE_STREAM_CATEGORIES.has(parseStreamId(h.streamId).category)) streams.add(h.streamId);
      else single.add(h.position);
    }
    for (const s of streams) {
      const { category, id } = parseStreamId(s);
      ids.add(id);
      if (category !== 'discrepancy') continue;
      for (const e of (await store.readStream(s)).events) {
        const subject = text(e.data.subject);
        if (subject) for (const x of idsInSubject(subject)) (LINE_REF.test(x) ? lineRefs : ids).add(x);
        const sources = (e.data.finding as { sources?: { ref?: string }[] } | undefined)?.sources ?? [];
        for (const src of sources) if (src.ref && LINE_REF.test(src.ref)) lineRefs.add(src.ref);
      }
    }
  }
  // Ids found in the streams' own events (refund ids, channel transaction ids) bring their discrepancies and
  // lines; an export's staff session brings its sign-in and sign-out.
  const events = new Map<bigint, RecordedEvent>();
  for (const s of streams)
    for (const e of (await store.readStream(s)).events) {
      events.set(e.position, e);
      for (const k of ['refundId', 'channelTxnId', 'channelRefundId', 'sessionId']) {
        const v = text(e.data[k]);
        if (v) ids.add(v);
      }
    }
  const discrepancyStreams = await findDiscrepanciesMentioning(database, [...ids], [...lineRefs], hospitalId);
  const discrepancies: TracedDiscrepancy[] = [];
  for (const s of discrepancyStreams) {
    const read = (await store.readStream(s)).events;
    for (const e of read) events.set(e.position, e);
    const raised = read.find((e) => e.type === 'DiscrepancyRaised');
    discrepancies.push({
      discrepancyId: parseStreamId(s).id,
      streamId: s,
      type: text(raised?.data.type),
      subject: text(raised?.data.subject),
      amount: text(raised?.data.amount),
      lastEvent: read.at(-1)?.type ?? '',
    });
  }
  // Events of other streams that name an id (a deposit top-up, a fee line …), read with their stream's upcasters.
  for (const h of await findEventsMentioning(database, [...ids], hospitalId))
    if (!events.has(h.position) && (single.has(h.position) || !streams.has(h.streamId))) {
      const e = (await store.readStream(h.streamId)).events.find((x) => x.position === h.position);
      if (e) events.set(e.position, e);
    }
  const statementLines = await findStatementLines(database, [...ids], [...lineRefs], hospitalId);
  const ordered = [...events.values()]
    .sort((a, b) => (a.position < b.position ? -1 : 1))
    .slice(0, MAX_TRACE_EVENTS);
  return { query, events: ordered.map(traced), discrepancies, statementLines };
}

function traced(e: RecordedEvent): TracedEvent {
  const m = e.metadata;
  const out: TracedEvent = {
    position: e.position,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    type: e.type,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    actor: m.actor ?? null,
    channel: m.channel ?? text(e.data.channel),
    device: m.device ?? null,
    correlationId: m.correlationId ?? null,
    causationId: m.causationId ?? null,
    data: e.data,
    journal: null,
  };
  try {
    // postingsFor answers null for every type it does not post, so any event can be asked.
    out.journal = postingsFor(e as unknown as PostingEvent)?.toJSON() ?? null;
  } catch (error) {
    out.journalError = (error as Error).message;
  }
  return out;
}
