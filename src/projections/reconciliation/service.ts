// The reconciliation service: what the simulator, the demo and the scheduler call.
//
//   importStatement(deps, source, {hospitalId, …})   → src/adapters/statements/import.ts (adapters own parsing)
//   reconcileDay(deps, {hospitalId, channel, businessDate, config?, onProgress?}) → ReconciliationReport
//   assignDiscrepancy / resolveDiscrepancy (propose; non-money actions resolve at once) / approveResolution
//   closeDay / reopenDay / listDiscrepancies / dayStatus
//
// `deps` = { store, db }: the event store and the kysely handle of the same database. Read models this service
// needs (recon_movements, recon_statements, his_sync, reconciliation) are caught up on demand before reading,
// so the caller need not run projection runners (a live runner beside it is fine: checkpoints are CAS).
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { handle } from '../../domain/command-handler.ts';
import {
  addDays,
  type BusinessDateOptions,
  DEFAULT_TIME_ZONE,
  localParts,
} from '../../domain/business-date.ts';
import type { Actor } from '../../domain/decider.ts';
import {
  type EventStore,
  type JsonObject,
  type ReadAllPage,
  type ReadStreamResult,
  streamId,
} from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import { assertDayOpen, type DayState, dayDecider, dayStreamKey } from '../../domain/reconciliation/day.ts';
import {
  type DiscrepancyState,
  discrepancyDecider,
  discrepancyIdOf,
  initialDiscrepancyState,
  evolveDiscrepancy,
} from '../../domain/reconciliation/discrepancy.ts';
import type {
  DaySummary,
  DiscrepancyEvent,
  ResolutionAction,
  StatementImportStarted,
} from '../../domain/reconciliation/events.ts';
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  Matcher,
  type Role,
} from '../../domain/reconciliation/matching.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import type { DiscrepancyType, Finding } from '../../domain/reconciliation/types.ts';
import { applyBatch, createProjectionSchema, readCheckpoint } from '../checkpoint.ts';
import type { AnyDb, Projection } from '../projection.ts';
import { hisSyncProjection } from '../read-models/his-sync.ts';
import { liveSchema } from '../runner.ts';
import { reconMovementsProjection, reconStatementsProjection } from './movements.ts';
import { reconciliationProjection } from './read-models.ts';

/**
 * Turns a StatementLinesImported event back into lines. The statement codecs belong to the statement adapters
 * (src/adapters/statements/codec.ts `decodeStatementBatch`): whoever drives reconciliation hands it in, so this
 * layer needs nothing but the domain and the store port.
 */
export type StatementBatchDecoder = (
  data: Record<string, unknown>,
  head: StatementImportStarted['data'],
) => StatementLine[];

export interface ReconDeps {
  store: EventStore;
  db: AnyDb;
  decodeLines: StatementBatchDecoder;
  /** The hospital's zone and cut-off (default Asia/Shanghai, 00:00). */
  dateOptions?: BusinessDateOptions;
}

/** Events read per page when catching read models up (only the types they handle: never the line batches). */
export const CATCH_UP_PAGE = 2_000;
/** Platform movements read per query while indexing (the next page is read while one is indexed). */
export const PLATFORM_PAGE = 20_000;
/** Statement line events read per store call while matching (each ≤ 1 MiB; the next is read meanwhile). */
export const LINE_EVENTS_PAGE = 4;
/** How soon a catch-up looks again when it waits on an append in flight. */
const HOLE_RETRY_MS = 5;

export type ReconcileProgress =
  | { phase: 'catching-up'; events: number }
  | { phase: 'indexing-platform'; movements: number }
  | { phase: 'matching'; statement: string; lines: number; total: number }
  | { phase: 'classifying' }
  | { phase: 'raising'; done: number; total: number }
  | { phase: 'done' };

export interface ReconcileOptions {
  hospitalId: string;
  channel: string;
  businessDate: string;
  config?: Partial<MatchingConfig>;
  /** Who runs it (default system:reconciliation). */
  actor?: Actor;
  /** Business time of the run (default now). */
  at?: Date;
  onProgress?: (p: ReconcileProgress) => void;
}

export type DayState3 = 'balanced' | 'open' | 'closed';

