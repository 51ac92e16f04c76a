// Reconciliation use cases: what HTTP routes, the CLI, the worker, the simulator and the bench call, each a
// function of ReconciliationPorts ({ store, db, decodeLines?, dateOptions? }).
export { CATCH_UP_PAGE, catchUp, reconciliationReadModels } from './catch-up.ts';
export { closeDay, type DayRef, dayStatus, loadDay, reopenDay } from './days.ts';
export {
  acceptTimingItems,
  approveResolution,
  assignDiscrepancy,
  commentOnDiscrepancy,
  type DiscrepancyRef,
  discrepancyState,
  listDiscrepancies,
  MAX_BULK_ITEMS,
  rejectResolution,
  resolveDiscrepancy,
} from './discrepancies.ts';
export {
  type ImportOptions,
  type ImportProgress,
  type ImportResult,
  importStatement,
} from './import-statement.ts';
export { LINE_EVENTS_PAGE } from './inputs.ts';
export type { ReconciliationPorts, StatementBatchDecoder } from './ports.ts';
export {
  type DayState3,
  type ReconcileOptions,
  type ReconcileProgress,
  type ReconciliationReport,
  reconcileDay,
} from './reconcile-day.ts';
export type { MappingCatalog } from '../mappings.ts';
export {
  importStatementFile,
  listStatements,
  type StatementImportRequest,
  type StatementView,
  statementRefusal,
} from './statements.ts';
export { assertStaffMay, FINANCE_PERMISSIONS, type FinancePermission, staffMay } from './staff-access.ts';
export {
  datesBetween,
  type DiscrepancyDetail,
  discrepancyDetail,
  listDays,
  listWorklist,
  reconcileDates,
  showDay,
  type WorklistQuery,
} from './worklist.ts';
export {
  type RangeReport,
  type ReconcileRangeOptions,
  reconcileRange,
} from './reconcile-range.ts';
