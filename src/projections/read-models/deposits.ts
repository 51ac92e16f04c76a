import { Money } from '../../domain/money.ts';
import {
  column,
  keyedProjection,
  type Projection,
  type Row,
  readModel,
  type TableSpec,
} from '../projection.ts';
import type { NumericColumn, TimestampColumn } from '../columns.ts';

/** The deposits read model: name, live schema, version. */
export const DEPOSITS = readModel('deposits', 1);

/** A row of `deposit_balances`, as kysely reads it. */
export interface DepositBalancesTable {
  hospital_id: string;
  admission_id: string;
  patient_id: string;
  topped_up: NumericColumn;
  applied: NumericColumn;
  refunded: NumericColumn;
  balance: NumericColumn;
  top_ups: number;
  status: string;
  updated_at: TimestampColumn;
}

const total = column.total;

export const depositBalancesTable = {
  table: 'deposit_balances',
  comment:
    'Inpatient pre-deposit (住院预交金) per admission: topped up, applied at discharge, refunded, balance.',
  key: ['hospital_id', 'admission_id'],
  indexes: ['hospital_id, patient_id'],
  columns: {
    hospital_id: { type: 'text NOT NULL', comment: 'Tenant.' },
    admission_id: { type: 'text NOT NULL', comment: 'Admission (住院号) the deposit belongs to.' },
    patient_id: { type: 'text NOT NULL', comment: 'Patient of the admission.' },
    topped_up: total('Sum of top-ups.'),
    applied: total('Applied to the discharge settlement.'),
    refunded: total('Remainder refunded to the patient.'),
    balance: total('topped_up − applied − refunded; never negative.'),
    top_ups: { type: 'integer NOT NULL', comment: 'Number of top-ups.' },
    status: {
      type: 'text NOT NULL',
      comment: 'open (balance > 0 or no settlement yet) | settled (applied, remainder 0).',
    },
    updated_at: { type: 'timestamptz NOT NULL', comment: 'Business time of the last change.' },
  },
} satisfies TableSpec;

const m = (v: unknown) => Money.parseTotal(String(v ?? '0'));

/** deposit_balances: one row per admission. */
export const depositsProjection: Projection = keyedProjection({
  name: DEPOSITS.name,
  version: DEPOSITS.version,
  description: 'Deposit balance per admission.',
  handles: ['DepositToppedUp', 'DepositApplied', 'DepositRemainderRefunded', 'DepositRefundFailed'],
  table: depositBalancesTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    const amount = Money.parse(String(d.amount));
    return [
      {
        key: [event.hospitalId, String(d.admissionId)],
        update(row: Row | undefined): Row {
          const r: Row = row ?? {
            hospital_id: event.hospitalId,
            admission_id: String(d.admissionId),
            patient_id: String(d.patientId ?? ''),
            topped_up: '0.00',
            applied: '0.00',
            refunded: '0.00',
            balance: '0.00',
            top_ups: 0,
            status: 'open',
            updated_at: event.occurredAt.toISOString(),
          };
          const next: Row = { ...r, updated_at: event.occurredAt.toISOString() };
          if (event.type === 'DepositToppedUp') {
            next.topped_up = m(r.topped_up).add(amount).toString();
            next.top_ups = Number(r.top_ups) + 1;
            if (d.patientId) next.patient_id = String(d.patientId);
          } else if (event.type === 'DepositApplied') {
            next.applied = m(r.applied).add(amount).toString();
          } else if (event.type === 'DepositRefundFailed') {
            // The channel refused the refund: the money is back on the deposit.
            next.refunded = m(r.refunded).sub(amount).toString();
          } else {
            next.refunded = m(r.refunded).add(amount).toString();
          }
          const balance = m(next.topped_up).sub(m(next.applied)).sub(m(next.refunded));
          next.balance = balance.toString();
          next.status = m(next.applied).isZero() || !balance.isZero() ? 'open' : 'settled';
          return next;
        },
      },
    ];
  },
});
