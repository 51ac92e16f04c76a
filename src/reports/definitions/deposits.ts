// 住院预交金余额: per admission, the balance at the start of the range, the top-ups, what discharge settlement
// applied and what was refunded in the range, and the balance at its end. Patient ids are masked: the report
// is printed and filed, and identifies admissions, not people.
import type { RecordedEvent } from '../../domain/event-store.ts';
import { maskRef } from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import { invariant } from '../../domain/rejection.ts';
import type { ReportDefinition, ReportRow } from '../types.ts';
import { col, label, sheet } from '../vocabulary.ts';
import { byKeys, dateOf, money } from '../fold.ts';

interface Account {
  admissionId: string;
  maskedPatient: string;
  opening: Money;
  toppedUp: Money;
  topUps: number;
  applied: Money;
  refunded: Money;
  /** The balance the last event up to the range's end states (checked against the fold). */
  statedBalance: Money;
  lastMovement: string | null;
}

interface State {
  accounts: Map<string, Account>;
}

/** A patient id as reports show it: never the id itself. */
export function maskPatientId(patientId: string): string {
  return maskRef(patientId);
}

export const depositBalances: ReportDefinition<State> = {
  name: 'deposit-balances',
  title: label('住院预交金余额', 'Inpatient deposit balances'),
  description: label(
    '按住院号：期初余额、本期预交、出院结算、退款、期末余额（患者标识脱敏）',
    'Per admission: opening balance, top-ups, applied at discharge, refunded, closing balance (patient ids masked)',
  ),
  handles: ['DepositToppedUp', 'DepositApplied', 'DepositRemainderRefunded'],
  initial: () => ({ accounts: new Map() }),
  evolve(state, event: RecordedEvent, params) {
    const d = event.data as Record<string, unknown>;
    const date = dateOf(event, params);
    if (date > params.to) return state;
    const id = String(d.admissionId);
    let a = state.accounts.get(id);
    if (!a) {
      a = {
        admissionId: id,
        maskedPatient: '',
        opening: Money.ZERO,
        toppedUp: Money.ZERO,
        topUps: 0,
        applied: Money.ZERO,
        refunded: Money.ZERO,
        statedBalance: Money.ZERO,
        lastMovement: null,
      };
      state.accounts.set(id, a);
    }
    if (typeof d.patientId === 'string') a.maskedPatient = maskPatientId(d.patientId);
    const amount = money(d.amount);
    const before = date < params.from;
    if (event.type === 'DepositToppedUp') {
      if (before) a.opening = a.opening.add(amount);
      else [a.toppedUp, a.topUps] = [a.toppedUp.add(amount), a.topUps + 1];
    } else if (before) a.opening = a.opening.sub(amount);
    else if (event.type === 'DepositApplied') a.applied = a.applied.add(amount);
    else a.refunded = a.refunded.add(amount);
    a.statedBalance = money(d.balanceAfter);
    a.lastMovement = date;
    return state;
  },
  sheets(state) {
    const rows: ReportRow[] = [];
    for (const a of state.accounts.values()) {
      const closing = a.opening.add(a.toppedUp).sub(a.applied).sub(a.refunded);
      invariant(
        closing.equals(a.statedBalance),
        `deposit ${a.admissionId}: folded balance ${closing} ≠ recorded ${a.statedBalance}`,
      );
      const moved = a.topUps > 0 || !a.applied.isZero() || !a.refunded.isZero();
      if (!moved && a.opening.isZero()) continue;
      rows.push({
        admissionId: a.admissionId,
        patient: a.maskedPatient,
        opening: a.opening,
        topUps: a.topUps,
        toppedUp: a.toppedUp,
        applied: a.applied,
        refunded: a.refunded,
        closing,
        lastMovement: a.lastMovement,
      });
    }
    rows.sort(byKeys((r) => [String(r.admissionId)]));
    return [
      sheet(
        'balances',
        '预交金余额',
        'Deposit balances',
        {
          admissionId: col.text('住院号', 'Admission', 20),
          patient: col.text('患者（脱敏）', 'Patient (masked)', 16),
          opening: col.money('期初余额', 'Opening balance', 14),
          topUps: col.count('预交笔数', 'Top-ups'),
          toppedUp: col.money('本期预交', 'Topped up', 14),
          applied: col.money('出院结算', 'Applied at discharge', 14),
          refunded: col.money('退还余额', 'Refunded', 14),
          closing: col.money('期末余额', 'Closing balance', 14),
          lastMovement: col.date('最后变动', 'Last movement', 12),
        },
        rows,
      ),
    ];
  },
};