export interface ReconciliationReport {
  hospitalId: string;
  channel: string;
  businessDate: string;
  runId: string;
  matched: { count: number; amount: string };
  timing: { count: number; amount: string };
  byType: Record<DiscrepancyType, { count: number; amount: string }>;
  /** Sorted by finding key; identical on every re-run over the same inputs. */
  findings: Finding[];
  parties: Record<string, { count: number; amount: string }>;
  /** SHA-256 of the statements used. */
  statements: string[];
  discrepancies: { raised: number; autoResolved: number; open: string[] };
  state: DayState3;
}

const SYSTEM: Actor = { kind: 'system', id: 'reconciliation' };
const staff = (id: string): Actor => ({ kind: 'staff', id });

/** Read models the service reads, in the order they are caught up. */
export function reconciliationReadModels(dateOptions: BusinessDateOptions = {}): Projection[] {
  return [
    reconMovementsProjection(dateOptions),
    reconStatementsProjection,
    hisSyncProjection,
    reconciliationProjection,
  ];
}

/**
 * Brings the given read models up to the store's head in one pass over the events (the statement lines are
 * read once for all of them). Each projection keeps its own CAS checkpoint, so a live runner may run too.
 */
export async function catchUp(
  deps: ReconDeps,
  projections: readonly Projection[] = reconciliationReadModels(deps.dateOptions),
  onProgress?: (events: number) => void,
): Promise<void> {
  const { db, store } = deps;
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
  const read = (after: bigint): Promise<ReadAllPage> =>
    after >= head
      ? Promise.resolve({ events: [], scannedTo: after, blocked: false })
      : store.readAllPage({ after, maxCount: CATCH_UP_PAGE, types });
  let from = lowest();
  let next = read(from);
  let seen = 0;
  try {
    for (;;) {
      const page = await next;
      // biome-ignore lint/complexity/useMathMinMax: bigints
      const upTo = page.scannedTo < head ? page.scannedTo : head;
      if (upTo <= from) {
        if (!page.blocked) return;
        await new Promise((r) => setTimeout(r, HOLE_RETRY_MS));
        next = read(from);
        continue;
      }
      next = read(upTo); // the next page is read while this one is applied
      const events = page.events.filter((e) => e.position <= upTo);
      for (const [i, p] of projections.entries()) {
        if (positions[i]! >= upTo) continue;
        const slice = events.filter((e) => e.position > positions[i]!);
        if (await applyBatch(db, p, schemas[i]!, slice, positions[i]!, upTo)) positions[i] = upTo;
        // Another runner moved it: continue from where it is now.
        else positions[i] = (await readCheckpoint(db, schemas[i]!)) ?? 0n;
      }
      seen += events.length;
      onProgress?.(seen);
      const lo = lowest();
      if (lo !== upTo) {
        await next.catch(() => {});
        next = read(lo);
      }
      from = lo;
    }
  } finally {
    await next.catch(() => {});
  }
}

// ---- day boundaries ----

/** The instant a business date starts in the hospital's zone (cut-off honoured). */
export function dayStart(date: string, options: BusinessDateOptions = {}): number {
  const tz = options.timeZone ?? DEFAULT_TIME_ZONE;
  const [hh, mm] = (options.cutoff ?? '00:00').split(':').map(Number) as [number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // A cut-off after midnight starts the date on the previous calendar day at that time.
  const cutoffMinutes = hh * 60 + mm;
  const wall = Date.UTC(y, m - 1, d, 0, 0) - (cutoffMinutes > 0 ? (24 * 60 - cutoffMinutes) * 60_000 : 0);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(guess), tz);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    guess += wall - asUtc;
  }
  return guess;
}

// ---- reconcile ----

interface MovementRow {
  /** NULL when it is the id derived from the movement's key (`pay:<txn id>`, `refund:<refund no>`). */
  movement_id: string | null;
  kind: string;
  merchant_order_no: string;
  refund_no: string | null;
  channel_txn_id: string | null;
  channel_refund_id: string | null;
  amount: string;
  /** occurred_at in epoch milliseconds (a float8: exact for whole milliseconds). */
  at_ms: number;
  /** On the date reconciled (else a neighbouring date's movement inside the cut-off window). */
  core: boolean;
  surplus: boolean;
  his_status: string | null;
}

/**
 * A movement's id. The query leaves out the ids a movement's key gives (a million payments' `pay:<txn id>`
 * need not cross the wire, nor be built as strings twice); the matcher keeps no id it can derive either.
 */
function movementIdOf(r: MovementRow): string {
  if (r.movement_id !== null) return r.movement_id;
  return r.kind === 'payment' ? `pay:${r.channel_txn_id}` : `refund:${r.refund_no}`;
}

