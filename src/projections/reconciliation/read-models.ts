// recon_days and discrepancies: what finance staff look at. One projection with two tables, because a
// discrepancy's resolution changes its day's open/resolved counts and only the discrepancy row knows the day.
import { type Kysely, sql } from 'kysely';
import type { RecordedEvent } from '../../domain/event-store.ts';
import { FINAL_DISCREPANCY_STATUSES, isFinalStatus } from '../../domain/reconciliation/discrepancy.ts';
import type { DaySummary, DiscrepancyRaised } from '../../domain/reconciliation/events.ts';
import {
  type AnyTrx,
  type Cell,
  column,
  createTable,
  keyString,
  loadRows,
  type Projection,
  type Row,
  writeRows,
  tenantTable,
} from '../projection.ts';
import { liveSchema } from '../runner.ts';
import type { CountAmount, ReconciliationTables } from './tables.ts';
import type { DiscrepancyType } from '../../domain/reconciliation/types.ts';

export const reconDaysTable = tenantTable({
  table: 'recon_days',
  comment:
    'Per hospital, channel and business date: what the last reconciliation run matched and found, and the day state.',
  key: ['channel', 'business_date'],
  indexes: ['hospital_id, business_date'],
  columns: {
    channel: column.text('Channel reconciled.'),
    business_date: column.text('Business date yyyy-MM-dd.'),
    state: column.text<'balanced' | 'open' | 'closed'>(
      'balanced (reconciled, nothing open) | open (discrepancies open) | closed (DayClosed recorded).',
    ),
    runs: column.integer('Reconciliation runs recorded.'),
    last_run_id: column.optionalText('Run id of the last run.'),
    matched_count: column.integer('Movements matched on the day.'),
    matched_amount: column.total('Amount matched on the day.'),
    timing_count: column.integer('Movements matched across the date cut-off.'),
    timing_amount: column.total('Amount matched across the date cut-off.'),
    pending_count: column.integer(
      'Pending items (未达账项) the last run held for the neighbouring statement or an in-flight outcome.',
    ),
    pending_amount: column.total('Amount of the pending items.'),
    by_type: column.json<Record<DiscrepancyType, CountAmount>>(
      'Per discrepancy type: {count, amount} found by the last run.',
    ),
    parties: column.json<Record<string, CountAmount>>(
      'Per party: lines/movements considered and their amount.',
    ),
    discrepancies_open: column.integer('Discrepancies of the day not resolved yet.'),
    discrepancies_resolved: column.integer('Discrepancies of the day resolved (by people or rules).'),
    closed_by: column.optionalText('Who closed the day.'),
    reopened: column.integer('Times the day was re-opened.'),
    updated_at: column.time('Business time of the last change.'),
  },
});

export const discrepanciesTable = tenantTable({
  table: 'discrepancies',
  comment: 'One row per discrepancy (差错) with its lifecycle: status, assignee, action, maker and checker.',
  key: ['discrepancy_id'],
  indexes: ['hospital_id, channel, business_date', 'hospital_id, status'],
  columns: {
    discrepancy_id: column.text('Id derived from the finding key.'),
    type: column.text<DiscrepancyType>('DISCREPANCY_TYPES.'),
    channel: column.text('Channel.'),
    business_date: column.text('Business date yyyy-MM-dd.'),
    subject: column.text('What differs (order no, refund no, fee:…, settlement:…, his:…, dup:…).'),
    amount: column.total('Money at stake.'),
    reason: column.text('What reconciliation saw.'),
    status: column.text(
      'open | assigned | proposed (awaiting approval) | resolved | auto-resolved | matched (by a person) | withdrawn.',
    ),
    assignee: column.optionalText('Finance user it is assigned to.'),
    action: column.optionalText(
      'refund-patient | repush-his | adjusting-entry | accept | write-off, or the auto rule.',
    ),
    resolution_reason: column.optionalText('Why it was resolved so.'),
    proposed_by: column.optionalText('Maker.'),
    approved_by: column.optionalText('Checker (money-moving actions).'),
    raised_at: column.time('Business time raised.'),
    resolved_at: column.optionalTime('Business time resolved.'),
  },
});

/** A discrepancy's life from raised to resolved, as the finance reports fold it (the read model also reads rejections, matches and withdrawals). */
export const DISCREPANCY_EVENT_TYPES = [
  'DiscrepancyRaised',
  'DiscrepancyAutoResolved',
  'DiscrepancyReopened',
  'DiscrepancyAssigned',
  'DiscrepancyResolutionProposed',
  'DiscrepancyResolutionApproved',
  'DiscrepancyResolved',
] as const;

