import type { BusinessDateOptions } from '../domain/business-date.ts';
import type { Projection } from './projection.ts';
import { dailyTotalsProjection } from './read-models/daily-totals.ts';
import { depositsProjection } from './read-models/deposits.ts';
import { hisSyncProjection } from './read-models/his-sync.ts';
import { balancesProjection, journalProjection } from './read-models/ledger.ts';
import { ordersProjection } from './read-models/orders.ts';
import { reconMovementsProjection, reconStatementsProjection } from './reconciliation/movements.ts';
import { reconciliationProjection } from './reconciliation/read-models.ts';

export * from './build.ts';
export * from './checkpoint.ts';
export * from './projection.ts';
export * from './runner.ts';
export * from './schema-safety.ts';
export { accountBalanceAsOf, entryOf } from './read-models/ledger.ts';

/** Every projection the platform keeps, by name. Live tables live in schema rm_<name>. */
export function allProjections(dateOptions: BusinessDateOptions = {}): Projection[] {
  return [
    balancesProjection,
    journalProjection,
    ordersProjection,
    hisSyncProjection,
    depositsProjection,
    dailyTotalsProjection(dateOptions),
    reconMovementsProjection(dateOptions),
    reconStatementsProjection,
    reconciliationProjection,
  ];
}

export function projectionNamed(name: string, dateOptions: BusinessDateOptions = {}): Projection {
  const p = allProjections(dateOptions).find((x) => x.name === name);
  if (!p)
    throw new Error(
      `unknown projection "${name}"; known: ${allProjections()
        .map((x) => x.name)
        .join(', ')}`,
    );
  return p;
}
