// The Meter Master table, written out once: every column with its type in each target dialect.
// The CREATE TABLE statements, the row readers (unnest of column arrays, OPENJSON ... WITH), the
// column lists of INSERT/UPDATE/MERGE and the text limits the mapping checks all come from here.
import type { MeterMasterRow } from "./row.js";

export interface ColumnSpec {
  readonly name: keyof MeterMasterRow & string;
  /** key: the primary key; mapped: fed by a source mapping; written: set by the sink from the event. */
  readonly role: "key" | "mapped" | "written";
  readonly pg: string;
  readonly mssql: string;
  /** Longest text the column takes (both targets): the mapping refuses a longer value. */
  readonly maxLength?: number;
  readonly notNull?: true;
  /** DEFAULT per dialect, for the columns that have one. */
  readonly default?: { readonly pg: string; readonly mssql: string };
  /** Also kept in the hard-delete tombstone table. */
  readonly tombstone?: true;
}

const text = (name: ColumnSpec["name"], maxLength: number, role: ColumnSpec["role"], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  role,
  pg: `varchar(${maxLength})`,
  mssql: `NVARCHAR(${maxLength})`,
  maxLength,
  ...extra,
});

/** Binary order in both targets: source positions are built to sort as plain bytes. */
export const POSITION_COLLATION = { pg: 'COLLATE "C"', mssql: "COLLATE Latin1_General_BIN2" } as const;

export const COLUMNS: readonly ColumnSpec[] = [
  text("source_system", 64, "key", { notNull: true, tombstone: true }),
  text("source_key", 300, "key", { notNull: true, tombstone: true }),
  text("meter_id", 200, "mapped"),
  text("meter_type", 100, "mapped"),
  text("status", 100, "mapped"),
  text("customer_ref", 200, "mapped"),
  text("location", 400, "mapped"),
  { name: "installed_at", role: "mapped", pg: "date", mssql: "DATE" },
  { name: "last_reading", role: "mapped", pg: "numeric(18,4)", mssql: "DECIMAL(18,4)" },
  { name: "last_reading_at", role: "mapped", pg: "timestamptz", mssql: "DATETIMEOFFSET(6)" },
  { name: "attributes", role: "written", pg: "jsonb", mssql: "NVARCHAR(MAX)", notNull: true, default: { pg: "'{}'::jsonb", mssql: "N'{}'" } },
  { name: "is_deleted", role: "written", pg: "boolean", mssql: "BIT", notNull: true, default: { pg: "false", mssql: "0" } },
  { name: "source_op", role: "written", pg: "char(1)", mssql: "CHAR(1)", notNull: true, tombstone: true },
  { name: "source_ts", role: "written", pg: "timestamptz", mssql: "DATETIMEOFFSET(3)", tombstone: true },
  { name: "source_position", role: "written", pg: "varchar(128)", mssql: "VARCHAR(128)", notNull: true, tombstone: true },
];

const names = (filter: (c: ColumnSpec) => boolean) => COLUMNS.filter(filter).map((c) => c.name);

/** Columns in table order (updated_at is set by the writer). */
export const METER_MASTER_COLUMNS = names(() => true);
/** Every column but the key: what an upsert writes. */
export const DATA_COLUMNS = names((c) => c.role !== "key");
/** Mapped columns an update may leave unchanged (Debezium's unavailable-value placeholder). */
export const KEEPABLE_COLUMNS = names((c) => c.role === "mapped");
/** Columns of the hard-delete tombstone table (besides deleted_at). */
export const TOMBSTONE_COLUMNS = names((c) => c.tombstone === true);

/** Columns whose row value is text (or null). */
export type TextColumnName = { [K in keyof MeterMasterRow]-?: MeterMasterRow[K] extends string | null ? K : never }[keyof MeterMasterRow];

/** Longest text per column, as the mapping checks it before a write. */
export const TEXT_LIMITS = Object.fromEntries(COLUMNS.filter((c) => c.maxLength !== undefined).map((c) => [c.name, c.maxLength!])) as Readonly<
  Partial<Record<TextColumnName, number>>
>;

export function column(name: string): ColumnSpec {
  const c = COLUMNS.find((x) => x.name === name);
  if (!c) throw new Error(`no Meter Master column ${name}`);
  return c;
}
