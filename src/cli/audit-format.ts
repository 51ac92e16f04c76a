import type { AuditReport, IntegrityBreak } from '../adapters/event-store/verification.ts';
import type { Replay } from '../app/audit/replay.ts';
import type { Trace } from '../app/audit/trace.ts';

// How `ledger audit` shows its answers: plain tables for a person, JSON for a program.

/** JSON with bigints as decimal strings (positions do not fit a JS number in general). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function formatReport(r: AuditReport): string {
  const lines = [
    `checked positions ${r.from}–${r.to}: ${r.eventsChecked} events, ${r.streamRowsChecked} stream rows, ${r.sealsChecked} seals${r.witnessChecked ? `, ${r.witnessChecked} signatures and anchors` : ''}`,
  ];
  if (r.ok) return `${lines[0]}\nOK: nothing was altered, removed, inserted or moved\n`;
  const f = r.first!;
  lines.push(
    `BROKEN: ${r.breakCount} break(s); the first at position ${f.position ?? '(none)'}: ${f.kind}${f.streamId ? ` in ${f.streamId}` : ''}`,
    '',
    table(r.breaks),
    '',
    `streams affected: ${r.streamsAffected.length ? r.streamsAffected.join(', ') : '(none named)'}`,
  );
  if (r.breakCount > r.breaks.length)
    lines.push(`(${r.breakCount - r.breaks.length} more breaks not listed)`);
  return `${lines.join('\n')}\n`;
}

export function table(breaks: readonly IntegrityBreak[]): string {
  const rows = breaks.map((b) => [
    b.position?.toString() ?? '-',
    b.kind,
    b.streamId ?? (b.sealNo !== undefined ? `seal ${b.sealNo}` : '-'),
    b.detail,
  ]);
  return formatTable(['position', 'kind', 'stream / seal', 'detail'], rows);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatTrace(t: Trace): string {
  if (t.events.length + t.statementLines.length === 0) return `nothing in the ledger mentions ${t.query}\n`;
  const out = [
    `trace of ${t.query}: ${t.events.length} events, ${t.discrepancies.length} discrepancies, ${t.statementLines.length} statement lines`,
    '',
  ];
  const rows: string[][] = [];
  for (const e of t.events) {
    rows.push([
      String(e.position),
      e.occurredAt.toISOString(),
      `${e.streamId}@${e.streamVersion}`,
      e.type,
      e.actor ?? '',
      e.channel ?? '',
      e.device ?? '',
      e.correlationId ?? '',
      e.causationId ?? '',
    ]);
    for (const l of e.journal?.lines ?? [])
      rows.push([
        '',
        '',
        '',
        `  ${l.side === 'debit' ? 'Dr' : 'Cr'} ${l.account} ${l.amount}`,
        '',
        '',
        '',
        '',
        '',
      ]);
    if (e.journalError) rows.push(['', '', '', `  posting refused: ${e.journalError}`, '', '', '', '', '']);
  }
  out.push(
    formatTable(
      [
        'position',
        'occurred (UTC)',
        'stream@version',
        'type / journal',
        'actor',
        'channel',
        'device',
        'correlation',
        'causation',
      ],
      rows,
    ),
  );
  if (t.discrepancies.length > 0)
    out.push(
      '',
      formatTable(
        ['discrepancy', 'type', 'subject', 'amount', 'latest'],
        t.discrepancies.map((d) => [
          d.discrepancyId,
          d.type ?? '',
          d.subject ?? '',
          d.amount ?? '',
          d.lastEvent,
        ]),
      ),
    );
  if (t.statementLines.length > 0)
    out.push(
      '',
      formatTable(
        ['statement', 'line', 'kind', 'amount', 'order no', 'refund no', 'channel txn id'],
        t.statementLines.map(({ statementId, line }) =>
          [
            statementId.slice(0, 12),
            line.lineNo,
            line.kind,
            line.amount,
            line.merchantOrderNo,
            line.refundNo,
            line.channelTxnId,
          ].map((v) => (v === undefined || v === null ? '' : String(v))),
        ),
      ),
    );
  return `${out.join('\n')}\n`;
}

export function formatReplay(r: Replay, shown: number): string {
  const out = [
    `as of ${r.asOf.toISOString()} (events up to position ${r.position}); built into ${r.schemas.balances}, ${r.schemas.orders} and ${r.schemas.reconciliation}`,
    '',
    formatTable(
      ['hospital', 'account', 'kind', 'debits', 'credits', 'balance'],
      r.balances.map((b) => [b.hospitalId, b.account, b.kind, b.debitTotal, b.creditTotal, b.balance]),
    ),
    '',
    `${r.orders.length} orders${r.orders.length > shown ? ` (the first ${shown} shown)` : ''}`,
  ];
  if (shown > 0 && r.orders.length > 0)
    out.push(
      formatTable(
        ['hospital', 'order', 'kind', 'status', 'amount', 'paid', 'refunded', 'outstanding', 'channel'],
        r.orders
          .slice(0, shown)
          .map((x) => [
            x.hospitalId,
            x.orderId,
            x.kind,
            x.status,
            x.amount,
            x.paid,
            x.refunded,
            x.outstanding,
            x.channel ?? '',
          ]),
      ),
    );
  const { days, discrepancies } = r.reconciliation;
  out.push('', `${days.length} reconciled days, ${discrepancies.length} discrepancies`);
  if (days.length > 0)
    out.push(
      formatTable(
        ['hospital', 'date', 'channel', 'state', 'runs', 'matched', 'amount', 'pending', 'open', 'resolved'],
        days.map((d) => [
          d.hospitalId,
          d.businessDate,
          d.channel,
          d.state,
          String(d.runs),
          String(d.matchedCount),
          d.matchedAmount,
          String(d.pendingCount),
          String(d.discrepanciesOpen),
          String(d.discrepanciesResolved),
        ]),
      ),
    );
  if (shown > 0 && discrepancies.length > 0)
    out.push(
      formatTable(
        ['hospital', 'discrepancy', 'date', 'channel', 'type', 'subject', 'amount', 'status'],
        discrepancies
          .slice(0, shown)
          .map((d) => [
            d.hospitalId,
            d.discrepancyId,
            d.businessDate,
            d.channel,
            d.type,
            d.subject,
            d.amount,
            d.status,
          ]),
      ),
    );
  return `${out.join('\n')}\n`;
}
