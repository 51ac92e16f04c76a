import type { ColumnType, Generated } from 'kysely';
import { Money } from '../domain/money.ts';

// How PostgreSQL columns come back through kysely here (both drivers are configured alike): numeric and
// bigint as strings (no precision lost; money is parsed into Money at the query boundary), timestamptz as Date.

/** numeric(18,2): read as text, parsed into Money by the query that reads it. */
export type NumericColumn = ColumnType<string, string, string>;
/** bigint (event positions): a string, never a JS number. */
export type Int8Column = ColumnType<string, string | bigint, string | bigint>;
export type TimestampColumn = ColumnType<Date, Date | string, Date | string>;
/** A column the database fills on insert (DEFAULT now(), identity). */
export type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type { Generated };

/** Identity of a read model: its projection name, live schema and code version, fixed in one place. */
export interface ReadModelId {
  readonly name: string;
  /** Live schema `rm_<name>`; rebuilds and as-of builds read the same tables in another schema. */
  readonly schema: string;
  readonly version: number;
}

/** A money column as read (numeric text) into Money. Balances and nets may be negative, and totals long. */
export function moneyColumn(value: string): Money {
  return Money.parseTotal(value);
}
