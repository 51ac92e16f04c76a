/** The reconciliation read models' tables, keyed by unqualified table name (see ../database.ts). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in with the reconciliation queries
export interface ReconciliationTables {}
