import type { RecordedEvent } from '../../domain/event-store.ts';
import { type Account, type JournalEntry, postingsFor } from '../../domain/ledger/index.ts';
import type { PostingEvent } from '../../domain/ledger/postings.ts';
import { Money } from '../../domain/money.ts';
import {
  keyString,
  loadRows,
  type Projection,
  type Row,
  table,
  tableProjection,
  writeRows,
  column,
  readModel,
  tenantTable,
} from '../projection.ts';

/** The balances read model: name, live schema, version. */
export const BALANCES = readModel('balances', 1);
/** The journal read model: name, live schema, version. */
export const JOURNAL = readModel('journal', 1);

/** Payments and refunds through a channel (daily totals, reconciliation movements and the daily settlement read them). */
export const CHANNEL_MOVEMENT_EVENT_TYPES = [
  'PaymentSucceeded',
  'PaymentConfirmed',
  'DuplicatePaymentReceived',
  'RefundSucceeded',
  'DepositRemainderRefunded',
] as const;

/** Event types that post to the ledger (postingsFor answers an entry for them). */
export const POSTING_EVENT_TYPES = [
  'PaymentSucceeded',
  'PaymentConfirmed',
  'DuplicatePaymentReceived',
  'RefundSucceeded',
  'DepositApplied',
  'DepositRemainderRefunded',
  'DepositRefundFailed',
  'ChannelFeeRecorded',
  'ChannelSettlementReceived',
  'AdjustingEntryPosted',
  'RefundLegBounced',
  'RefundLegReissued',
] as const;

/** The journal entry an event posts, or null (events that move no money). */
export function entryOf(event: RecordedEvent): JournalEntry | null {
  if (!(POSTING_EVENT_TYPES as readonly string[]).includes(event.type)) return null;
  return postingsFor({ type: event.type, data: event.data } as PostingEvent);
}

export const accountBalancesTable = tenantTable({
  table: 'account_balances',
  comment:
    "Balance of every ledger account per hospital (DESIGN §5). balance is on the account's normal side: assets and expenses debit-positive, liabilities and revenue credit-positive.",
  key: ['account'],
  indexes: ['account'],
  columns: {
    account: column.text('Account code, e.g. channel:wechat:clearing, revenue:outpatient.'),
    kind: column.text('asset | liability | revenue | expense | equity.'),
    debit_total: column.total('Sum of all debits posted to the account.'),
    credit_total: column.total('Sum of all credits posted to the account.'),
    balance: column.total(
      'debit_total − credit_total for debit-normal accounts, the reverse for credit-normal ones.',
    ),
    entries: column.integer('Journal lines posted to the account.'),
    last_position: column.position('Position of the last event that moved the account.'),
  },
});

/**
 * account_balances: one row per hospital and account. A batch sums its journal lines per account in memory
 * first, then loads, adds and writes each touched row once (a rebuild reads a million events).
 */
export const balancesProjection: Projection = tableProjection({
  name: BALANCES.name,
  version: BALANCES.version,
  description: 'Account balances per hospital and account (double-entry, DESIGN §5).',
  handles: POSTING_EVENT_TYPES,
  table: accountBalancesTable,
  async apply(trx, schema, events) {
    const deltas = new Map<
      string,
      { key: [string, string]; account: Account; debit: Money; credit: Money; lines: number; last: bigint }
    >();
    for (const event of events) {
      const entry = entryOf(event);
      if (!entry) continue;
      for (const line of entry.lines) {
        const k = keyString([event.hospitalId, line.account.code]);
        let d = deltas.get(k);
        if (!d) {
          d = {
            key: [event.hospitalId, line.account.code],
            account: line.account,
            debit: Money.ZERO,
            credit: Money.ZERO,
            lines: 0,
            last: 0n,
          };
          deltas.set(k, d);
        }
        if (line.side === 'debit') d.debit = d.debit.add(line.amount);
        else d.credit = d.credit.add(line.amount);
        d.lines++;
        d.last = event.position;
      }
    }
    if (deltas.size === 0) return;
    const existing = await loadRows(
      trx,
      schema,
      accountBalancesTable,
      [...deltas.values()].map((d) => d.key),
    );
    const rows: Row[] = [];
    for (const [k, d] of deltas) {
      const row = existing.get(k);
      const debit = Money.parseTotal(String(row?.debit_total ?? '0')).add(d.debit);
      const credit = Money.parseTotal(String(row?.credit_total ?? '0')).add(d.credit);
      rows.push({
        hospital_id: d.key[0],
        account: d.key[1],
        kind: d.account.kind,
        debit_total: debit.toString(),
        credit_total: credit.toString(),
        balance: (d.account.normalSide === 'debit' ? debit.sub(credit) : credit.sub(debit)).toString(),
        entries: Number(row?.entries ?? 0) + d.lines,
        last_position: d.last.toString(),
      });
    }
    await writeRows(trx, schema, accountBalancesTable, rows, 'upsert');
  },
});

export const journalLinesTable = table({
  table: 'journal_lines',
  comment: 'The general journal: every line of every entry, in event order. Σdebit = Σcredit per position.',
  key: ['position', 'line_no'],
  indexes: ['hospital_id, account, position'],
  columns: {
    position: column.position('Position of the event that posted the entry (one entry per event).'),
    line_no: column.integer('Line within the entry, from 1.'),
    hospital_id: column.text('Tenant.'),
    event_id: column.uuid('The posting event.'),
    event_type: column.text('The posting event type.'),
    stream_id: column.text('Stream of the posting event (order, deposit, settlement).'),
    account: column.text('Account code.'),
    side: column.text<'debit' | 'credit'>('debit | credit.'),
    amount: column.money('Amount of the line, > 0.'),
    memo: column.text('What the entry is for.'),
    occurred_at: column.time('Business time of the event.'),
    recorded_at: column.time('When the ledger stored the event (as-of queries use it).'),
  },
});

/** journal_lines: every posted line. */
export const journalProjection: Projection = tableProjection({
  name: JOURNAL.name,
  version: JOURNAL.version,
  description: 'The general journal: each money event as one balanced entry, line by line.',
  handles: POSTING_EVENT_TYPES,
  table: journalLinesTable,
  async apply(trx, schema, events) {
    const rows: Row[] = [];
    for (const event of events) {
      const entry = entryOf(event);
      if (!entry) continue;
      entry.lines.forEach((line, i) => {
        rows.push({
          position: event.position.toString(),
          line_no: i + 1,
          hospital_id: event.hospitalId,
          event_id: event.eventId,
          event_type: event.type,
          stream_id: event.streamId,
          account: line.account.code,
          side: line.side,
          amount: line.amount.toString(),
          memo: entry.memo,
          occurred_at: event.occurredAt.toISOString(),
          recorded_at: event.recordedAt.toISOString(),
        });
      });
    }
    await writeRows(trx, schema, journalLinesTable, rows, 'insert-new');
  },
});