export const reconciliationProjection: Projection = {
  name: 'reconciliation',
  // 2: recon_days.pending_count / pending_amount (pending items, 未达账项).
  // 3: manual matches (matched, withdrawn; a withdrawn difference counts neither open nor resolved).
  version: 3,
  description:
    'Reconciliation days (matched, per category, open/resolved, state) and discrepancies with their lifecycle.',
  handles: new Set([
    'ReconciliationRun',
    'DayClosed',
    'DayReopened',
    ...DISCREPANCY_EVENT_TYPES,
    'DiscrepancyResolutionRejected',
    'DiscrepancyMatched',
    'DiscrepancyUnmatched',
    'DiscrepancyWithdrawn',
  ]),
  async createTables(db, schema) {
    await createTable(db, schema, reconDaysTable);
    await createTable(db, schema, discrepanciesTable);
  },
  async apply(trx, schema, events) {
    const discIds = new Map<string, string[]>();
    const dayKeys = new Map<string, string[]>();
    for (const e of events) {
      const d = e.data as Record<string, unknown>;
      if (e.type.startsWith('Discrepancy')) {
        const k = [e.hospitalId, String(d.discrepancyId)];
        discIds.set(keyString(k), k);
      } else {
        const k = [e.hospitalId, String(d.channel), String(d.businessDate)];
        dayKeys.set(keyString(k), k);
      }
    }
    const discs = await loadRows(trx, schema, discrepanciesTable, [...discIds.values()]);
    const touchedDiscs = new Set<string>();
    for (const e of events) {
      if (!e.type.startsWith('Discrepancy')) continue;
      const d = e.data as Record<string, string>;
      const k = keyString([e.hospitalId, d.discrepancyId!]);
      const cur = discs.get(k);
      const next = discrepancyRow(e, cur);
      if (!next) continue;
      discs.set(k, next);
      touchedDiscs.add(k);
      const dk = [e.hospitalId, String(next.channel), String(next.business_date)];
      dayKeys.set(keyString(dk), dk);
    }
    await writeRows(
      trx,
      schema,
      discrepanciesTable,
      [...touchedDiscs].map((k) => discs.get(k)!),
      'upsert',
    );

    const days = await loadRows(trx, schema, reconDaysTable, [...dayKeys.values()]);
    for (const e of events) {
      if (e.type.startsWith('Discrepancy')) continue;
      const d = e.data as Record<string, unknown>;
      const key = [e.hospitalId, String(d.channel), String(d.businessDate)];
      const k = keyString(key);
      days.set(k, dayRow(e, days.get(k) ?? emptyDay(e, key)));
    }
    // Every day touched gets its counts recomputed from the discrepancies table (already written above).
    for (const [k, key] of dayKeys) {
      const row = days.get(k) ?? emptyDay(events[0]!, key);
      const counts = await countDayDiscrepancies(trx, schema, {
        hospitalId: key[0]!,
        channel: key[1]!,
        businessDate: key[2]!,
      });
      row.discrepancies_open = counts.open;
      row.discrepancies_resolved = counts.resolved;
      if (row.state !== 'closed') row.state = counts.open > 0 ? 'open' : 'balanced';
      days.set(k, row);
    }
    await writeRows(
      trx,
      schema,
      reconDaysTable,
      [...dayKeys.keys()].map((k) => days.get(k)!),
      'upsert',
    );
  },
};

/** Open and final discrepancies of a day (the projection recomputes its day's counts with it). */
async function countDayDiscrepancies(
  db: AnyTrx,
  schema: string,
  day: { hospitalId: string; channel: string; businessDate: string },
): Promise<{ open: number; resolved: number }> {
  // A difference withdrawn with its match never was: counted neither open nor resolved.
  const final = FINAL_DISCREPANCY_STATUSES.filter((s) => s !== 'withdrawn');
  const row = await (db as unknown as Kysely<ReconciliationTables>)
    .withSchema(schema)
    .selectFrom('discrepancies')
    .select([
      sql<string>`count(*) FILTER (WHERE status NOT IN (${sql.join([...final, 'withdrawn'])}))::text`.as(
        'open',
      ),
      sql<string>`count(*) FILTER (WHERE status IN (${sql.join(final)}))::text`.as('resolved'),
    ])
    .where('hospital_id', '=', day.hospitalId)
    .where('channel', '=', day.channel)
    .where('business_date', '=', day.businessDate)
    .executeTakeFirst();
  return { open: Number(row?.open ?? 0), resolved: Number(row?.resolved ?? 0) };
}

function emptyDay(e: RecordedEvent, key: string[]): Row {
  return {
    hospital_id: key[0]!,
    channel: key[1]!,
    business_date: key[2]!,
    state: 'open',
    runs: 0,
    last_run_id: null,
    matched_count: 0,
    matched_amount: '0.00',
    timing_count: 0,
    timing_amount: '0.00',
    pending_count: 0,
    pending_amount: '0.00',
    by_type: {} as unknown as Cell,
    parties: {} as unknown as Cell,
    discrepancies_open: 0,
    discrepancies_resolved: 0,
    closed_by: null,
    reopened: 0,
    updated_at: e.occurredAt.toISOString(),
  };
}

