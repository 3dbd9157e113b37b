// The Meter Master row and the changes the sink applies to it, independent of the target DB.

export type SourceOp = "c" | "u" | "d" | "r" | "t";

export interface MeterMasterRow {
  source_system: string;
  /** canonical text of the source primary key; JSON array for composite keys */
  source_key: string;
  meter_id: string | null;
  meter_type: string | null;
  status: string | null;
  customer_ref: string | null;
  location: string | null;
  /** "YYYY-MM-DD" */
  installed_at: string | null;
  /** exact decimal text, at most 4 decimals */
  last_reading: string | null;
  /** "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
  last_reading_at: string | null;
  /** source columns that no mapping names */
  attributes: Record<string, unknown>;
  is_deleted: boolean;
  source_op: SourceOp;
  /** commit time in the source, "YYYY-MM-DDTHH:MM:SS.mmmZ" */
  source_ts: string | null;
  /** sorts in commit order (plain binary string order) */
  source_position: string;
}

export type MeterMasterChange =
  /** c/u/r: the full row as it is after the change */
  | { kind: "upsert"; row: MeterMasterRow }
  /**
   * d: `hasValues` when the delete carried the whole before-image (then the row's columns are
   * that image), otherwise only the key is known and the stored columns are kept.
   */
  | { kind: "delete"; row: MeterMasterRow; hasValues: boolean }
  /** t: every row of the source system older than `position` is gone */
  | { kind: "truncate"; sourceSystem: string; position: string; sourceTs: string | null }
  /** nothing to write (tombstone) */
  | { kind: "skip"; reason: string };

export type RowChange = Extract<MeterMasterChange, { kind: "upsert" | "delete" }>;

/** Columns in table order (updated_at is set by the writer). */
export const METER_MASTER_COLUMNS = [
  "source_system",
  "source_key",
  "meter_id",
  "meter_type",
  "status",
  "customer_ref",
  "location",
  "installed_at",
  "last_reading",
  "last_reading_at",
  "attributes",
  "is_deleted",
  "source_op",
  "source_ts",
  "source_position",
] as const satisfies ReadonlyArray<keyof MeterMasterRow>;

export type DeleteMode = "soft" | "hard";
