// Every finance report, by name (`ledger report list`, GET /v1/reports).
import { discrepancyAgeing } from './definitions/ageing.ts';
import { channelFees, channelSettlements } from './definitions/channels.ts';
import { dailySettlement } from './definitions/daily-settlement.ts';
import { depositBalances } from './definitions/deposits.ts';
import { hisSyncExceptions } from './definitions/his-sync.ts';
import { reconciliationReport } from './definitions/reconciliation.ts';
import type { ReportDefinition } from './types.ts';

export const REPORTS: readonly ReportDefinition[] = [
  dailySettlement,
  reconciliationReport,
  discrepancyAgeing,
  depositBalances,
  hisSyncExceptions,
  channelFees,
  channelSettlements,
] as ReportDefinition[];

export const REPORT_NAMES = REPORTS.map((r) => r.name);

export function findReport(name: string): ReportDefinition | undefined {
  return REPORTS.find((r) => r.name === name);
}
