// What the reconciliation use cases need from the outside: the event store, the read models' database, how to
// read a stored statement batch back, and the hospital's business-date settings. Every edge (HTTP, CLI, worker,
// simulator, bench) builds these once and calls the same use cases.
import { decodeStatementBatch } from '../../adapters/statements/codec.ts';
import type { BusinessDateOptions } from '../../domain/business-date.ts';
import type { Actor } from '../../domain/decider.ts';
import type { EventStore } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import type { StatementImportStarted } from '../../domain/reconciliation/events.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import type { AnyDb } from '../../projections/projection.ts';

/** Turns a StatementLinesImported event's data back into lines (whatever encoding it was stored in). */
export type StatementBatchDecoder = (
  data: Record<string, unknown>,
  head: StatementImportStarted['data'],
) => StatementLine[];

export interface ReconciliationPorts {
  store: EventStore;
  db: AnyDb;
  /**
   * Default: the statement adapters' decoder, which reads the columnar batches without a parser and the
   * legacy `wechat-raw/1` batches through the WeChat row parser.
   */
  decodeLines?: StatementBatchDecoder;
  /** The hospital's zone and cut-off (default Asia/Shanghai, 00:00). */
  dateOptions?: BusinessDateOptions;
}

export const decoderOf = (ports: ReconciliationPorts): StatementBatchDecoder =>
  ports.decodeLines ?? decodeStatementBatch;

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'reconciliation' };
export const staff = (id: string): Actor => ({ kind: 'staff', id });

/** The tenant, time (now unless given) and actor of a finance user's command. */
export const byStaffAt = (w: { hospitalId: string; by: string; at?: Date }) => ({
  hospitalId: HospitalId(w.hospitalId),
  at: w.at ?? new Date(),
  actor: staff(w.by),
});
