import { Money } from '../../domain/money.ts';
import { column, keyedProjection, type Row, readModel, tenantTable } from '../projection.ts';

/** The deposits read model: name, live schema, version. */
export const DEPOSITS = readModel('deposits', 1);

export const depositBalancesTable = tenantTable({
  table: 'deposit_balances',
  comment:
    'Inpatient pre-deposit (住院预交金) per admission: topped up, applied at discharge, refunded, balance.',
  key: ['admission_id'],
  indexes: ['hospital_id, patient_id'],
  columns: {
    admission_id: column.text('Admission (住院号) the deposit belongs to.'),
    patient_id: column.text('Patient of the admission.'),
    topped_up: column.total('Sum of top-ups.'),
    applied: column.total('Applied to the discharge settlement.'),
    refunded: column.total('Remainder refunded to the patient.'),
    balance: column.total('topped_up − applied − refunded; never negative.'),
    top_ups: column.integer('Number of top-ups.'),
    status: column.text('open (balance > 0 or no settlement yet) | settled (applied, remainder 0).'),
    updated_at: column.time('Business time of the last change.'),
  },
});

const m = (v: unknown) => Money.parseTotal(String(v ?? '0'));

/** deposit_balances: one row per admission. */
export const depositsProjection = keyedProjection({
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
