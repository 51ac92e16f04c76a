// Queries of the deposits read model (inpatient pre-deposit per admission).
import type { Money } from '../../domain/money.ts';
import { moneyColumn } from '../columns.ts';
import type { ReadDb } from '../database.ts';
import { DEPOSITS } from './deposits.ts';

export interface PatientDeposit {
  admissionId: string;
  toppedUp: Money;
  applied: Money;
  refunded: Money;
  balance: Money;
  topUps: number;
  status: string;
}

/** A patient's deposit accounts by admission, at most `limit`. */
export async function patientDeposits(
  db: ReadDb,
  q: { hospitalId: string; patientId: string; limit: number; schema?: string },
): Promise<PatientDeposit[]> {
  const rows = await db
    .withSchema(q.schema ?? DEPOSITS.schema)
    .selectFrom('deposit_balances')
    .select(['admission_id', 'topped_up', 'applied', 'refunded', 'balance', 'top_ups', 'status'])
    .where('hospital_id', '=', q.hospitalId)
    .where('patient_id', '=', q.patientId)
    .orderBy('admission_id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    admissionId: r.admission_id,
    toppedUp: moneyColumn(r.topped_up),
    applied: moneyColumn(r.applied),
    refunded: moneyColumn(r.refunded),
    balance: moneyColumn(r.balance),
    topUps: Number(r.top_ups),
    status: r.status,
  }));
}