function dayRow(e: RecordedEvent, row: Row): Row {
  const d = e.data as Record<string, unknown>;
  const at = e.occurredAt.toISOString();
  switch (e.type) {
    case 'ReconciliationRun': {
      const s = d.summary as DaySummary;
      return {
        ...row,
        runs: Number(row.runs) + 1,
        last_run_id: String(d.runId),
        matched_count: s.matched.count,
        matched_amount: s.matched.amount,
        timing_count: s.timing.count,
        timing_amount: s.timing.amount,
        pending_count: s.pending?.count ?? 0,
        pending_amount: s.pending?.amount ?? '0.00',
        by_type: s.byType as unknown as Cell,
        parties: s.parties as unknown as Cell,
        updated_at: at,
      };
    }
    case 'DayClosed':
      return { ...row, state: 'closed', closed_by: String(d.by), updated_at: at };
    case 'DayReopened':
      return { ...row, state: 'open', reopened: Number(row.reopened) + 1, updated_at: at };
    default:
      return row;
  }
}

/** A discrepancy closed: its final status, the action that closed it, why and when. */
function closedRow(row: Row, status: string, action: string, reason: string, at: string): Row {
  return { ...row, status, action, resolution_reason: reason, resolved_at: at };
}

/** A discrepancy worked again: back to its assignee (or open), its resolution cleared. */
function reopenedRow(row: Row): Row {
  return {
    ...row,
    status: row.assignee ? 'assigned' : 'open',
    action: null,
    resolution_reason: null,
    proposed_by: null,
  };
}

function discrepancyRow(e: RecordedEvent, row: Row | undefined): Row | undefined {
  // The union of the discrepancy events' fields; each event type reads only its own.
  const d = e.data as unknown as Omit<DiscrepancyRaised['data'], 'finding'> & {
    rule: string;
    reason: string;
    assignee: string;
    action: string;
    by: string;
    approvedBy: string | null;
  };
  const at = e.occurredAt.toISOString();
  const matchId = String((e.data as { matchId?: string }).matchId);
  if (e.type === 'DiscrepancyRaised') {
    if (row) return row;
    const f = e.data.finding as { reason?: string };
    return {
      hospital_id: e.hospitalId,
      discrepancy_id: String(d.discrepancyId),
      type: String(d.type),
      channel: String(d.channel),
      business_date: String(d.businessDate),
      subject: String(d.subject),
      amount: String(d.amount),
      reason: String(f.reason ?? ''),
      status: 'open',
      assignee: null,
      action: null,
      resolution_reason: null,
      proposed_by: null,
      approved_by: null,
      raised_at: at,
      resolved_at: null,
    };
  }
  if (row && e.type === 'DiscrepancyReopened' && row.status === 'auto-resolved')
    return {
      ...row,
      status: 'open',
      action: null,
      resolution_reason: null,
      resolved_at: null,
      amount: String(d.amount),
    };
  if (row && e.type === 'DiscrepancyUnmatched' && row.status === 'matched')
    return { ...reopenedRow(row), approved_by: null, resolved_at: null };
  if (!row || isFinalStatus(String(row.status))) return row;
  switch (e.type) {
    case 'DiscrepancyAutoResolved':
      return closedRow(row, 'auto-resolved', `auto:${d.rule}`, d.reason, at);
    case 'DiscrepancyAssigned':
      return {
        ...row,
        status: row.status === 'open' ? 'assigned' : (row.status ?? null),
        assignee: d.assignee,
      };
    case 'DiscrepancyResolutionProposed':
      return { ...row, status: 'proposed', action: d.action, resolution_reason: d.reason, proposed_by: d.by };
    case 'DiscrepancyResolutionApproved':
      return { ...row, approved_by: d.by };
    case 'DiscrepancyResolutionRejected':
      // Sent back by the checker: worked again, the rejected proposal is in the stream's history.
      return reopenedRow(row);
    case 'DiscrepancyMatched':
      return {
        ...closedRow(row, 'matched', `match:${matchId}`, d.reason, at),
        proposed_by: d.by,
        approved_by: d.approvedBy,
      };
    case 'DiscrepancyWithdrawn':
      return closedRow(row, 'withdrawn', `withdrawn:${matchId}`, d.reason, at);
    case 'DiscrepancyResolved':
      return {
        ...closedRow(row, 'resolved', d.action, d.reason, at),
        proposed_by: d.by,
        approved_by: d.approvedBy,
      };
    default:
      return row;
  }
}

/** Live schema of the reconciliation read model (its typed queries: queries.ts). */
export const RECONCILIATION_SCHEMA = liveSchema(reconciliationProjection);