async function indexPlatform(
  deps: ReconDeps,
  o: ReconcileOptions,
  m: Matcher,
  windowMs: number,
): Promise<number> {
  const { db } = deps;
  const prev = addDays(o.businessDate, -1);
  const next = addDays(o.businessDate, 1);
  const start = new Date(dayStart(o.businessDate, deps.dateOptions));
  const end = new Date(dayStart(next, deps.dateOptions));
  const lo = new Date(start.getTime() - windowMs);
  const hi = new Date(end.getTime() + windowMs);
  // Keyset pages: a million movements never sit in one result set; the next page is read while one is indexed.
  const page = (after: string) =>
    sql<MovementRow>`
      SELECT CASE WHEN m.movement_id = CASE m.kind WHEN 'payment' THEN 'pay:' || m.channel_txn_id
                                                   WHEN 'refund' THEN 'refund:' || m.refund_no END
                  THEN NULL ELSE m.movement_id END AS movement_id,
             m.kind, m.merchant_order_no, m.refund_no, m.channel_txn_id,
             m.channel_refund_id, m.amount::text AS amount,
             (extract(epoch FROM m.occurred_at) * 1000)::float8 AS at_ms,
             m.business_date = ${o.businessDate} AS core,
             m.surplus, h.status AS his_status
      FROM rm_recon_movements.recon_movements m
      LEFT JOIN rm_his_sync.his_sync_status h
        ON m.kind = 'payment' AND NOT m.surplus AND h.hospital_id = m.hospital_id AND h.order_id = m.merchant_order_no
      WHERE m.hospital_id = ${o.hospitalId} AND m.channel = ${o.channel}
        AND (m.business_date = ${o.businessDate}
             OR (m.kind <> 'settlement' AND m.business_date = ${prev} AND m.occurred_at >= ${lo})
             OR (m.kind <> 'settlement' AND m.business_date = ${next} AND m.occurred_at < ${hi}))
        AND m.movement_id > ${after}
      ORDER BY m.movement_id
      LIMIT ${PLATFORM_PAGE}`.execute(db);
  let pending = page('');
  let n = 0;
  for (;;) {
    const { rows } = await pending;
    const full = rows.length === PLATFORM_PAGE;
    if (full) pending = page(movementIdOf(rows.at(-1)!));
    for (const r of rows) {
      if (r.kind === 'settlement') {
        m.addSettlement({ ref: movementIdOf(r), amount: r.amount, party: 'platform' });
        continue;
      }
      m.addMovement(
        {
          kind: r.kind === 'refund' ? 'refund' : 'payment',
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

interface StatementRow {
  statement_id: string;
  sha256: string;
  party: string;
  channel: string | null;
  business_date: string | null;
  lines: number;
}

/**
 * The lines of an imported statement, batch by batch, whichever encoding they were stored in (codec.ts);
 * the next page of events is read while the current one is matched.
 */
async function* statementLines(
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

function configOf(partial: Partial<MatchingConfig> | undefined): MatchingConfig {
  return {
    ...DEFAULT_MATCHING_CONFIG,
    ...partial,
    feeRates: { ...DEFAULT_MATCHING_CONFIG.feeRates, ...partial?.feeRates },
  };
}

async function dayState(
  store: EventStore,
  hospitalId: string,
  channel: string,
  date: string,
): Promise<DayState> {
  const r = await store.readStream(streamId(hospitalId, 'recon-day', dayStreamKey(channel, date)));
  let s = dayDecider.initialState();
  for (const e of r.events) s = dayDecider.evolve(s, e as never);
  return s;
}

/** The current state of a discrepancy, folded from its stream. */
export async function discrepancyState(
  deps: Pick<ReconDeps, 'store'>,
  hospitalId: string,
  discrepancyId: string,
): Promise<DiscrepancyState> {
  const r = await deps.store.readStream(streamId(hospitalId, 'discrepancy', discrepancyId));
  let s = initialDiscrepancyState();
  for (const e of r.events) s = evolveDiscrepancy(s, e as unknown as DiscrepancyEvent);
  return s;
}

const isOpen = (s: DiscrepancyState) =>
  s.status !== 'none' && s.status !== 'resolved' && s.status !== 'auto-resolved';

/**
 * Reconciles one hospital, channel and business date: indexes the platform movements (the date, plus the
 * neighbouring dates' movements within the cut-off window), streams the imported statements' lines through
 * the matcher, classifies, raises a discrepancy per finding (idempotent by id), auto-resolves the ones an
 * earlier run raised that no longer appear, and records the run on the day's stream.
 */
export async function reconcileDay(deps: ReconDeps, o: ReconcileOptions): Promise<ReconciliationReport> {
  const { store, db } = deps;
  const hospitalId = HospitalId(o.hospitalId);
  const config = configOf(o.config);
  const at = o.at ?? new Date();
  const actor = o.actor ?? SYSTEM;
  const before = await dayState(store, hospitalId, o.channel, o.businessDate);
  // Checked before any work; the run's own append checks again against the day as it is then.
  assertDayOpen(before, o.channel, o.businessDate);

  await catchUp(deps, reconciliationReadModels(deps.dateOptions), (events) =>
    o.onProgress?.({ phase: 'catching-up', events }),
  );

  const windowMs = config.cutoffWindowMinutes * 60_000;
  const matcher = new Matcher({ hospitalId, channel: o.channel, businessDate: o.businessDate }, config);
  const movements = await indexPlatform(deps, o, matcher, windowMs);
  o.onProgress?.({ phase: 'indexing-platform', movements });

  const prev = addDays(o.businessDate, -1);
  const next = addDays(o.businessDate, 1);
  const { rows: stmts } = await sql<StatementRow>`
    SELECT statement_id, sha256, party, channel, business_date, lines
    FROM rm_recon_statements.recon_statements
    WHERE hospital_id = ${hospitalId} AND imported
      AND (channel = ${o.channel} OR party = 'his')
      AND (business_date IS NULL OR business_date IN (${prev}, ${o.businessDate}, ${next}))
    ORDER BY sha256`.execute(db);
  const start = dayStart(o.businessDate, deps.dateOptions);
  const end = dayStart(next, deps.dateOptions);
  const roleOf = (line: StatementLine): Role | undefined => {
    if (line.businessDate === o.businessDate) return 'core';
    const t = Date.parse(line.occurredAt);
    if (line.businessDate === prev && t >= start - windowMs) return 'edge';
    if (line.businessDate === next && t < end + windowMs) return 'edge';
    return undefined;
  };
  // Core lines first, then edge lines (an edge line only clears a core movement no core line matched). Each
  // statement is read once: the edge lines of a core-date file (within the cut-off window, so few) are kept
  // for the edge pass, fed in the same statement order as before.
  const feed = (s: StatementRow, lines: StatementLine[], pass: Role) => {
    if (lines.length === 0) return;
    if (s.party === 'his') matcher.addHisLines(lines, s.sha256, pass);
    else matcher.addChannelLines(lines, s.sha256, pass);
  };
  const edgeOfCore = new Map<string, StatementLine[]>();
  for (const pass of ['core', 'edge'] as const) {
    for (const s of stmts) {
      const isCoreFile = s.business_date === o.businessDate || s.business_date === null;
      if (pass === 'core' && !isCoreFile) continue;
      if (pass === 'edge' && isCoreFile) {
        feed(s, edgeOfCore.get(s.statement_id) ?? [], 'edge');
        continue;
      }
      const kept: StatementLine[] = [];
      let n = 0;
      for await (const { lines } of statementLines(store, deps.decodeLines, hospitalId, s.statement_id)) {
        const picked: StatementLine[] = [];
        for (const l of lines) {
          const role = roleOf(l);
          if (role === pass) picked.push(l);
          else if (role === 'edge' && pass === 'core') kept.push(l);
        }
        feed(s, picked, pass);
        n += lines.length;
        o.onProgress?.({ phase: 'matching', statement: s.sha256, lines: n, total: s.lines });
      }
      if (pass === 'core') edgeOfCore.set(s.statement_id, kept);
    }
  }

  o.onProgress?.({ phase: 'classifying' });
  const refundOrders = matcher.unmatchedRefundOrders();
  const paid = new Set<string>();
  if (refundOrders.length > 0) {
    const { rows } = await sql<{ merchant_order_no: string }>`
      SELECT DISTINCT merchant_order_no FROM rm_recon_movements.recon_movements
      WHERE hospital_id = ${hospitalId} AND kind = 'payment' AND merchant_order_no = ANY(${refundOrders})`.execute(
      db,
    );
    for (const r of rows) paid.add(r.merchant_order_no);
  }
  const result = matcher.finish(paid);
  const statements = matcher.statementsUsed();
  const configJson = config as unknown as JsonObject;
  const runId = createHash('sha256')
    .update(
      JSON.stringify({
        statements,
        config,
        findings: result.findings.map((f) => [f.type, f.subject, f.amount]),
        matched: result.matched,
        timing: result.timing,
      }),
    )
    .digest('hex')
    .slice(0, 32);

  // Raise every finding (idempotent by id), then auto-resolve what the previous run had open and this one no
  // longer finds.
  const ids = result.findings.map((f) => discrepancyIdOf(f));
  let raised = 0;
  const open: string[] = [];
  for (const [i, f] of result.findings.entries()) {
    const id = ids[i]!;
    const r = await handle(store, discrepancyDecider, {
      type: 'RaiseDiscrepancy',
      hospitalId,
      at,
      actor,
      discrepancyId: id,
      finding: f,
      runId,
    });
    if (r.events.length > 0) raised++;
    if (isOpen(r.state)) open.push(id);
    if (i % 100 === 0) o.onProgress?.({ phase: 'raising', done: i, total: result.findings.length });
  }
  const current = new Set(ids);
  const timing = new Set(result.timingSubjects);
  const hisSynced = new Set(result.hisSyncedSubjects);
  let autoResolved = 0;
  for (const id of before.lastRun?.open ?? []) {
    if (current.has(id)) continue;
    const s = await discrepancyState(deps, hospitalId, id);
    if (!isOpen(s)) continue;
    const rule =
      (s.type === 'PLATFORM_ONLY' || s.type === 'CHANNEL_ONLY') && timing.has(s.subject)
        ? 'timing-cleared'
        : s.type === 'HIS_MISSING' && hisSynced.has(s.subject)
          ? 'his-synced'
          : 'no-longer-found';
    const reason =
      rule === 'timing-cleared'
        ? 'matched on the neighbouring day within the cut-off window'
        : rule === 'his-synced'
          ? 'the HIS writeback succeeded on retry'
          : 'a later reconciliation run no longer finds it';
    const r = await handle(store, discrepancyDecider, {
      type: 'AutoResolveDiscrepancy',
      hospitalId,
      at,
      actor,
      discrepancyId: id,
      rule,
      reason,
      runId,
    });
    if (r.events.length > 0) autoResolved++;
  }

  const summary: DaySummary = {
    matched: result.matched,
    timing: result.timing,
    byType: result.byType,
    parties: result.parties,
  };
  await handle(store, dayDecider, {
    type: 'RecordReconciliationRun',
    hospitalId,
    at,
    actor,
    channel: o.channel,
    businessDate: o.businessDate,
    runId,
    summary,
    statements,
    findings: result.findings.length,
    open,
    config: configJson,
  });
  o.onProgress?.({ phase: 'done' });
  return {
    hospitalId,
    channel: o.channel,
    businessDate: o.businessDate,
    runId,
    matched: result.matched,
    timing: result.timing,
    byType: result.byType,
    findings: result.findings,
    parties: result.parties,
    statements,
    discrepancies: { raised, autoResolved, open },
    state: open.length > 0 ? 'open' : 'balanced',
  };
}

// ---- discrepancy lifecycle ----

export interface DiscrepancyRef {
  hospitalId: string;
  discrepancyId: string;
  /** Staff user id. */
  by: string;
  at?: Date;
}

export async function assignDiscrepancy(
  deps: Pick<ReconDeps, 'store'>,
  o: DiscrepancyRef & { assignee: string },
): Promise<DiscrepancyState> {
  const r = await handle(deps.store, discrepancyDecider, {
    type: 'AssignDiscrepancy',
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    discrepancyId: o.discrepancyId,
    assignee: o.assignee,
  });
  return r.state;
}

/**
 * Proposes a resolution. `accept` and `repush-his` (补单) resolve at once; refund-patient, adjusting-entry and
 * write-off wait for approveResolution by another user.
 */
export async function resolveDiscrepancy(
  deps: Pick<ReconDeps, 'store'>,
  o: DiscrepancyRef & { action: ResolutionAction; reason: string },
): Promise<DiscrepancyState> {
  const r = await handle(deps.store, discrepancyDecider, {
    type: 'ProposeResolution',
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    discrepancyId: o.discrepancyId,
    action: o.action,
    reason: o.reason,
  });
  return r.state;
}

/** The checker's approval of a money-moving resolution (APPROVAL_BY_MAKER when `by` proposed it). */
export async function approveResolution(
  deps: Pick<ReconDeps, 'store'>,
  o: DiscrepancyRef,
): Promise<DiscrepancyState> {
  const r = await handle(deps.store, discrepancyDecider, {
    type: 'ApproveResolution',
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    discrepancyId: o.discrepancyId,
  });
  return r.state;
}

// ---- days ----

export interface DayRef {
  hospitalId: string;
  channel: string;
  businessDate: string;
  by: string;
  at?: Date;
}

/** Closes the day (DAY_NOT_BALANCED while a discrepancy of its last run is open). */
export async function closeDay(deps: Pick<ReconDeps, 'store'>, o: DayRef): Promise<DayState> {
  const hospitalId = HospitalId(o.hospitalId);
  const s = await dayState(deps.store, hospitalId, o.channel, o.businessDate);
  const open: string[] = [];
  for (const id of s.lastRun?.open ?? [])
    if (isOpen(await discrepancyState(deps, hospitalId, id))) open.push(id);
  const r = await handle(deps.store, dayDecider, {
    type: 'CloseDay',
    hospitalId,
    at: o.at ?? new Date(),
    actor: staff(o.by),
    channel: o.channel,
    businessDate: o.businessDate,
    open,
  });
  return r.state;
}

export async function reopenDay(
  deps: Pick<ReconDeps, 'store'>,
  o: DayRef & { reason: string },
): Promise<DayState> {
  const r = await handle(deps.store, dayDecider, {
    type: 'ReopenDay',
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    channel: o.channel,
    businessDate: o.businessDate,
    reason: o.reason,
  });
  return r.state;
}

// ---- read models ----

export interface DiscrepancyRow {
  hospital_id: string;
  discrepancy_id: string;
  type: DiscrepancyType;
  channel: string;
  business_date: string;
  subject: string;
  amount: string;
  reason: string;
  status: string;
  assignee: string | null;
  action: string | null;
  resolution_reason: string | null;
  proposed_by: string | null;
  approved_by: string | null;
}

/** Rows per listing (a day with more discrepancies than this is paged by the caller). */
export const MAX_LIST_ROWS = 10_000;

export async function listDiscrepancies(
  deps: ReconDeps,
  f: { hospitalId: string; channel?: string; businessDate?: string; status?: string },
): Promise<DiscrepancyRow[]> {
  await catchUp(deps, [reconciliationProjection]);
  const { rows } = await sql<DiscrepancyRow>`
    SELECT hospital_id, discrepancy_id, type, channel, business_date, subject, amount::text AS amount, reason, status,
           assignee, action, resolution_reason, proposed_by, approved_by
    FROM rm_reconciliation.discrepancies
    WHERE hospital_id = ${f.hospitalId}
      AND (${f.channel ?? null}::text IS NULL OR channel = ${f.channel ?? null})
      AND (${f.businessDate ?? null}::text IS NULL OR business_date = ${f.businessDate ?? null})
      AND (${f.status ?? null}::text IS NULL OR status = ${f.status ?? null})
    ORDER BY business_date, channel, type, subject
    LIMIT ${MAX_LIST_ROWS}`.execute(deps.db);
  return rows;
}

export interface DayRow {
  hospital_id: string;
  channel: string;
  business_date: string;
  state: DayState3;
  runs: number;
  matched_count: number;
  matched_amount: string;
  timing_count: number;
  timing_amount: string;
  by_type: Record<DiscrepancyType, { count: number; amount: string }>;
  parties: Record<string, { count: number; amount: string }>;
  discrepancies_open: number;
  discrepancies_resolved: number;
  closed_by: string | null;
  reopened: number;
}

export async function dayStatus(
  deps: ReconDeps,
  f: { hospitalId: string; businessDate: string; channel?: string },
): Promise<DayRow[]> {
  await catchUp(deps, [reconciliationProjection]);
  const { rows } = await sql<DayRow>`
    SELECT hospital_id, channel, business_date, state, runs, matched_count, matched_amount::text AS matched_amount,
           timing_count, timing_amount::text AS timing_amount, by_type, parties, discrepancies_open,
           discrepancies_resolved, closed_by, reopened
    FROM rm_reconciliation.recon_days
    WHERE hospital_id = ${f.hospitalId} AND business_date = ${f.businessDate}
      AND (${f.channel ?? null}::text IS NULL OR channel = ${f.channel ?? null})
    ORDER BY channel`.execute(deps.db);
  return rows;
}
