// Reconciliation use cases: what HTTP routes, the CLI, the worker, the simulator and the bench call, each a
// function of ReconciliationPorts ({ store, db, decodeLines?, dateOptions? }).
export { CATCH_UP_PAGE, catchUp, reconciliationReadModels } from './catch-up.ts';
export { closeDay, type DayRef, dayStatus, loadDay, reopenDay } from './days.ts';
export {
  approveResolution,
  assignDiscrepancy,
  type DiscrepancyRef,
  discrepancyState,
  listDiscrepancies,
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
export {
  type RangeReport,
  type ReconcileRangeOptions,
  reconcileRange,
} from './reconcile-range.ts';
